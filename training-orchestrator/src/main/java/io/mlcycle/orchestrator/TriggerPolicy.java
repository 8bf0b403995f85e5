package io.mlcycle.orchestrator;

import io.mlcycle.avro.TriggerReason;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.schemas.TriggerEvidence;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The orchestrator's trigger decisions, as pure functions of the spec's trigger settings and a snapshot of the
 * orchestrator's state: when to bootstrap, when enough new data calls for a volume run, and whether a trigger record
 * starts a run, waits for the current one, is deferred until the cooldown is over, or is skipped.
 *
 * <p>Rules, by trigger reason:
 * <ul>
 *   <li>BOOTSTRAP and MANUAL are requests someone (or the bootstrap rule) made on purpose, so they are never skipped
 *       for cooldown; while a run is active they are queued until it ends ({@link Action#QUEUE}). A MANUAL trigger
 *       arriving while a run is already queued is coalesced with it (skipped): the queue stays bounded.
 *       BOOTSTRAP is skipped once a champion exists.</li>
 *   <li>DRIFT and DEGRADATION carry evidence that is published once (validation raises one DRIFT trigger per
 *       champion version), so they are never dropped for being early: while a run is active or queued, while another
 *       trigger is deferred, or during the cooldown after the last run ended, they are {@link Action#DEFER deferred}
 *       and start once the run has ended and the cooldown is over. The coordinator keeps at most one deferred
 *       trigger: a newer one replaces (supersedes) the older one, since one run trains on all data anyway.</li>
 *   <li>A DRIFT or DEGRADATION trigger whose evidence names a {@value TriggerEvidence#CHAMPION_VERSION} that is no longer the
 *       current champion is skipped, when it arrives and again when a deferred one is about to start: a newer
 *       version, trained on newer data, was promoted since the evidence, and validation re-checks against it.
 *       Triggers without that evidence are not affected.</li>
 *   <li>VOLUME, SCHEDULE (and unknown reasons) recur on their own, so they are skipped while a run is active or
 *       queued, during the cooldown, and while a SHADOW or CANARY challenger is under online test (a new candidate
 *       would supersede it before the evidence decided it); DRIFT and DEGRADATION are deferred meanwhile.</li>
 *   <li>REPRODUCE (rebuild a version from its recorded offsets, spec and seed; registers nothing) is queued like a
 *       manual request.</li>
 * </ul>
 */
public final class TriggerPolicy {

    /** What to do with a trigger record. */
    public enum Action {
        /** Start a run now (nothing is active). */
        RUN,
        /** Start a run once the active or queued runs have ended. */
        QUEUE,
        /** Keep the trigger pending; start it once no run is active or queued and the cooldown is over. */
        DEFER,
        /** Record a SKIPPED run with the reason; do not train. */
        SKIP
    }

    /** A decision and the reason for it, in words written into the run record. */
    public record Decision(Action action, String reason) {
        public Decision {
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * A snapshot of what the policy needs to know.
     *
     * @param champion            the version id of the CHAMPION, if one exists in the registry
     * @param anyVersion          any version (of any stage) was ever registered
     * @param runActive           a run is executing
     * @param queuedRuns          accepted triggers waiting for the worker
     * @param lastRunEndedAt      when the last run (that trained) ended, if any
     * @param bootstrapRequested  a BOOTSTRAP trigger was already published by this instance
     * @param volumeRequested     a VOLUME trigger was published and has not been handled yet
     * @param deferredPending     a deferred trigger waits for the run or the cooldown to end
     * @param challengerUnderTest the SHADOW or CANARY challenger online evidence is deciding now, if any
     */
    public record State(Optional<String> champion, boolean anyVersion, boolean runActive, int queuedRuns,
                        Optional<Instant> lastRunEndedAt, boolean bootstrapRequested, boolean volumeRequested,
                        boolean deferredPending, Optional<String> challengerUnderTest) {
        public State {
            champion = champion == null ? Optional.empty() : champion;
            lastRunEndedAt = lastRunEndedAt == null ? Optional.empty() : lastRunEndedAt;
            challengerUnderTest = challengerUnderTest == null ? Optional.empty() : challengerUnderTest;
        }

        /** A state without a challenger under online test. */
        public State(Optional<String> champion, boolean anyVersion, boolean runActive, int queuedRuns,
                     Optional<Instant> lastRunEndedAt, boolean bootstrapRequested, boolean volumeRequested,
                     boolean deferredPending) {
            this(champion, anyVersion, runActive, queuedRuns, lastRunEndedAt, bootstrapRequested, volumeRequested,
                    deferredPending, Optional.empty());
        }

        public boolean hasChampion() {
            return champion.isPresent();
        }

        boolean busy() {
            return runActive || queuedRuns > 0;
        }
    }

    private final long minExamples;
    private final OptionalLong volume;
    private final Duration cooldown;
    private final Optional<Duration> schedule;

    public TriggerPolicy(long minExamples, OptionalLong volume, Duration cooldown) {
        this(minExamples, volume, cooldown, Optional.empty());
    }

    public TriggerPolicy(long minExamples, OptionalLong volume, Duration cooldown, Optional<Duration> schedule) {
        if (minExamples < 1) {
            throw new IllegalArgumentException("training.min_examples must be >= 1, got " + minExamples);
        }
        this.minExamples = minExamples;
        this.volume = volume == null ? OptionalLong.empty() : volume;
        this.cooldown = Objects.requireNonNull(cooldown, "cooldown");
        this.schedule = schedule == null ? Optional.empty() : schedule;
    }

    public static TriggerPolicy fromSpec(PipelineSpec spec) {
        return new TriggerPolicy(spec.training().minExamples(), spec.triggers().volume(), spec.triggers().cooldown(),
                spec.triggers().schedule());
    }

    public Optional<Duration> schedule() {
        return schedule;
    }

    /**
     * The schedule slot that is due, if any: {@code latestTrainedAt + n * schedule} for the largest {@code n >= 1}
     * not after {@code now}. Anchored on the latest registered version's training time, which every instance reads
     * from the registry, so a restarted or second orchestrator computes the same slot (and the same trigger id, see
     * {@link #scheduleTriggerId}) instead of a fresh one from its own clock history. Nothing is due before the first
     * version (bootstrap applies), while a run is active, queued or deferred, or during the cooldown.
     */
    public Optional<Instant> scheduleDue(State state, Optional<Instant> latestTrainedAt, Instant now) {
        if (schedule.isEmpty() || latestTrainedAt.isEmpty() || !state.anyVersion() || state.busy()
                || state.deferredPending() || state.challengerUnderTest().isPresent() || inCooldown(state, now)) {
            return Optional.empty();
        }
        Instant anchor = latestTrainedAt.get();
        long interval = schedule.get().toMillis();
        long elapsed = now.toEpochMilli() - anchor.toEpochMilli();
        if (elapsed < interval) {
            return Optional.empty();
        }
        return Optional.of(anchor.plusMillis((elapsed / interval) * interval));
    }

    /** The deterministic id of the SCHEDULE trigger for a slot: the same slot always gives the same id. */
    public static String scheduleTriggerId(String pipeline, Instant slot) {
        return "schedule-" + pipeline + "-" + slot.toEpochMilli();
    }

    public long minExamples() {
        return minExamples;
    }

    public OptionalLong volume() {
        return volume;
    }

    public Duration cooldown() {
        return cooldown;
    }

    /**
     * Whether the orchestrator should publish a BOOTSTRAP trigger: no version was ever registered (so no champion),
     * enough labeled examples exist, nothing is running, and it has not already asked.
     */
    public boolean shouldBootstrap(State state, long labeledExamples) {
        return !state.hasChampion() && !state.anyVersion() && !state.bootstrapRequested() && !state.busy()
                && labeledExamples >= minExamples;
    }

    /**
     * The number of new examples, when a VOLUME trigger is due: the spec sets a volume, at least that many labeled
     * examples arrived since the last run's dataset end, a version already exists (before that, bootstrap applies),
     * nothing runs, the cooldown is over, and no volume or deferred trigger is pending (the deferred run trains on
     * the new examples too). Checking cooldown here keeps the orchestrator from publishing triggers it would only
     * skip.
     */
    public OptionalLong volumeDue(State state, long newExamples, Instant now) {
        if (volume.isEmpty() || !state.anyVersion() || state.volumeRequested() || state.busy()
                || state.deferredPending() || state.challengerUnderTest().isPresent()
                || inCooldown(state, now) || newExamples < volume.getAsLong()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(newExamples);
    }

    /** Decides what a trigger record without evidence arriving at {@code now} does. */
    public Decision decide(TriggerReason reason, State state, Instant now) {
        return decide(reason, Map.of(), state, now);
    }

    /**
     * Decides what a trigger record arriving at {@code now} does. Also decides whether a deferred trigger starts:
     * called again with a state that does not count that trigger as pending, {@link Action#RUN} means start it now,
     * {@link Action#DEFER} means keep waiting and {@link Action#SKIP} means it was superseded.
     */
    public Decision decide(TriggerReason reason, Map<String, String> evidence, State state, Instant now) {
        TriggerReason kind = reason == null ? TriggerReason.UNKNOWN : reason;
        switch (kind) {
            case BOOTSTRAP:
                if (state.hasChampion()) {
                    return new Decision(Action.SKIP, "bootstrap not needed: a champion already exists");
                }
                return requested(state, "bootstrap");
            case MANUAL:
                if (state.queuedRuns() > 0) {
                    // bounded: one waiting run trains on all the data, so further requests join it
                    return new Decision(Action.SKIP, "coalesced: " + state.queuedRuns() + " requested run(s) already "
                            + "queued will train on the same data");
                }
                return requested(state, "manual request");
            case REPRODUCE:
                return requested(state, "reproduction");
            case DRIFT:
            case DEGRADATION:
                return withEvidence(kind, evidence == null ? Map.of() : evidence, state, now);
            default:
                if (state.challengerUnderTest().isPresent()) {
                    // A new candidate would supersede the challenger before online evidence decided it; recurring
                    // triggers come again (drift and degradation are deferred meanwhile; people may pre-empt it).
                    return new Decision(Action.SKIP, kind + " trigger skipped: challenger "
                            + state.challengerUnderTest().get() + " is under online test; recurring retrains wait "
                            + "for its decision");
                }
                if (state.runActive()) {
                    return new Decision(Action.SKIP, kind + " trigger skipped: a training run is in progress");
                }
                if (state.queuedRuns() > 0) {
                    return new Decision(Action.SKIP, kind + " trigger skipped: " + state.queuedRuns()
                            + " requested run(s) already queued");
                }
                if (inCooldown(state, now)) {
                    return new Decision(Action.SKIP, kind + " trigger skipped: cooldown " + cooldown
                            + " after the last run, until " + cooldownEnd(state));
                }
                return new Decision(Action.RUN, kind + " trigger accepted");
        }
    }

    private Decision withEvidence(TriggerReason kind, Map<String, String> evidence, State state, Instant now) {
        String measuredAgainst = evidence.get(TriggerEvidence.CHAMPION_VERSION);
        if (measuredAgainst != null && !state.champion().equals(Optional.of(measuredAgainst))) {
            return new Decision(Action.SKIP, "superseded: champion changed from " + measuredAgainst + " to "
                    + state.champion().orElse("none") + " since the evidence; "
                    + (kind == TriggerReason.DRIFT ? "validation re-checks drift"
                    : "degradation is measured again") + " against the new champion");
        }
        if (state.challengerUnderTest().isPresent()) {
            // The challenger may be the answer to this evidence; a new candidate would supersede it untested.
            return new Decision(Action.DEFER, kind + " trigger deferred: challenger "
                    + state.challengerUnderTest().get() + " is under online test; it starts once the test has "
                    + "decided (a promotion makes this evidence stale, a rollback lets it run) or the challenger is "
                    + "withdrawn (by a person, or after promotion.max_test_duration)");
        }
        if (state.busy()) {
            return new Decision(Action.DEFER, kind + " trigger deferred: a training run is "
                    + (state.runActive() ? "in progress" : "queued") + "; it starts once the run has ended and the "
                    + "cooldown " + cooldown + " after it is over");
        }
        if (inCooldown(state, now)) {
            return new Decision(Action.DEFER, kind + " trigger deferred until the cooldown ends at "
                    + cooldownEnd(state));
        }
        if (state.deferredPending()) {
            return new Decision(Action.DEFER, kind + " trigger deferred: it replaces the trigger already waiting");
        }
        return new Decision(Action.RUN, kind + " trigger accepted");
    }

    /** When the cooldown ends, to the millisecond: it is shown to people in run messages. */
    private Instant cooldownEnd(State state) {
        return state.lastRunEndedAt().orElseThrow().plus(cooldown).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    /** Whether {@code now} falls inside the cooldown after the last run ended. */
    public boolean inCooldown(State state, Instant now) {
        return state.lastRunEndedAt().map(ended -> now.isBefore(ended.plus(cooldown))).orElse(false);
    }

    private static Decision requested(State state, String what) {
        if (state.busy()) {
            return new Decision(Action.QUEUE, what + " queued until the current run ends");
        }
        return new Decision(Action.RUN, what + " accepted");
    }
}
