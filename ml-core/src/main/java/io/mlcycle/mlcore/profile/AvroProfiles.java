package io.mlcycle.mlcore.profile;

import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.features.FeatureKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps data profiles between ml-core's types and the Avro contract ({@code io.mlcycle.avro.DataProfile}): the one
 * place that knows how a profile travels, so that the orchestrator (which writes a model's reference profile) and
 * validation (which reads it back to measure drift) cannot disagree.
 *
 * <p>Conventions of the Avro side (as its IDL documents): {@code bin_fractions} and {@code category_frequencies}
 * are fractions of the NON-missing values; ml-core's fractions are of all records (missing included). Reading is
 * tolerant: fractions that already sum to the present share are taken as they are. Categorical bins follow the
 * spec's declared values (booleans: false, true); a frequency under any other key counts in the "other" bin.
 */
public final class AvroProfiles {

    /** The key of {@code category_frequencies} for values outside the declared categories. */
    public static final String OTHER = "(other)";

    private static final double SUM_TOLERANCE = 1e-6;
    private static final List<String> BOOLEAN_CATEGORIES = List.of("false", "true");

    private AvroProfiles() {
    }

    /** The Avro form of a profile, as it travels in quality reports and model versions. */
    public static io.mlcycle.avro.DataProfile toAvro(DataProfile profile) {
        List<io.mlcycle.avro.FeatureProfile> features = new ArrayList<>();
        for (FeatureProfile feature : profile.features()) {
            features.add(toAvro(feature));
        }
        return io.mlcycle.avro.DataProfile.newBuilder()
                .setRecordCount(profile.records())
                .setFeatures(features)
                .build();
    }

    /** The Avro form of one feature's profile. */
    public static io.mlcycle.avro.FeatureProfile toAvro(FeatureProfile feature) {
        double present = 1.0 - feature.missingFraction();
        List<Double> binFractions = new ArrayList<>();
        Map<String, Double> categoryFrequencies = new LinkedHashMap<>();
        if (feature.isNumeric()) {
            for (double fraction : feature.binFractions()) {
                binFractions.add(present > 0 ? fraction / present : 0.0);
            }
        } else {
            List<String> labels = new ArrayList<>(feature.categories());
            for (int i = 0; i < feature.binFractions().size(); i++) {
                double fraction = present > 0 ? feature.binFractions().get(i) / present : 0.0;
                if (i < labels.size()) {
                    categoryFrequencies.put(labels.get(i), fraction);
                } else if (fraction > 0) {
                    categoryFrequencies.put(OTHER, fraction);
                }
            }
        }
        return io.mlcycle.avro.FeatureProfile.newBuilder()
                .setName(feature.feature())
                .setKind(switch (feature.kind()) {
                    case NUMERIC -> io.mlcycle.avro.FeatureKind.NUMERIC;
                    case BOOLEAN -> io.mlcycle.avro.FeatureKind.BOOLEAN;
                    case CATEGORY -> io.mlcycle.avro.FeatureKind.CATEGORICAL;
                })
                .setCount(feature.count())
                .setMissing(feature.missing())
                .setMean(finite(feature.mean()))
                .setStddev(finite(feature.stddev()))
                .setMin(finite(feature.min()))
                .setMax(finite(feature.max()))
                .setBinEdges(new ArrayList<>(feature.binEdges()))
                .setBinFractions(binFractions)
                .setCategoryFrequencies(categoryFrequencies)
                .build();
    }

    /**
     * The ml-core reference profile of an Avro profile, restricted to the features the spec still declares (a
     * feature the reference lacks, or whose kind changed, is left out: there is nothing to compare it with).
     */
    public static DataProfile fromAvro(io.mlcycle.avro.DataProfile avro, List<FeatureDefinition> definitions) {
        List<FeatureProfile> features = new ArrayList<>();
        for (FeatureDefinition definition : definitions) {
            Optional<io.mlcycle.avro.FeatureProfile> match = avro.getFeatures().stream()
                    .filter(f -> f.getName().equals(definition.name())).findFirst();
            match.flatMap(f -> fromAvro(f, definition)).ifPresent(features::add);
        }
        return new DataProfile(features, avro.getRecordCount());
    }

    private static Optional<FeatureProfile> fromAvro(io.mlcycle.avro.FeatureProfile avro, FeatureDefinition definition) {
        long count = avro.getCount();
        double missingFraction = count > 0 ? (double) avro.getMissing() / count : 0.0;
        double present = 1.0 - missingFraction;
        if (definition.kind() == FeatureKind.NUMERIC) {
            if (avro.getKind() != io.mlcycle.avro.FeatureKind.NUMERIC
                    || avro.getBinFractions().size() != avro.getBinEdges().size() + 1) {
                return Optional.empty();
            }
            List<Double> fractions = ofAllRecords(avro.getBinFractions(), present);
            return Optional.of(new FeatureProfile(definition.name(), FeatureKind.NUMERIC, count, avro.getMissing(),
                    orNaN(avro.getMean()), orNaN(avro.getStddev()), orNaN(avro.getMin()), orNaN(avro.getMax()),
                    avro.getBinEdges(), List.of(), fractions, missingFraction));
        }
        if (avro.getKind() == io.mlcycle.avro.FeatureKind.NUMERIC) {
            return Optional.empty();
        }
        List<String> categories = definition.kind() == FeatureKind.BOOLEAN ? BOOLEAN_CATEGORIES
                : definition.categories();
        Map<String, Double> frequencies = avro.getCategoryFrequencies();
        List<Double> raw = new ArrayList<>();
        double declared = 0;
        for (String category : categories) {
            double value = frequencies.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(category))
                    .mapToDouble(Map.Entry::getValue).findFirst().orElse(0.0);
            raw.add(value);
            declared += value;
        }
        double total = frequencies.values().stream().mapToDouble(Double::doubleValue).sum();
        raw.add(Math.max(0.0, total - declared));
        List<Double> fractions = ofAllRecords(raw, present);
        return Optional.of(new FeatureProfile(definition.name(), definition.kind(), count, avro.getMissing(),
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, List.of(), categories, fractions, missingFraction));
    }

    /** Fractions of all records from fractions that are either of present values (sum 1) or already of all records. */
    private static List<Double> ofAllRecords(List<Double> fractions, double present) {
        double sum = fractions.stream().mapToDouble(Double::doubleValue).sum();
        boolean ofPresentValues = Math.abs(sum - 1.0) < SUM_TOLERANCE && present < 1.0 - SUM_TOLERANCE;
        List<Double> scaled = new ArrayList<>(fractions.size());
        for (double fraction : fractions) {
            scaled.add(ofPresentValues ? fraction * present : fraction);
        }
        return scaled;
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static double orNaN(Double value) {
        return value == null ? Double.NaN : value;
    }
}
