package io.mlcycle.mlcore.gates;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FutureTimeLimitTest {
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
    private final FutureTimeLimit limit = FutureTimeLimit.of(Optional.of(Duration.ofMinutes(5)));

    @Test
    void aTimeAtTheLimitPassesAndOneMillisecondLaterIsNamedWithItsValueAndTheLimit() {
        assertThat(limit.check("observed_at", NOW.plus(Duration.ofMinutes(5)), NOW)).isEmpty();
        assertThat(limit.check("observed_at", NOW.plus(Duration.ofMinutes(5)).plusMillis(1), NOW)).contains(
                new Violation(ReasonCode.EVENT_TIME_IN_FUTURE, "observed_at", "observed_at = 2024-05-01T12:05:00.001Z"
                        + " is in the future: more than PT5M after now (2024-05-01T12:00:00Z)",
                        "2024-05-01T12:05:00.001Z"));
    }

    @Test
    void exceedsAgreesWithCheckInMilliseconds() {
        long now = NOW.toEpochMilli();
        long fiveMinutes = Duration.ofMinutes(5).toMillis();
        assertThat(limit.exceeds(now + fiveMinutes, now)).isFalse();
        assertThat(limit.exceeds(now + fiveMinutes + 1, now)).isTrue();
        assertThat(limit.exceeds(now - 1_000_000, now)).isFalse();
        assertThat(limit.exceeds(Long.MAX_VALUE, Long.MAX_VALUE - 1)).isFalse();
        assertThat(limit.exceeds(Long.MAX_VALUE, Long.MIN_VALUE)).isTrue();
    }

    @Test
    void withoutALimitNothingIsChecked() {
        FutureTimeLimit none = FutureTimeLimit.of(Optional.empty());
        assertThat(none.isSet()).isFalse();
        assertThat(none.check("applied_at", Instant.parse("3025-01-01T00:00:00Z"), NOW)).isEmpty();
        assertThat(none.exceeds(Long.MAX_VALUE, 0)).isFalse();
    }

    @Test
    void aLimitBeyondTheLastInstantRefusesNothing() {
        FutureTimeLimit huge = FutureTimeLimit.of(Optional.of(Duration.ofSeconds(Long.MAX_VALUE)));
        assertThat(huge.check("applied_at", Instant.MAX, NOW)).isEmpty();
        assertThat(huge.exceeds(Long.MAX_VALUE, 0)).isFalse();
    }
}
