package io.mlcycle.mlcore.online;

/**
 * One one-sided test by betting (Waudby-Smith &amp; Ramdas 2023; Shafer 2021): H0 "the conditional mean of every payoff
 * given the ones before is at most 0", for payoffs in [-1, 1]. The wealth starts at 1 and is multiplied by
 * {@code 1 + bet * payoff} at each observation, with a bet in [0, {@link #MAX_BET}] chosen from earlier payoffs only;
 * under H0 it is a nonnegative supermartingale, so by Ville's inequality it ever reaches {@code 1/alpha} with
 * probability at most alpha, however often it is looked at. The always-valid p-value is
 * {@code min(1, 1 / max wealth so far)}. The canary's {@link SequentialPairedTest} and the online-truth divergence test
 * ({@code io.mlcycle.mlcore.monitoring.DivergenceTest}) bet by the same rule ({@link #bet}). Immutable.
 *
 * @param n            observations so far
 * @param sum          sum of the payoffs
 * @param sumSquares   sum of the payoffs squared
 * @param logWealth    log of the wealth now
 * @param maxLogWealth largest log wealth so far (what the p-value and the decision read: once reached, kept)
 */
public record BettingMartingale(long n, double sum, double sumSquares, double logWealth, double maxLogWealth) {

    /** Largest fraction of wealth bet at once: keeps every factor at least 0.5, so one outcome never ruins a test. */
    public static final double MAX_BET = 0.5;
    /** Pseudo-observations of the bet's plug-in estimate, so the first bets are small. */
    private static final double PRIOR_COUNT = 10;
    private static final double PRIOR_SECOND_MOMENT = 0.25;

    public static final BettingMartingale START = new BettingMartingale(0, 0, 0, 0, 0);

    /**
     * The state after one more payoff. A payoff outside [-1, 1] is an error of the caller (clamping one below -1
     * would overstate the evidence).
     */
    public BettingMartingale update(double payoff) {
        if (!(payoff >= -1 - 1e-12 && payoff <= 1 + 1e-12)) {
            throw new IllegalArgumentException("payoff must be in [-1, 1]: " + payoff);
        }
        double log = logWealth + Math.log1p(bet(n, sum, sumSquares) * payoff);
        return new BettingMartingale(n + 1, sum + payoff, sumSquares + payoff * payoff, log,
                Math.max(maxLogWealth, log));
    }

    /**
     * The aGRAPA plug-in bet after {@code n} payoffs with these sums: their mean over their second moment, shrunk
     * towards no bet, in [0, {@link #MAX_BET}]. Predictable: it reads only payoffs already seen.
     */
    public static double bet(long n, double payoffSum, double payoffSquares) {
        double mean = payoffSum / (n + PRIOR_COUNT);
        double second = (payoffSquares + PRIOR_COUNT * PRIOR_SECOND_MOMENT) / (n + PRIOR_COUNT);
        return Math.max(0, Math.min(MAX_BET, mean / second));
    }

    /** Always-valid p-value of H0. */
    public double p() {
        return Math.min(1, Math.exp(-maxLogWealth));
    }

    /** Whether H0 is rejected at level {@code alpha} (the wealth has reached {@code 1/alpha} at some look). */
    public boolean rejects(double alpha) {
        return maxLogWealth >= Math.log(1 / alpha);
    }
}
