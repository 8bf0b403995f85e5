package io.mlcycle.serving;

import io.mlcycle.avro.ModelVersion;
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

    /** A source serving only a champion (no canary, no shadow), as tools and tests give it. */
    static ModelSource championOnly(Supplier<Optional<LoadedModel>> champion) {
        return () -> new ServingModels(champion.get().orElse(null), null, java.util.List.of());
    }
}
