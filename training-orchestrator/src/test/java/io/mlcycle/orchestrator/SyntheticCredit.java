package io.mlcycle.orchestrator;

import io.mlcycle.avro.LabeledExample;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Synthetic labeled credit examples for the test spec (features age, income, employment). */
final class SyntheticCredit {

    static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final String[] EMPLOYMENT = {"employed", "self_employed", "unemployed", "retired", "student"};

    /** How the label depends on the features. */
    enum Concept {
        /** Young, low-income and unemployed applicants default much more: clearly learnable. */
        LEARNABLE,
        /** Only age matters. */
        AGE_ONLY,
        /** Labels independent of the features. */
        NOISE
    }

    private SyntheticCredit() {
    }

    static List<LabeledExample> examples(int n, Concept concept, long seed, int firstIndex) {
        Random random = new Random(seed);
        List<LabeledExample> examples = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            examples.add(example(random, concept, firstIndex + i));
        }
        return examples;
    }

    static LabeledExample example(Random random, Concept concept, int index) {
        int age = 18 + random.nextInt(70);
        double income = Math.round(random.nextDouble() * 100_000);
        String employment = EMPLOYMENT[random.nextInt(EMPLOYMENT.length)];
        double logit = switch (concept) {
            case LEARNABLE -> -(age - 45) / 7.0 - (income - 50_000) / 15_000.0
                    + ("unemployed".equals(employment) ? 1.5 : 0.0);
            case AGE_ONLY -> -(age - 45) / 7.0;
            case NOISE -> 0.0;
        };
        boolean positive = random.nextDouble() < 1.0 / (1.0 + Math.exp(-logit));
        Map<String, Object> features = new LinkedHashMap<>();
        features.put("age", age);
        features.put("income", income);
        features.put("employment", employment);
        Instant eventTime = START.plusSeconds(60L * index);
        return LabeledExample.newBuilder()
                .setEventId("evt-" + index)
                .setPipeline("credit")
                .setEntityKey("app-" + index)
                .setFeatures(features)
                .setLabel(Boolean.toString(positive))
                .setPositive(positive)
                .setEventTime(eventTime)
                .setObservedAt(eventTime.plusSeconds(30))
                .build();
    }
}
