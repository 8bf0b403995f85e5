package io.mlcycle.serving;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.mlcore.registry.ModelSigning;
import java.util.Optional;
import java.util.function.Supplier;

/** What serving reads about its models: the set serving now, and the registry's record of a version. */
@FunctionalInterface
public interface ModelSource {
    /** The models serving now (one consistent snapshot). */
    ServingModels models();

    /** The registry's latest record of a version; empty when unknown. */
    default Optional<ModelVersion> registered(String version) {
        return Optional.empty();
    }

    /**
     * The key serving signs its stage decisions on online evidence with (the orchestrator applies only decisions
     * signed with the deployment's key): the deployment's for the registry watcher, the public development key for
     * tools and tests, which an orchestrator with a real key refuses.
     */
    default ModelSigning decisionSigning() {
        return ModelSigning.development();
    }

    /** A source serving only a champion (no canary, no shadow), as tools and tests give it. */
    static ModelSource championOnly(Supplier<Optional<LoadedModel>> champion) {
        return () -> new ServingModels(champion.get().orElse(null), null, java.util.List.of());
    }
}
