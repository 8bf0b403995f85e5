package io.mlcycle.orchestrator;

import io.mlcycle.avro.DataProfile;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.profile.AvroProfiles;
import io.mlcycle.mlcore.profile.DataProfiler;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.train.Example;
import java.util.List;
import java.util.Map;

/**
 * Builds a model's reference profile (the drift reference while it serves) from its training examples with
 * ml-core's {@link DataProfiler}, mapped to the Avro contract by {@link AvroProfiles} (which validation uses to read
 * it back).
 */
public final class ReferenceProfiles {

    private ReferenceProfiles() {
    }

    /** The reference profile of the training part. */
    public static DataProfile fromTraining(PipelineSpec spec, List<Example> training) {
        List<FeatureDefinition> definitions = FeatureDefinition.fromSpec(spec);
        List<Map<String, Object>> rows = training.stream().map(Example::features).toList();
        return AvroProfiles.toAvro(new DataProfiler(definitions).profile(rows));
    }
}
