package io.mlcycle.orchestrator;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.GateCheck;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Severity;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageTransition;
import io.mlcycle.mlcore.eval.PromotionGates;
import io.mlcycle.mlcore.registry.ChampionSelector;
import io.mlcycle.mlcore.spec.CanarySpec;
import io.mlcycle.platform.lifecycle.EventIds;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The foundation promotion policy, as a pure function: a registered candidate whose gates pass becomes CHAMPION
 * directly and the previous champion is RETIRED; a candidate whose gates fail is REJECTED and a GATE_FAILURE alert
 * explains why. Every stage change is appended to the version's history with who and why.
 *
 * <p>Under the spec's staged policy ({@code promotion.policy: staged}) a candidate that passes the gates enters the
 * policy's first stage (SHADOW or CANARY) instead, and serving's online evidence moves it on later
 * ({@link StageDecisions}).
 */
public final class StagePlanner {

    /** Who the transitions are attributed to. */
    public static final String ACTOR = "training-orchestrator";

    /**
     * The records to write, together (one transaction).
     *
     * @param versions model version updates, keyed by version when written
     * @param alert    an alert to raise, if the candidate was rejected
     */
    public record RegistryUpdate(List<ModelVersion> versions, Optional<Alert> alert) {
        public RegistryUpdate {
            versions = List.copyOf(versions);
            alert = alert == null ? Optional.empty() : alert;
        }

        /** The candidate after the decision (always the first record). */
        public ModelVersion candidate() {
            return versions.get(0);
        }
    }

    private StagePlanner() {
    }

    /** Starts a version's history: registered as CANDIDATE by a run. */
    public static StageTransition registered(Instant at, String runId) {
        return new StageTransition(null, Stage.CANDIDATE, at, ACTOR, "registered by training run " + runId);
    }

    /**
     * Decides the candidate's stage from its gate report and plans the champion's retirement.
     *
     * @param candidate a version in stage CANDIDATE with its gate report filled
     * @param champion  the current champion, if any
     * @param now       time of the decision
     */
    public static RegistryUpdate plan(ModelVersion candidate, Optional<ModelVersion> champion, Instant now) {
        Objects.requireNonNull(candidate, "candidate");
        List<ModelVersion> writes = new ArrayList<>();
        if (candidate.getGatesPassed()) {
            String reason = "all promotion gates passed"
                    + champion.map(c -> "; replaces champion " + c.getVersion()).orElse("; first champion")
                    + " (foundation policy: direct promotion)";
            writes.add(transition(candidate, Stage.CHAMPION, now, reason));
            champion.filter(c -> !c.getVersion().equals(candidate.getVersion()))
                    .ifPresent(c -> writes.add(transition(c, Stage.RETIRED, now,
                            "superseded by " + candidate.getVersion())));
            return new RegistryUpdate(writes, Optional.empty());
        }
        String failures = failedGates(candidate.getGateReport());
        boolean onlyHeld = candidate.getGateReport().stream().filter(g -> !g.getPassed()).allMatch(StagePlanner::isHeld);
        if (onlyHeld) {
            // not rejected: nothing says the candidate is worse, only that it could not be compared
            writes.add(transition(candidate, Stage.CANDIDATE, now, "held: " + failures));
            return new RegistryUpdate(writes, Optional.of(gateFailureAlert(candidate, failures, now)));
        }
        writes.add(transition(candidate, Stage.REJECTED, now, "promotion gates failed: " + failures));
        return new RegistryUpdate(writes, Optional.of(gateFailureAlert(candidate, failures, now)));
    }

    /**
     * Decides the candidate's stage under the spec's promotion policy. DIRECT: as
     * {@link #plan(ModelVersion, Optional, Instant)}. STAGED: a candidate passing every gate enters the policy's first
     * stage (SHADOW, or CANARY) while a champion exists (the first version has nothing to be compared with online and
     * becomes champion), and the challengers it supersedes are RETIRED; a failing candidate is handled as under DIRECT.
     *
     * @param current the champion and challengers now
     */
    public static RegistryUpdate plan(ModelVersion candidate, ChampionSelector.Selection current, CanarySpec policy,
                                      Instant now) {
        Objects.requireNonNull(policy, "policy");
        Optional<ModelVersion> champion = current.champion();
        if (!policy.staged() || !candidate.getGatesPassed() || champion.isEmpty()) {
            return plan(candidate, champion, now);
        }
        Stage entry = policy.entryStage();
        List<ModelVersion> writes = new ArrayList<>();
        writes.add(transition(candidate, entry, now, "all promotion gates passed; enters " + entry
                + " (staged promotion policy): online evidence against champion " + champion.get().getVersion()
                + " decides whether it moves on to " + policy.nextStage(entry) + " or is rolled back"));
        retireOtherChallengers(current, candidate.getVersion(), ACTOR, " before online evidence decided", now, writes);
        return new RegistryUpdate(writes, Optional.empty());
    }

