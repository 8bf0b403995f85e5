package io.mlcycle.serving;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageTransition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How serving writes a stage change to the model registry {@code <p>.models}: the version's record with the new
 * stage and one more history entry, as the registry writes it. The one place serving builds such a record, so that
 * signing the registry's records can be added here.
 */
final class RegistryTransitions {
    static final String ACTOR = "serving-feedback";

    private RegistryTransitions() {
    }

    static ModelVersion transition(ModelVersion version, Stage to, Instant at, String reason) {
        List<StageTransition> history = new ArrayList<>(version.getHistory());
        history.add(new StageTransition(version.getStage(), to, at, ACTOR, reason));
        return ModelVersion.newBuilder(version).setStage(to).setHistory(history).setUpdatedAt(at).build();
    }
}
