package io.mlcycle.orchestrator;

import io.mlcycle.avro.DataProfile;
import io.mlcycle.avro.FeatureKind;
import io.mlcycle.avro.FeatureProfile;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.profile.DataProfiler;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.train.Example;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a model's reference profile (the drift reference while it serves) from its training examples with
 * ml-core's {@link DataProfiler}, mapped to the Avro contract.
 *
 * <p>Avro conventions (as the IDL documents, and as validation reads them back): {@code bin_fractions} and
 * {@code category_frequencies} are fractions of the NON-missing values, while ml-core's are of all records; values
 * outside the declared categories are reported under {@value #OTHER}.
 */
public final class ProfileMapper {

    /** The key of {@code category_frequencies} for values outside the declared categories. */
    public static final String OTHER = "(other)";

    private ProfileMapper() {
    }

    /** The reference profile of the training part. */
    public static DataProfile profile(PipelineSpec spec, List<Example> training) {
        List<FeatureDefinition> definitions = FeatureDefinition.fromSpec(spec);
        List<Map<String, Object>> rows = training.stream().map(Example::features).toList();
        return toAvro(new DataProfiler(definitions).profile(rows));
    }

    public static DataProfile toAvro(io.mlcycle.mlcore.profile.DataProfile profile) {
        List<FeatureProfile> features = new ArrayList<>();
        for (io.mlcycle.mlcore.profile.FeatureProfile feature : profile.features()) {
            features.add(toAvro(feature));
        }
        return DataProfile.newBuilder().setRecordCount(profile.records()).setFeatures(features).build();
    }

    static FeatureProfile toAvro(io.mlcycle.mlcore.profile.FeatureProfile feature) {
        double present = 1.0 - feature.missingFraction();
        List<Double> binFractions = new ArrayList<>();
        Map<String, Double> categoryFrequencies = new LinkedHashMap<>();
        if (feature.isNumeric()) {
            for (double fraction : feature.binFractions()) {
                binFractions.add(present > 0 ? fraction / present : 0.0);
            }
        } else {
            List<String> labels = feature.categories();
            for (int i = 0; i < feature.binFractions().size(); i++) {
                double fraction = present > 0 ? feature.binFractions().get(i) / present : 0.0;
                if (i < labels.size()) {
                    categoryFrequencies.put(labels.get(i), fraction);
                } else if (fraction > 0) {
                    categoryFrequencies.put(OTHER, fraction);
                }
            }
        }
        return FeatureProfile.newBuilder()
                .setName(feature.feature())
                .setKind(switch (feature.kind()) {
                    case NUMERIC -> FeatureKind.NUMERIC;
                    case BOOLEAN -> FeatureKind.BOOLEAN;
                    case CATEGORY -> FeatureKind.CATEGORICAL;
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

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
