package io.mlcycle.mlcore.spec;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The {@code triggers} section.
 *
 * @param volume   retrain after this many new labeled examples since the last run; empty = no volume trigger
 * @param cooldown minimum time between two runs
 * @param schedule retrain when this long has passed since the latest registered version was trained; empty = no
 *                 schedule trigger
 */
public record TriggerSpec(OptionalLong volume, Duration cooldown, Optional<Duration> schedule) {
    public static final Duration DEFAULT_COOLDOWN = Duration.ofMinutes(1);

    public TriggerSpec {
        volume = volume == null ? OptionalLong.empty() : volume;
        Objects.requireNonNull(cooldown, "cooldown");
        schedule = schedule == null ? Optional.empty() : schedule;
        if (schedule.isPresent() && (schedule.get().isNegative() || schedule.get().isZero())) {
            throw new IllegalArgumentException("triggers.schedule must be positive, got " + schedule.get());
        }
    }

    /** Without a schedule. */
    public TriggerSpec(OptionalLong volume, Duration cooldown) {
        this(volume, cooldown, Optional.empty());
    }
}
