package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.TriggerReason;
import io.mlcycle.orchestrator.TriggerPolicy.Action;
import io.mlcycle.orchestrator.TriggerPolicy.State;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class TriggerPolicyTest {

    private static final Instant NOW = Instant.parse("2025-01-01T12:00:00Z");
    private final TriggerPolicy policy = new TriggerPolicy(100, OptionalLong.of(50), Duration.ofSeconds(20));

    private static State idle() {
        return new State(false, false, false, 0, Optional.empty(), false, false);
    }

    private static State withChampion(Optional<Instant> lastRunEnded) {
        return new State(true, true, false, 0, lastRunEnded, true, false);
    }

    @Test
    void bootstrapsOnlyOnceEnoughExamplesExistAndNoVersionWasEverRegistered() {
        assertThat(policy.shouldBootstrap(idle(), 99)).isFalse();
        assertThat(policy.shouldBootstrap(idle(), 100)).isTrue();
        assertThat(policy.shouldBootstrap(new State(false, false, false, 0, Optional.empty(), true, false), 500))
                .as("already requested").isFalse();
        assertThat(policy.shouldBootstrap(new State(false, true, false, 0, Optional.empty(), false, false), 500))
                .as("a (rejected) version exists: volume and manual triggers take over").isFalse();
        assertThat(policy.shouldBootstrap(new State(false, false, true, 0, Optional.empty(), false, false), 500))
                .as("a run is active").isFalse();
    }

    @Test
    void volumeIsDueAfterEnoughNewExamplesOutsideTheCooldown() {
        State afterRun = withChampion(Optional.of(NOW.minusSeconds(60)));
        assertThat(policy.volumeDue(afterRun, 49, NOW)).isEmpty();
        assertThat(policy.volumeDue(afterRun, 50, NOW)).hasValue(50);

        State recentRun = withChampion(Optional.of(NOW.minusSeconds(5)));
        assertThat(policy.volumeDue(recentRun, 500, NOW)).as("in cooldown").isEmpty();

        State pending = new State(true, true, false, 0, Optional.of(NOW.minusSeconds(60)), true, true);
        assertThat(policy.volumeDue(pending, 500, NOW)).as("a volume trigger is pending").isEmpty();

        assertThat(new TriggerPolicy(100, OptionalLong.empty(), Duration.ZERO).volumeDue(afterRun, 10_000, NOW))
                .as("no volume trigger in the spec").isEmpty();
        assertThat(policy.volumeDue(idle(), 10_000, NOW)).as("before the first version, bootstrap applies").isEmpty();
    }

    @Test
    void automaticTriggersAreSkippedDuringCooldownWithTheReason() {
        State recentRun = withChampion(Optional.of(NOW.minusSeconds(5)));
        for (TriggerReason reason : new TriggerReason[] {TriggerReason.DRIFT, TriggerReason.DEGRADATION,
                TriggerReason.VOLUME, TriggerReason.SCHEDULE}) {
            TriggerPolicy.Decision decision = policy.decide(reason, recentRun, NOW);
            assertThat(decision.action()).isEqualTo(Action.SKIP);
            assertThat(decision.reason()).contains("cooldown").contains("PT20S").contains(reason.name());
        }
        assertThat(policy.decide(TriggerReason.DRIFT, withChampion(Optional.of(NOW.minusSeconds(20))), NOW).action())
                .as("cooldown over exactly at its end").isEqualTo(Action.RUN);
    }

    @Test
    void automaticTriggersAreSkippedWhileARunIsActiveOrQueued() {
        State running = new State(true, true, true, 0, Optional.empty(), true, false);
        assertThat(policy.decide(TriggerReason.DRIFT, running, NOW))
                .satisfies(d -> assertThat(d.action()).isEqualTo(Action.SKIP))
                .satisfies(d -> assertThat(d.reason()).contains("in progress"));
        State queued = new State(true, true, false, 1, Optional.empty(), true, false);
        assertThat(policy.decide(TriggerReason.DEGRADATION, queued, NOW).action()).isEqualTo(Action.SKIP);
    }

    @Test
    void manualAndBootstrapAreQueuedBehindARunAndIgnoreTheCooldown() {
        State running = new State(false, false, true, 0, Optional.empty(), true, false);
        assertThat(policy.decide(TriggerReason.MANUAL, running, NOW).action()).isEqualTo(Action.QUEUE);
        assertThat(policy.decide(TriggerReason.BOOTSTRAP, running, NOW).action()).isEqualTo(Action.QUEUE);
        assertThat(policy.decide(TriggerReason.MANUAL, new State(true, true, false, 2, Optional.empty(), true, false),
                NOW).action()).isEqualTo(Action.QUEUE);

        State recentRun = withChampion(Optional.of(NOW.minusSeconds(1)));
        assertThat(policy.decide(TriggerReason.MANUAL, recentRun, NOW).action()).isEqualTo(Action.RUN);
        assertThat(policy.decide(TriggerReason.BOOTSTRAP, idle(), NOW).action()).isEqualTo(Action.RUN);
    }

    @Test
    void bootstrapIsSkippedOnceAChampionExistsAndUnsupportedReasonsAreExplained() {
        assertThat(policy.decide(TriggerReason.BOOTSTRAP, withChampion(Optional.empty()), NOW))
                .satisfies(d -> assertThat(d.action()).isEqualTo(Action.SKIP))
                .satisfies(d -> assertThat(d.reason()).contains("champion already exists"));
        assertThat(policy.decide(TriggerReason.REPRODUCE, idle(), NOW).action()).isEqualTo(Action.SKIP);
        assertThat(policy.decide(null, idle(), NOW).action()).as("unknown reasons are treated as automatic")
                .isEqualTo(Action.RUN);
    }
}
