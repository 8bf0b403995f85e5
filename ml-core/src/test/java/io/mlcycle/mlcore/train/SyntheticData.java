package io.mlcycle.mlcore.train;

import io.mlcycle.mlcore.features.FeatureDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** A seeded, separable-ish credit-like problem with a known logistic ground truth. */
public final class SyntheticData {
    public static final List<String> EMPLOYMENT = List.of("employed", "self_employed", "unemployed", "retired", "student");

    public static List<FeatureDefinition> definitions() {
        return List.of(
                FeatureDefinition.numeric("age"),
                FeatureDefinition.numeric("income"),
                FeatureDefinition.numeric("debt_ratio"),
                FeatureDefinition.numeric("late_payments"),
                FeatureDefinition.numeric("noise1"),
                FeatureDefinition.numeric("noise2"),
                FeatureDefinition.bool("has_mortgage"),
                FeatureDefinition.category("employment", EMPLOYMENT));
    }

    /** n examples; positives driven by debt ratio, late payments, youth, low income, unemployment. */
    public static List<Example> generate(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Example> examples = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double age = 18 + random.nextDouble() * 60;
            double income = Math.exp(10 + random.nextDouble() * 1.5);
            double debt = random.nextDouble();
            int late = random.nextInt(6);
            boolean mortgage = random.nextBoolean();
            String employment = EMPLOYMENT.get(random.nextInt(EMPLOYMENT.size()));
            double z = -4.0 + 5.0 * debt + 1.0 * late - 0.06 * (age - 45) - 0.00003 * (income - 40000)
                    + (employment.equals("unemployed") ? 1.5 : 0) + (mortgage ? -0.5 : 0);
            boolean label = random.nextDouble() < 1 / (1 + Math.exp(-z));
            Map<String, Object> features = new HashMap<>();
            features.put("age", (int) age);
            features.put("income", random.nextDouble() < 0.05 ? null : income);
            features.put("debt_ratio", debt);
            features.put("late_payments", (long) late);
            features.put("noise1", random.nextDouble());
            features.put("noise2", random.nextGaussian());
            features.put("has_mortgage", random.nextDouble() < 0.02 ? null : mortgage);
            features.put("employment", employment);
            examples.add(new Example(String.format("e%08d", i), features, label, 1_700_000_000_000L + i * 1000L));
        }
        return examples;
    }

    private SyntheticData() {
    }
}