    /**
     * A person promotes {@code version} to CHAMPION; the current champion, if another, is RETIRED.
     *
     * @throws IllegalArgumentException when the version is the champion already or cannot serve
     */
    public static RegistryUpdate promote(ModelVersion version, Optional<ModelVersion> champion, boolean refusedByServing,
                                         String by, String reason, Instant now) {
        if (version.getStage() == Stage.CHAMPION) {
            throw new IllegalArgumentException(version.getVersion() + " is the champion already");
        }
        if (refusedByServing) {
            throw new IllegalArgumentException(version.getVersion() + " was refused by serving (MODEL_LOAD_FAILURE): "
                    + "it cannot serve");
        }
        List<ModelVersion> writes = new ArrayList<>();
        writes.add(transition(version, Stage.CHAMPION, now, by, "promoted by " + by + ": " + reason));
        champion.filter(c -> !c.getVersion().equals(version.getVersion())).ifPresent(c -> writes.add(
                transition(c, Stage.RETIRED, now, by, "superseded by " + version.getVersion() + " (promoted by "
                        + by + ")")));
        return new RegistryUpdate(writes, Optional.empty());
    }

    /**
     * A person puts {@code version} in front of online evidence: it becomes a SHADOW or CANARY challenger of the
     * current champion, and serving's sequential test promotes or rolls it back as it would a version that entered
     * the stage from the gates (any version the registry still holds, for example a retired earlier champion one
     * wants to try again, or a candidate the gates held back). Challengers already in SHADOW or CANARY are RETIRED,
     * as when a new candidate enters a stage, so that one test runs at a time.
     *
     * @param stage SHADOW (the spec must have a shadow stage, whose bounds decide it) or CANARY
     * @throws IllegalArgumentException when the transition makes no sense: no champion, the version is the champion
     *                                  or in that stage already, serving refused it, or the stage is not configured
     */
    public static RegistryUpdate challenge(ModelVersion version, Stage stage, ChampionSelector.Selection current,
                                           boolean refusedByServing, CanarySpec policy, String by, String reason,
                                           Instant now) {
        Objects.requireNonNull(policy, "policy");
        if (stage != Stage.SHADOW && stage != Stage.CANARY) {
            throw new IllegalArgumentException("a version can be put into SHADOW or CANARY, not " + stage);
        }
        if (stage == Stage.SHADOW && policy.shadow() == null) {
            throw new IllegalArgumentException("the spec has no shadow stage (promotion.stages.shadow) to decide a "
                    + "SHADOW challenger");
        }
        ModelVersion champion = current.champion().orElseThrow(() -> new IllegalArgumentException("there is no "
                + "champion for a challenger to be compared with"));
        if (version.getVersion().equals(champion.getVersion())) {
            throw new IllegalArgumentException(version.getVersion() + " is the champion");
        }
        if (version.getStage() == stage) {
            throw new IllegalArgumentException(version.getVersion() + " is " + stage + " already");
        }
        if (refusedByServing) {
            throw new IllegalArgumentException(version.getVersion() + " was refused by serving (MODEL_LOAD_FAILURE): "
                    + "it cannot serve");
        }
        // ChampionSelector counts an earlier-numbered challenger only when it entered its stage after the champion
        // took office: never at or before that instant, whatever the clock of the instance that crowned it said.
        Instant at = max(now, ChampionSelector.enteredCurrentStage(champion).plusMillis(1));
        List<ModelVersion> writes = new ArrayList<>();
        writes.add(transition(version, stage, at, by, "put into " + stage + " by " + by + ": " + reason
                + "; online evidence against champion " + champion.getVersion() + " decides whether it moves on to "
                + policy.nextStage(stage) + " or is rolled back"));
        retireOtherChallengers(current, version.getVersion(), by, " (put into " + stage + " by " + by + ")", at,
                writes);
        return new RegistryUpdate(writes, Optional.empty());
    }

    /**
     * A person withdraws a SHADOW or CANARY challenger before online evidence decided it: it is RETIRED, the champion
     * keeps serving, and retrains held back while it was under test may run again.
     *
     * @throws IllegalArgumentException when the version is not a SHADOW or CANARY challenger
     */
    public static RegistryUpdate withdraw(ModelVersion version, String by, String reason, Instant now) {
        if (version.getStage() != Stage.SHADOW && version.getStage() != Stage.CANARY) {
            throw new IllegalArgumentException(version.getVersion() + " is " + version.getStage()
                    + ", not a SHADOW or CANARY challenger: only a challenger can be withdrawn (rollback retires the "
                    + "champion)");
        }
        return new RegistryUpdate(List.of(transition(version, Stage.RETIRED, now, by, "withdrawn as "
                + version.getStage() + " by " + by + ": " + reason)), Optional.empty());
    }

    /** Who withdraws a challenger whose online test ran out of time. */
    static final String TIMEOUT_ACTOR = "orchestrator";

