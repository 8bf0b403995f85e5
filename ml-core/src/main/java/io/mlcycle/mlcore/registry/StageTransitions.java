package io.mlcycle.mlcore.registry;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageTransition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How a stage change of a model version is written, by every service that writes one (the orchestrator's promotions
 * and rollbacks, serving's canary decisions): the version with the new stage and one more history entry saying who
 * and why. The result is unsigned; the writer signs it with {@link ModelSigning} before it goes to {@code <p>.models}.
 */
public final class StageTransitions {

    private StageTransitions() {
    }

    /** A copy of {@code version} moved to {@code to} by {@code by}, with the transition appended to its history. */
    public static ModelVersion transition(ModelVersion version, Stage to, Instant at, String by, String reason) {
        List<StageTransition> history = new ArrayList<>(version.getHistory());
        history.add(new StageTransition(version.getStage(), to, at, by, reason));
        return ModelVersion.newBuilder(version).setStage(to).setHistory(history).setUpdatedAt(at).build();
    }
}
