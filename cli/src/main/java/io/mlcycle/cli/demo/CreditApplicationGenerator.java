package io.mlcycle.cli.demo;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Generates the demo's credit applications and their true outcomes, for the bundled {@code credit} spec.
 *
 * <p>Outcomes come from a known logistic model, so a trained model has something real to learn. After the drift
 * point the world changes: incomes fall and unemployment rises (data drift that validation can see), and debt weighs
 * more on default (concept drift that only retraining on new outcomes can absorb). A small share of applications is
 * malformed in ways a real source produces: out-of-range ages, unknown categories, text where a number belongs,
 * missing required values, bad e-mail addresses.
 *
 * <p>Deterministic for a seed; not thread-safe.
 */
public final class CreditApplicationGenerator {

    /** One generated application: the JSON object to ingest, its true outcome, and whether it was made malformed. */
    public record Application(String applicantId, Map<String, Object> json, boolean defaulted, Malformation malformation) {
    }

    /** How an application was made malformed, and the reason code validation or ingestion should give it. */
    public enum Malformation {
        NONE(null),
        AGE_OUT_OF_RANGE("OUT_OF_RANGE"),
        UNKNOWN_EMPLOYMENT("NOT_ALLOWED"),
        INCOME_AS_TEXT("WRONG_TYPE"),
        MISSING_INCOME("MISSING_REQUIRED"),
        BAD_EMAIL("PATTERN_MISMATCH");

        private final String expectedReason;

        Malformation(String expectedReason) {
            this.expectedReason = expectedReason;
        }

        public String expectedReason() {
            return expectedReason;
        }
    }

    private static final List<String> EMPLOYMENT = List.of("employed", "self_employed", "unemployed", "retired", "student");
    private static final double[] EMPLOYMENT_WEIGHTS_BEFORE = {0.70, 0.12, 0.06, 0.07, 0.05};
    private static final double[] EMPLOYMENT_WEIGHTS_AFTER = {0.52, 0.10, 0.25, 0.07, 0.06};

    private final SplittableRandom random;
    private final double malformedShare;
    private long sequence;

    public CreditApplicationGenerator(long seed, double malformedShare) {
        if (malformedShare < 0 || malformedShare > 1) {
            throw new IllegalArgumentException("malformedShare must be within [0, 1], was " + malformedShare);
        }
        this.random = new SplittableRandom(seed);
        this.malformedShare = malformedShare;
    }

    /** The next application, generated in the world before ({@code drifted == false}) or after the drift point. */
    public Application next(Instant appliedAt, boolean drifted) {
        sequence++;
        String applicantId = String.format(Locale.ROOT, "A%07d", sequence);
        int age = (int) Math.round(clamp(gaussian(41, 12), 18, 90));
        String employment = pick(drifted ? EMPLOYMENT_WEIGHTS_AFTER : EMPLOYMENT_WEIGHTS_BEFORE);
        double incomeMean = drifted ? 2300 : 3600;
        double monthlyIncome = Math.round(clamp(Math.exp(Math.log(incomeMean) + 0.45 * random.nextGaussian()), 300, 60000));
        if ("unemployed".equals(employment)) {
            monthlyIncome = Math.round(monthlyIncome * 0.35);
        }
        double debtRatio = round2(clamp(Math.abs(gaussian(drifted ? 0.55 : 0.38, 0.25)), 0, 6));
        int openCreditLines = (int) clamp(Math.round(gaussian(8, 4)), 0, 40);
        int latePayments = poisson(drifted ? 0.45 : 0.3);
        double loanAmount = Math.round(clamp(Math.exp(Math.log(12000) + 0.7 * random.nextGaussian()), 500, 250000));

        double logit = -2.4
                + 0.85 * latePayments
                + (drifted ? 2.6 : 1.3) * (debtRatio - 0.4)
                - 0.9 * (Math.log(monthlyIncome) - Math.log(3000))
                - 0.025 * (age - 40)
                + 0.25 * (Math.log(loanAmount) - Math.log(12000))
                + switch (employment) {
                    case "unemployed" -> 1.1;
                    case "student" -> 0.5;
                    case "self_employed" -> 0.3;
                    default -> 0.0;
                };
        boolean defaulted = random.nextDouble() < 1.0 / (1.0 + Math.exp(-logit));

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("applicant_id", applicantId);
        json.put("applied_at", appliedAt.toString());
        json.put("age", age);
        json.put("monthly_income", monthlyIncome);
        json.put("debt_ratio", debtRatio);
        json.put("open_credit_lines", openCreditLines);
        json.put("late_payments_90d", latePayments);
        json.put("loan_amount", loanAmount);
        json.put("employment", employment);
        json.put("email", "applicant" + sequence + "@example.com");

        Malformation malformation = random.nextDouble() < malformedShare
                ? Malformation.values()[1 + random.nextInt(Malformation.values().length - 1)]
                : Malformation.NONE;
        switch (malformation) {
            case AGE_OUT_OF_RANGE -> json.put("age", 7);
            case UNKNOWN_EMPLOYMENT -> json.put("employment", "astronaut");
            case INCOME_AS_TEXT -> json.put("monthly_income", "about three thousand");
            case MISSING_INCOME -> json.remove("monthly_income");
            case BAD_EMAIL -> json.put("email", "not-an-address");
            case NONE -> { }
        }
        return new Application(applicantId, json, defaulted, malformation);
    }

    private String pick(double[] weights) {
        double draw = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < weights.length; i++) {
            cumulative += weights[i];
            if (draw < cumulative) {
                return EMPLOYMENT.get(i);
            }
        }
        return EMPLOYMENT.get(0);
    }

    private double gaussian(double mean, double stddev) {
        return mean + stddev * random.nextGaussian();
    }

    private int poisson(double lambda) {
        double limit = Math.exp(-lambda);
        double product = random.nextDouble();
        int count = 0;
        while (product > limit) {
            product *= random.nextDouble();
            count++;
        }
        return count;
    }

    private static double clamp(double value, double min, double max) {
        return Math.max(min, Math.min(max, value));
    }

    private static double round2(double value) {
        return Math.round(value * 100.0) / 100.0;
    }
}
