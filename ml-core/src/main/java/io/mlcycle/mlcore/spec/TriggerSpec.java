package io.mlcycle.mlcore.spec;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The {@code triggers} section.
 *
 * @param volume   retrain after this many new labeled examples since the last run; empty = no volume trigger
 * @param cooldown minimum time between two runs
 */
public record TriggerSpec(OptionalLong volume, Duration cooldown) {
    public static final Duration DEFAULT_COOLDOWN = Duration.ofMinutes(1);

    public TriggerSpec {
        volume = volume == null ? OptionalLong.empty() : volume;
        Objects.requireNonNull(cooldown, "cooldown");
    }
}
