package io.mlcycle.serving;

import java.util.List;
import java.util.Optional;

/**
 * The models serving runs at one moment, swapped as a whole so a request sees one consistent set: the champion,
 * an optional canary (answers its share of traffic) and shadows (score everything, never answer). Immutable.
 */
public record ServingModels(LoadedModel champion, LoadedModel canary, List<LoadedModel> shadows) {
    public static final ServingModels NONE = new ServingModels(null, null, List.of());

    public ServingModels {
        shadows = List.copyOf(shadows);
    }

    public Optional<LoadedModel> championModel() {
        return Optional.ofNullable(champion);
    }
}