    /**
     * The challengers whose online test has run longer than {@code maxTestDuration} since they entered their stage
     * without a decision, each withdrawn (RETIRED): a test that never gets enough outcomes (too little canary traffic,
     * labels that stopped arriving) must not hold back evidence retrains, which wait for its decision, for ever.
     */
    public static List<RegistryUpdate> expiredTests(ChampionSelector.Selection current, Duration maxTestDuration,
                                                    Instant now) {
        List<RegistryUpdate> updates = new ArrayList<>();
        for (ModelVersion challenger : current.challengers()) {
            Instant entered = ChampionSelector.enteredCurrentStage(challenger);
            if (!now.isBefore(entered.plus(maxTestDuration))) {
                updates.add(withdraw(challenger, TIMEOUT_ACTOR, "no online decision within promotion.max_test_duration "
                        + maxTestDuration + " (in " + challenger.getStage() + " since " + entered + "); the champion "
                        + "keeps serving and retrains held back by the test may run", now));
            }
        }
        return updates;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /** Retires every SHADOW or CANARY challenger but {@code newcomer}: one online test runs at a time. */
    private static void retireOtherChallengers(ChampionSelector.Selection current, String newcomer, String by,
                                               String why, Instant now, List<ModelVersion> writes) {
        for (ModelVersion challenger : current.challengers()) {
            if (!challenger.getVersion().equals(newcomer)
                    && (challenger.getStage() == Stage.SHADOW || challenger.getStage() == Stage.CANARY)) {
                writes.add(transition(challenger, Stage.RETIRED, now, by, "superseded as " + challenger.getStage()
                        + " by " + newcomer + why));
            }
        }
    }

    /**
     * A person rolls the champion back: it is RETIRED and {@code previous} becomes CHAMPION again.
     *
     * @throws IllegalArgumentException when there is no champion or no previous champion
     */
    public static RegistryUpdate rollback(Optional<ModelVersion> champion, Optional<ModelVersion> previous, String by,
                                          String reason, Instant now) {
        ModelVersion current = champion.orElseThrow(() -> new IllegalArgumentException("there is no champion to "
                + "roll back"));
        ModelVersion target = previous.orElseThrow(() -> new IllegalArgumentException("no earlier champion of "
                + "this pipeline to roll back to"));
        return new RegistryUpdate(List.of(
                transition(target, Stage.CHAMPION, now, by, "rollback by " + by + " from " + current.getVersion()
                        + ": " + reason),
                transition(current, Stage.RETIRED, now, by, "rolled back by " + by + " to " + target.getVersion()
                        + ": " + reason)), Optional.empty());
    }

    /** A copy of {@code version} moved to {@code to}, with the transition appended to its history. */
    public static ModelVersion transition(ModelVersion version, Stage to, Instant at, String reason) {
        return transition(version, to, at, ACTOR, reason);
    }

    /** A copy of {@code version} moved to {@code to} by {@code by}, with the transition appended to its history. */
    public static ModelVersion transition(ModelVersion version, Stage to, Instant at, String by, String reason) {
        return io.mlcycle.mlcore.registry.StageTransitions.transition(version, to, at, by, reason);
    }

    /**
     * The non-inferiority gate when the champion could not score the holdout: held (failed, without a value), never
     * passed — a candidate must not replace a champion it was not compared with.
     */
    public static GateCheck held(String champion, String problem) {
        return new GateCheck(PromotionGates.NON_INFERIOR_TO_CHAMPION, null, null, false, "held: the champion "
                + champion + " could not score the holdout (" + problem + "), so the candidate cannot be shown "
                + "non-inferior; it stays a CANDIDATE until compared with a champion that scores, or promoted by a "
                + "person");
    }

    /** Whether a gate check is a held non-inferiority gate (see {@link #held}). */
    public static boolean isHeld(GateCheck check) {
        return PromotionGates.NON_INFERIOR_TO_CHAMPION.equals(check.getName()) && !check.getPassed()
                && check.getValue() == null;
    }

    /** The explanations of the failed gates, joined; "none" when all passed. */
    public static String failedGates(List<GateCheck> gates) {
        String joined = gates.stream()
                .filter(g -> !g.getPassed())
                .map(g -> g.getName() + ": " + g.getExplanation())
                .collect(Collectors.joining("; "));
        return joined.isEmpty() ? "none" : joined;
    }

    private static Alert gateFailureAlert(ModelVersion candidate, String failures, Instant now) {
        Map<String, String> evidence = new LinkedHashMap<>();
        candidate.getGateReport().stream().filter(g -> !g.getPassed()).forEach(g -> {
            evidence.put(g.getName(), g.getExplanation());
            if (g.getValue() != null) {
                evidence.put(g.getName() + ".value", Double.toString(g.getValue()));
            }
            if (g.getThreshold() != null) {
                evidence.put(g.getName() + ".threshold", Double.toString(g.getThreshold()));
            }
        });
        evidence.put("run_id", candidate.getLineage().getRunId());
        evidence.put("trigger_id", candidate.getLineage().getTriggerId());
        return Alert.newBuilder()
                .setAlertId(EventIds.newTimeOrderedId())
                .setPipeline(candidate.getPipeline())
                .setType(AlertType.GATE_FAILURE)
                .setSeverity(Severity.WARNING)
                .setSourceService(ACTOR)
                .setSubject(candidate.getVersion())
                .setMessage("Model " + candidate.getVersion() + " was rejected: " + failures)
                .setEvidence(evidence)
                .setRaisedAt(now)
                .build();
    }
}
