package io.mlcycle.mlcore.gates;

import io.mlcycle.mlcore.spec.PipelineSpec;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The spec's limit on how far in the future a time may be ({@code data.max_future}): a time later than a reference
 * ("now") plus the limit is bogus. The one rule behind validation's event-time gate ({@link RecordGates}), serving's
 * HTTP predictions (the record's event time, through the same gates) and feedback ({@code observed_at}), and the
 * online-truth topology's progress (an event time against the moment its record was written), so that they cannot
 * disagree about what "too far in the future" means. Without {@code max_future} nothing is checked, as
 * validation has always done. Immutable and thread-safe.
 */
public final class FutureTimeLimit {
    private static final FutureTimeLimit NONE = new FutureTimeLimit(Optional.empty());

    private final Optional<Duration> maxFuture;
    /** {@link #maxFuture} in milliseconds, {@code Long.MAX_VALUE} when larger (no time is that far ahead). */
    private final long maxFutureMs;

    private FutureTimeLimit(Optional<Duration> maxFuture) {
        this.maxFuture = Objects.requireNonNull(maxFuture, "maxFuture");
        long ms = Long.MAX_VALUE;
        if (maxFuture.isPresent()) {
            try {
                ms = maxFuture.get().toMillis();
            } catch (ArithmeticException e) {
                ms = Long.MAX_VALUE;
            }
        }
        this.maxFutureMs = ms;
    }

    /** The spec's {@code data.max_future}; no limit when the spec has none. */
    public static FutureTimeLimit of(PipelineSpec spec) {
        return of(spec.data().maxFuture());
    }

    public static FutureTimeLimit of(Optional<Duration> maxFuture) {
        return maxFuture.isEmpty() ? NONE : new FutureTimeLimit(maxFuture);
    }

    /** The limit, empty when nothing is checked. */
    public Optional<Duration> maxFuture() {
        return maxFuture;
    }

    /** Whether the spec sets a limit (else nothing is checked). */
    public boolean isSet() {
        return maxFuture.isPresent();
    }

    /**
     * The violation ({@link ReasonCode#EVENT_TIME_IN_FUTURE}) of {@code field} when {@code time} is more than the
     * limit after {@code now}, naming the field, the value, the limit and now; empty within the limit or without one.
     */
    public Optional<Violation> check(String field, Instant time, Instant now) {
        if (maxFuture.isEmpty()) {
            return Optional.empty();
        }
        Instant latest;
        try {
            latest = now.plus(maxFuture.get());
        } catch (DateTimeException | ArithmeticException e) {
            return Optional.empty(); // a limit beyond the last instant: nothing can be later
        }
        if (!time.isAfter(latest)) {
            return Optional.empty();
        }
        return Optional.of(Violation.of(ReasonCode.EVENT_TIME_IN_FUTURE, field, time, field + " = " + time
                + " is in the future: more than " + maxFuture.get() + " after now (" + now + ")"));
    }

    /**
     * Whether {@code timeMs} is more than the limit after {@code referenceMs} (epoch milliseconds); false without a
     * limit. The allocation-free form of {@link #check} for a stream's per-record path.
     */
    public boolean exceeds(long timeMs, long referenceMs) {
        if (maxFuture.isEmpty() || timeMs <= referenceMs) {
            return false;
        }
        // the sum saturates: a reference near the end of the range plus the limit would overflow
        long latest = referenceMs > Long.MAX_VALUE - maxFutureMs ? Long.MAX_VALUE : referenceMs + maxFutureMs;
        return timeMs > latest;
    }
}
