package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.TriggerReason;
import io.mlcycle.orchestrator.TriggerPolicy.Action;
import io.mlcycle.orchestrator.TriggerPolicy.Decision;
import io.mlcycle.orchestrator.TriggerPolicy.State;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class TriggerPolicyTest {

    private static final Instant NOW = Instant.parse("2025-01-01T12:00:00Z");
    private static final Optional<String> V3 = Optional.of("credit-v3");
    private final TriggerPolicy policy = new TriggerPolicy(100, OptionalLong.of(50), Duration.ofSeconds(20));

    private static State idle() {
        return new State(Optional.empty(), false, false, 0, Optional.empty(), false, false, false);
    }

    private static State withChampion(Optional<Instant> lastRunEnded) {
        return new State(V3, true, false, 0, lastRunEnded, true, false, false);
    }

    private static State running() {
        return new State(V3, true, true, 0, Optional.empty(), true, false, false);
    }

    private static State queued() {
        return new State(V3, true, false, 1, Optional.empty(), true, false, false);
    }

    private static State deferredPending() {
        return new State(V3, true, false, 0, Optional.of(NOW.minusSeconds(60)), true, false, true);
    }

    @Test
    void bootstrapsOnlyOnceEnoughExamplesExistAndNoVersionWasEverRegistered() {
        assertThat(policy.shouldBootstrap(idle(), 99)).isFalse();
        assertThat(policy.shouldBootstrap(idle(), 100)).isTrue();
        assertThat(policy.shouldBootstrap(new State(Optional.empty(), false, false, 0, Optional.empty(), true, false,
                false), 500)).as("already requested").isFalse();
        assertThat(policy.shouldBootstrap(new State(Optional.empty(), true, false, 0, Optional.empty(), false, false,
                false), 500)).as("a (rejected) version exists: volume and manual triggers take over").isFalse();
        assertThat(policy.shouldBootstrap(new State(Optional.empty(), false, true, 0, Optional.empty(), false, false,
                false), 500)).as("a run is active").isFalse();
    }

    @Test
    void volumeIsDueAfterEnoughNewExamplesOutsideTheCooldown() {
        State afterRun = withChampion(Optional.of(NOW.minusSeconds(60)));
        assertThat(policy.volumeDue(afterRun, 49, NOW)).isEmpty();
        assertThat(policy.volumeDue(afterRun, 50, NOW)).hasValue(50);

        State recentRun = withChampion(Optional.of(NOW.minusSeconds(5)));
        assertThat(policy.volumeDue(recentRun, 500, NOW)).as("in cooldown").isEmpty();

        State pending = new State(V3, true, false, 0, Optional.of(NOW.minusSeconds(60)), true, true, false);
        assertThat(policy.volumeDue(pending, 500, NOW)).as("a volume trigger is pending").isEmpty();
        assertThat(policy.volumeDue(deferredPending(), 500, NOW))
                .as("a deferred trigger will train on the new examples too").isEmpty();

        assertThat(new TriggerPolicy(100, OptionalLong.empty(), Duration.ZERO).volumeDue(afterRun, 10_000, NOW))
                .as("no volume trigger in the spec").isEmpty();
        assertThat(policy.volumeDue(idle(), 10_000, NOW)).as("before the first version, bootstrap applies").isEmpty();
    }

    @Test
    void recurringRetrainsWaitForTheDecisionOnAChallengerUnderOnlineTestEvidenceIsDeferredPeopleMayPreemptIt() {
        State testing = new State(V3, true, false, 0, Optional.of(NOW.minusSeconds(60)), true, false, false,
                Optional.of("credit-v4"));
        assertThat(policy.volumeDue(testing, 500, NOW)).as("no volume trigger while credit-v4 is tested").isEmpty();
        for (TriggerReason reason : new TriggerReason[] {TriggerReason.VOLUME, TriggerReason.SCHEDULE}) {
            Decision decision = policy.decide(reason, testing, NOW);
            assertThat(decision.action()).isEqualTo(Action.SKIP);
            assertThat(decision.reason()).isEqualTo(reason + " trigger skipped: challenger credit-v4 is under online "
                    + "test; recurring retrains wait for its decision");
        }
        assertThat(policy.decide(TriggerReason.MANUAL, testing, NOW).action()).isEqualTo(Action.RUN);
        for (TriggerReason reason : new TriggerReason[] {TriggerReason.DRIFT, TriggerReason.DEGRADATION}) {
            Decision decision = policy.decide(reason, Map.of(io.mlcycle.schemas.TriggerEvidence.CHAMPION_VERSION, "credit-v3"), testing,
                    NOW);
            assertThat(decision.action()).isEqualTo(Action.DEFER);
            assertThat(decision.reason()).startsWith(reason + " trigger deferred: challenger credit-v4 is under "
                    + "online test");
        }
        assertThat(policy.decide(TriggerReason.DRIFT, Map.of(io.mlcycle.schemas.TriggerEvidence.CHAMPION_VERSION, "credit-v2"), testing,
                NOW).action()).as("evidence against a former champion is stale first").isEqualTo(Action.SKIP);
        State decided = new State(V3, true, false, 0, Optional.of(NOW.minusSeconds(60)), true, false, false);
        assertThat(policy.volumeDue(decided, 500, NOW)).hasValue(500);
    }

    @Test
    void recurringTriggersAreSkippedDuringCooldownWithTheReason() {
        State recentRun = withChampion(Optional.of(NOW.minusSeconds(5)));
        for (TriggerReason reason : new TriggerReason[] {TriggerReason.VOLUME, TriggerReason.SCHEDULE}) {
            Decision decision = policy.decide(reason, recentRun, NOW);
            assertThat(decision.action()).isEqualTo(Action.SKIP);
            assertThat(decision.reason()).contains("cooldown").contains("PT20S").contains(reason.name())
                    .contains("2025-01-01T12:00:15Z");
        }
        assertThat(policy.decide(TriggerReason.VOLUME, withChampion(Optional.of(NOW.minusSeconds(20))), NOW).action())
                .as("cooldown over exactly at its end").isEqualTo(Action.RUN);
    }

    @Test
    void recurringTriggersAreSkippedWhileARunIsActiveOrQueued() {
        assertThat(policy.decide(TriggerReason.VOLUME, running(), NOW))
                .satisfies(d -> assertThat(d.action()).isEqualTo(Action.SKIP))
                .satisfies(d -> assertThat(d.reason()).contains("in progress"));
        assertThat(policy.decide(TriggerReason.SCHEDULE, queued(), NOW))
                .satisfies(d -> assertThat(d.action()).isEqualTo(Action.SKIP))
                .satisfies(d -> assertThat(d.reason()).contains("queued"));
        assertThat(policy.decide(TriggerReason.VOLUME, deferredPending(), NOW).action())
                .as("a deferred trigger does not hold back other runs").isEqualTo(Action.RUN);
    }

    @Test
    void evidenceTriggersAreDeferredDuringCooldownUntilItsEnd() {
        State recentRun = withChampion(Optional.of(NOW.minusSeconds(5)));
        for (TriggerReason reason : new TriggerReason[] {TriggerReason.DRIFT, TriggerReason.DEGRADATION}) {
            Decision decision = policy.decide(reason, Map.of("champion_version", "credit-v3"), recentRun, NOW);
            assertThat(decision.action()).isEqualTo(Action.DEFER);
            assertThat(decision.reason()).isEqualTo(reason + " trigger deferred until the cooldown ends at "
                    + "2025-01-01T12:00:15Z");
        }
        assertThat(policy.decide(TriggerReason.DRIFT, recentRun, NOW.plusSeconds(15)).action())
                .as("re-decided once the cooldown is over: it starts").isEqualTo(Action.RUN);
    }

    @Test
    void evidenceTriggersAreDeferredWhileARunIsActiveQueuedOrAnotherIsDeferred() {
        assertThat(policy.decide(TriggerReason.DRIFT, running(), NOW))
                .satisfies(d -> assertThat(d.action()).isEqualTo(Action.DEFER))
                .satisfies(d -> assertThat(d.reason()).contains("in progress").contains("cooldown PT20S"));
        assertThat(policy.decide(TriggerReason.DEGRADATION, queued(), NOW).action()).isEqualTo(Action.DEFER);
        assertThat(policy.decide(TriggerReason.DRIFT, deferredPending(), NOW))
                .satisfies(d -> assertThat(d.action()).isEqualTo(Action.DEFER))
                .satisfies(d -> assertThat(d.reason()).contains("replaces"));
        assertThat(policy.decide(TriggerReason.DRIFT, withChampion(Optional.of(NOW.minusSeconds(60))), NOW).action())
                .as("idle and out of the cooldown").isEqualTo(Action.RUN);
    }

    @Test
    void evidenceMeasuredAgainstAReplacedChampionIsSkippedAsSuperseded() {
        State newerChampion = new State(Optional.of("credit-v4"), true, false, 0,
                Optional.of(NOW.minusSeconds(60)), true, false, false);
        Decision drift = policy.decide(TriggerReason.DRIFT, Map.of("champion_version", "credit-v3"), newerChampion,
                NOW);
        assertThat(drift.action()).isEqualTo(Action.SKIP);
        assertThat(drift.reason()).isEqualTo("superseded: champion changed from credit-v3 to credit-v4 since the "
                + "evidence; validation re-checks drift against the new champion");
        assertThat(policy.decide(TriggerReason.DEGRADATION, Map.of("champion_version", "credit-v3"), newerChampion,
                NOW).action()).isEqualTo(Action.SKIP);

        State newerInCooldown = new State(Optional.of("credit-v4"), true, false, 0, Optional.of(NOW.minusSeconds(5)),
                true, false, false);
        assertThat(policy.decide(TriggerReason.DRIFT, Map.of("champion_version", "credit-v3"), newerInCooldown, NOW)
                .action()).as("superseded beats deferral: waiting would not make it current").isEqualTo(Action.SKIP);
        assertThat(policy.decide(TriggerReason.DRIFT, Map.of("champion_version", "credit-v4"), newerChampion, NOW)
                .action()).as("evidence about the current champion").isEqualTo(Action.RUN);
        assertThat(policy.decide(TriggerReason.DRIFT, Map.of("feature", "income"), newerChampion, NOW).action())
                .as("no champion_version evidence: not affected").isEqualTo(Action.RUN);
        assertThat(policy.decide(TriggerReason.DRIFT, Map.of("champion_version", "credit-v3"),
                new State(Optional.empty(), true, false, 0, Optional.empty(), true, false, false), NOW))
                .satisfies(d -> assertThat(d.action()).isEqualTo(Action.SKIP))
                .satisfies(d -> assertThat(d.reason()).contains("from credit-v3 to none"));
    }

    @Test
    void manualAndBootstrapAreQueuedBehindARunAndIgnoreTheCooldown() {
        State runningWithoutChampion = new State(Optional.empty(), false, true, 0, Optional.empty(), true, false,
                false);
        assertThat(policy.decide(TriggerReason.MANUAL, runningWithoutChampion, NOW).action()).isEqualTo(Action.QUEUE);
        assertThat(policy.decide(TriggerReason.BOOTSTRAP, runningWithoutChampion, NOW).action())
                .isEqualTo(Action.QUEUE);
        assertThat(policy.decide(TriggerReason.MANUAL, new State(V3, true, false, 2, Optional.empty(), true, false,
                false), NOW)).as("bounded: joins the queued run").satisfies(d -> {
                    assertThat(d.action()).isEqualTo(Action.SKIP);
                    assertThat(d.reason()).startsWith("coalesced");
                });

        State recentRun = withChampion(Optional.of(NOW.minusSeconds(1)));
        assertThat(policy.decide(TriggerReason.MANUAL, recentRun, NOW).action()).isEqualTo(Action.RUN);
        assertThat(policy.decide(TriggerReason.MANUAL, Map.of("champion_version", "credit-v1"), recentRun, NOW)
                .action()).as("champion evidence only matters for DRIFT and DEGRADATION").isEqualTo(Action.RUN);
        assertThat(policy.decide(TriggerReason.BOOTSTRAP, idle(), NOW).action()).isEqualTo(Action.RUN);
    }

    @Test
    void bootstrapIsSkippedOnceAChampionExistsAndUnsupportedReasonsAreExplained() {
        assertThat(policy.decide(TriggerReason.BOOTSTRAP, withChampion(Optional.empty()), NOW))
                .satisfies(d -> assertThat(d.action()).isEqualTo(Action.SKIP))
                .satisfies(d -> assertThat(d.reason()).contains("champion already exists"));
        assertThat(policy.decide(TriggerReason.REPRODUCE, idle(), NOW).action()).isEqualTo(Action.RUN);
        assertThat(policy.decide(null, idle(), NOW).action()).as("unknown reasons are treated as recurring")
                .isEqualTo(Action.RUN);
        assertThat(policy.decide(null, running(), NOW).action()).isEqualTo(Action.SKIP);
    }

    @Test
    void aScheduleSlotIsDueOnceItsIntervalHasPassedSinceTheLatestVersionWasTrained() {
        TriggerPolicy scheduled = new TriggerPolicy(100, OptionalLong.empty(), Duration.ofSeconds(20),
                Optional.of(Duration.ofHours(1)));
        Instant trained = NOW.minus(Duration.ofMinutes(150));
        State afterRun = withChampion(Optional.of(trained));
        assertThat(scheduled.scheduleDue(afterRun, Optional.of(trained), trained.plus(Duration.ofMinutes(59))))
                .as("within the interval").isEmpty();
        assertThat(scheduled.scheduleDue(afterRun, Optional.of(trained), NOW))
                .as("the latest slot not after now, anchored on the training time")
                .hasValue(trained.plus(Duration.ofHours(2)));
        assertThat(scheduled.scheduleDue(afterRun, Optional.of(trained), NOW.plusSeconds(1)))
                .as("deterministic: the same slot until the next one").hasValue(trained.plus(Duration.ofHours(2)));
        assertThat(TriggerPolicy.scheduleTriggerId("credit", trained.plus(Duration.ofHours(2))))
                .isEqualTo("schedule-credit-" + trained.plus(Duration.ofHours(2)).toEpochMilli());
        assertThat(scheduled.scheduleDue(running(), Optional.of(trained), NOW)).as("a run is active").isEmpty();
        assertThat(scheduled.scheduleDue(deferredPending(), Optional.of(trained), NOW)).as("deferred").isEmpty();
        assertThat(scheduled.scheduleDue(withChampion(Optional.of(NOW.minusSeconds(5))), Optional.of(trained), NOW))
                .as("cooldown").isEmpty();
        assertThat(scheduled.scheduleDue(idle(), Optional.empty(), NOW)).as("no version yet: bootstrap").isEmpty();
        assertThat(policy.scheduleDue(afterRun, Optional.of(trained), NOW)).as("no schedule in the spec").isEmpty();
    }
}
