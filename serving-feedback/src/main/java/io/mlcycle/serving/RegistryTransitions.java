package io.mlcycle.serving;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import java.time.Instant;

/**
 * How serving writes a stage change to the model registry {@code <p>.models}: the version's record with the new
 * stage and one more history entry, built by ml-core's {@code StageTransitions} as the orchestrator's are; the
 * record is signed where it is written ({@code OnlineMonitor}).
 */
final class RegistryTransitions {
    static final String ACTOR = "serving-feedback";

    private RegistryTransitions() {
    }

    static ModelVersion transition(ModelVersion version, Stage to, Instant at, String reason) {
        return io.mlcycle.mlcore.registry.StageTransitions.transition(version, to, at, ACTOR, reason);
    }
}
