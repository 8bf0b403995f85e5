package io.mlcycle.mlcore.spec;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code replay} section: how {@code mlcycle replay} turns the rows of a labeled file into events.
 *
 * @param eventTime     where an event's time comes from: the data's event-time field, or the row's position
 * @param start         the first row's event time under {@code row_order}
 * @param step          the event time between consecutive rows under {@code row_order}
 * @param previousLabel a feature field the replay fills with the most recent outcome observed at or before the
 *                      event's time (the no-change baseline's information, given to the model); empty = none
 * @param batch         event time released per pacing step (outcomes up to its end are delivered, and training
 *                      they trigger finishes, before the next step's events are scored)
 */
public record ReplaySpec(EventTimeSource eventTime, Instant start, Duration step, Optional<String> previousLabel,
                         Duration batch) {

    /** Where a replayed event's time comes from. */
    public enum EventTimeSource { FIELD, ROW_ORDER }

    public static final Instant DEFAULT_START = Instant.parse("2000-01-01T00:00:00Z");
    public static final Duration DEFAULT_STEP = Duration.ofMinutes(1);
    public static final Duration DEFAULT_BATCH = Duration.ofHours(24);
    public static final ReplaySpec DEFAULTS =
            new ReplaySpec(EventTimeSource.FIELD, DEFAULT_START, DEFAULT_STEP, Optional.empty(), DEFAULT_BATCH);

    public ReplaySpec {
        Objects.requireNonNull(eventTime, "eventTime");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(step, "step");
        previousLabel = previousLabel == null ? Optional.empty() : previousLabel;
        Objects.requireNonNull(batch, "batch");
    }
}
