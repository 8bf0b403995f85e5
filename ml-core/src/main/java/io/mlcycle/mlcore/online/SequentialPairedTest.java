package io.mlcycle.mlcore.online;

import java.nio.ByteBuffer;

/**
 * A sequential test on paired differences {@code d} in [-1, 1] (e.g. the canary's Brier score minus the champion's on
 * the same outcome) that stays valid however often it is looked at: two one-sided tests by betting (testing by
 * betting, Waudby-Smith &amp; Ramdas 2023; Shafer 2021). Each keeps a wealth that, when its null hypothesis holds, is
 * a nonnegative supermartingale starting at 1; by Ville's inequality it ever reaches {@code 1/alpha} with
 * probability at most alpha, whatever the number of looks. The bets are predictable (each uses only earlier
 * observations: the aGRAPA-style plug-in of {@link BettingMartingale#bet}, the rule every betting test here shares).
 *
 * <ul>
 *   <li><b>worse</b>: H0 "mean d &le; 0" (the challenger is not worse); rejected means significantly worse.</li>
 *   <li><b>no worse</b>: H0 "mean d &ge; margin" (worse by at least the margin); rejected means significantly no
 *       worse than the margin allows.</li>
 * </ul>
 * The always-valid p-value of each is {@code min(1, 1 / max wealth so far)}. Immutable: {@link #update} returns a new
 * state, which {@link #toBytes()} stores.
 *
 * @param n           observations so far
 * @param sum         sum of d
 * @param sumSquares  sum of d squared
 * @param logWealthWorse    log wealth of the "worse" test
 * @param logWealthNoWorse  log wealth of the "no worse" test
 * @param maxLogWorse       largest log wealth of the "worse" test so far
 * @param maxLogNoWorse     largest log wealth of the "no worse" test so far
 * @param margin      the non-inferiority margin of the "no worse" test
 */
public record SequentialPairedTest(long n, double sum, double sumSquares, double logWealthWorse,
                                   double logWealthNoWorse, double maxLogWorse, double maxLogNoWorse, double margin) {

    /** Size of {@link #toBytes()}: eight 8-byte values. */
    public static final int BYTES = 8 * 8;


    public SequentialPairedTest {
        if (!(margin >= 0 && margin < 1)) {
            throw new IllegalArgumentException("margin must be in [0, 1): " + margin);
        }
    }

    public static SequentialPairedTest start(double margin) {
        return new SequentialPairedTest(0, 0, 0, 0, 0, 0, 0, margin);
    }

    /** The state after one more paired difference (clamped to [-1, 1]). */
    public SequentialPairedTest update(double difference) {
        if (Double.isNaN(difference)) {
            throw new IllegalArgumentException("difference is NaN");
        }
        double d = Math.max(-1, Math.min(1, difference));
        // "worse": bet on d > 0 with the payoff d.  "no worse": bet on d < margin with the payoff margin - d.
        double betWorse = bet(sum, sumSquares);
        double betNoWorse = bet(-sum + n * margin, sumSquares - 2 * margin * sum + n * margin * margin);
        double logWorse = logWealthWorse + Math.log1p(betWorse * d);
        double logNoWorse = logWealthNoWorse + Math.log1p(betNoWorse * (margin - d));
        return new SequentialPairedTest(n + 1, sum + d, sumSquares + d * d, logWorse, logNoWorse,
                Math.max(maxLogWorse, logWorse), Math.max(maxLogNoWorse, logNoWorse), margin);
    }

    /** The shared plug-in bet ({@link BettingMartingale#bet}) on the payoffs seen so far. */
    private double bet(double payoffSum, double payoffSquares) {
        return BettingMartingale.bet(n, payoffSum, payoffSquares);
    }

    public double mean() {
        return n == 0 ? 0 : sum / n;
    }

    /** Always-valid p-value of "not worse" (small: significantly worse). */
    public double pWorse() {
        return Math.min(1, Math.exp(-maxLogWorse));
    }

    /** Always-valid p-value of "worse by at least the margin" (small: significantly no worse). */
    public double pNoWorse() {
        return Math.min(1, Math.exp(-maxLogNoWorse));
    }

    public boolean significantlyWorse(double alpha) {
        return maxLogWorse >= Math.log(1 / alpha);
    }

    public boolean significantlyNoWorse(double alpha) {
        return maxLogNoWorse >= Math.log(1 / alpha);
    }

    public byte[] toBytes() {
        return ByteBuffer.allocate(BYTES).putLong(n).putDouble(sum).putDouble(sumSquares).putDouble(logWealthWorse)
                .putDouble(logWealthNoWorse).putDouble(maxLogWorse).putDouble(maxLogNoWorse).putDouble(margin)
                .array();
    }

    public static SequentialPairedTest fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new SequentialPairedTest(b.getLong(), b.getDouble(), b.getDouble(), b.getDouble(), b.getDouble(),
                b.getDouble(), b.getDouble(), b.getDouble());
    }
}
