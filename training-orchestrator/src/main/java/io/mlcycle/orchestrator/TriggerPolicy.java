package io.mlcycle.orchestrator;

import io.mlcycle.avro.TriggerReason;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The orchestrator's trigger decisions, as pure functions of the spec's trigger settings and a snapshot of the
 * orchestrator's state: when to bootstrap, when enough new data calls for a volume run, and whether a trigger record
 * starts a run, waits for the current one, or is skipped (cooldown, run in progress).
 *
 * <p>Rules: BOOTSTRAP and MANUAL triggers are requests someone (or the bootstrap rule) made on purpose, so they are
 * never skipped for cooldown; while a run is active they are queued until it ends. Every other reason (VOLUME, DRIFT,
 * DEGRADATION, SCHEDULE) is skipped while a run is active or queued, and during the cooldown after the last run ended.
 */
public final class TriggerPolicy {

    /** What to do with a trigger record. */
    public enum Action {
        /** Start a run now (nothing is active). */
        RUN,
        /** Start a run once the active or queued runs have ended. */
        QUEUE,
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
     * @param hasChampion         a CHAMPION version exists in the registry
     * @param anyVersion          any version (of any stage) was ever registered
     * @param runActive           a run is executing
     * @param queuedRuns          accepted triggers waiting for the worker
     * @param lastRunEndedAt      when the last run (that trained) ended, if any
     * @param bootstrapRequested  a BOOTSTRAP trigger was already published by this instance
     * @param volumeRequested     a VOLUME trigger was published and has not been handled yet
     */
    public record State(boolean hasChampion, boolean anyVersion, boolean runActive, int queuedRuns,
                        Optional<Instant> lastRunEndedAt, boolean bootstrapRequested, boolean volumeRequested) {
        public State {
            lastRunEndedAt = lastRunEndedAt == null ? Optional.empty() : lastRunEndedAt;
        }

        boolean busy() {
            return runActive || queuedRuns > 0;
        }
    }

    private final long minExamples;
    private final OptionalLong volume;
    private final Duration cooldown;

    public TriggerPolicy(long minExamples, OptionalLong volume, Duration cooldown) {
        if (minExamples < 1) {
            throw new IllegalArgumentException("training.min_examples must be >= 1, got " + minExamples);
        }
        this.minExamples = minExamples;
        this.volume = volume == null ? OptionalLong.empty() : volume;
        this.cooldown = Objects.requireNonNull(cooldown, "cooldown");
    }

    public static TriggerPolicy fromSpec(PipelineSpec spec) {
        return new TriggerPolicy(spec.training().minExamples(), spec.triggers().volume(), spec.triggers().cooldown());
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
     * nothing runs, the cooldown is over, and no volume trigger is pending. Checking cooldown here keeps the
     * orchestrator from publishing triggers it would only skip.
     */
    public OptionalLong volumeDue(State state, long newExamples, Instant now) {
        if (volume.isEmpty() || !state.anyVersion() || state.volumeRequested() || state.busy()
                || inCooldown(state, now) || newExamples < volume.getAsLong()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(newExamples);
    }

    /** Decides what a trigger record arriving at {@code now} does. */
    public Decision decide(TriggerReason reason, State state, Instant now) {
        TriggerReason kind = reason == null ? TriggerReason.UNKNOWN : reason;
        switch (kind) {
            case BOOTSTRAP:
                if (state.hasChampion()) {
                    return new Decision(Action.SKIP, "bootstrap not needed: a champion already exists");
                }
                return requested(state, "bootstrap");
            case MANUAL:
                return requested(state, "manual request");
            case REPRODUCE:
                return new Decision(Action.SKIP, "REPRODUCE triggers are not supported yet by this orchestrator");
            default:
                if (state.runActive()) {
                    return new Decision(Action.SKIP, kind + " trigger skipped: a training run is in progress");
                }
                if (state.queuedRuns() > 0) {
                    return new Decision(Action.SKIP, kind + " trigger skipped: " + state.queuedRuns()
                            + " requested run(s) already queued");
                }
                if (inCooldown(state, now)) {
                    Instant until = state.lastRunEndedAt().orElseThrow().plus(cooldown);
                    return new Decision(Action.SKIP, kind + " trigger skipped: cooldown " + cooldown
                            + " after the last run, until " + until);
                }
                return new Decision(Action.RUN, kind + " trigger accepted");
        }
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
