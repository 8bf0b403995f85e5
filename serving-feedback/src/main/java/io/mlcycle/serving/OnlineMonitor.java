package io.mlcycle.serving;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.DecisionKind;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.MonitoringObservation;
import io.mlcycle.avro.ObservationKind;
import io.mlcycle.avro.ObservedScore;
import io.mlcycle.avro.OnlineMetrics;
import io.mlcycle.avro.Severity;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageDecision;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.avro.Variant;
import io.mlcycle.mlcore.online.Degradation;
import io.mlcycle.mlcore.online.OnlineBinaryMetrics;
import io.mlcycle.mlcore.online.SequentialPairedTest;
import io.mlcycle.mlcore.spec.CanarySpec;
import io.mlcycle.platform.lifecycle.EventIds;
import io.mlcycle.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online monitor, once per pipeline: reads {@code <p>.monitoring.observations} (one partition, fed by
 * {@link MonitorObserver} from every partition of the join) and writes
 * <ul>
 *   <li><b>Online metrics</b> per model version, variant and event-time window (tumbling,
 *       {@code serving.metrics.window}) to {@code <p>.monitoring.metrics}: predictions, latency, and for labeled
 *       outcomes ROC AUC, log loss, Brier, accuracy, calibration, positive rate, with the offline metrics the version
 *       was registered with and the gap (online minus offline). A window is written once stream time has passed its
 *       end plus the join window (its labels can no longer arrive); one record per version, variant and window for
 *       all the pipeline's traffic.</li>
 *   <li><b>Degradation</b>: a champion window whose Brier score is significantly worse than offline (one-sided z test
 *       at the spec's canary alpha, beyond the canary margin, at least min_labeled outcomes) raises a DEGRADATION
 *       alert to {@code <p>.monitoring.alerts} and a DEGRADATION trigger to {@code <p>.training.triggers}.</li>
 *   <li><b>Stage decisions</b> to {@code <p>.models.decisions}: each labeled outcome scored by a challenger (CANARY,
 *       or SHADOW under a staged policy with a shadow stage) and by the champion updates the challenger's
 *       {@link SequentialPairedTest} on the paired Brier difference, valid however often it is checked. Significantly
 *       worse: ROLLBACK (and an alert). Significantly no worse after min_labeled outcomes, for a challenger whose next
 *       stage is CHAMPION: PROMOTE. A shadow whose next stage is CANARY moves on once it made the shadow stage's
 *       minimum predictions over its minimum event-time span without being significantly worse. The orchestrator
 *       applies the decision to the registry (serving never writes {@code <p>.models}). A test belongs to the
 *       champion serving when it began: when that changes, the test starts afresh against the new champion (a
 *       decision about the former one, which the orchestrator skips as stale, does not hold the challenger in its
 *       stage), and outcomes scored by another champion are not paired.</li>
 * </ul>
 */
final class OnlineMonitor implements Processor<String, byte[], String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(OnlineMonitor.class);
    /** Who takes the decisions, as recorded in the registry history. */
    static final String DECIDED_BY = "serving-feedback";

    private final JoinSettings settings;
    private final ModelSource models;
    private final CanarySpec canary;
    private final Deserializer<MonitoringObservation> observations;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, byte[]> windows;
    private KeyValueStore<String, byte[]> challengers;
    private final OnlineBinaryMetrics scratch = new OnlineBinaryMetrics();

    OnlineMonitor(JoinSettings settings, ModelSource models, Deserializer<MonitoringObservation> observations) {
        this.settings = settings;
        this.models = models;
        this.canary = settings.spec().canary();
        this.observations = observations;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.windows = context.getStateStore(ServingTopology.METRICS_STORE);
        this.challengers = context.getStateStore(ServingTopology.CHALLENGER_STORE);
        context.schedule(settings.punctuateInterval(), PunctuationType.STREAM_TIME, this::closeWindows);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        MonitoringObservation observation;
        try {
            observation = record.value() == null ? null
                    : observations.deserialize(Topics.MONITORING_OBSERVATIONS.name(settings.pipeline()),
                    record.value());
        } catch (RuntimeException e) {
            LOG.warn("Unreadable monitoring observation skipped: {}", e.getMessage());
            return;
        }
        if (observation == null) {
            return;
        }
        long anchorMs = observation.getAnchorTime().toEpochMilli();
        if (observation.getKind() == ObservationKind.PREDICTION) {
            for (ObservedScore s : observation.getScores()) {
                update(s.getModelVersion(), s.getVariant(), anchorMs,
                        m -> m.prediction(s.getDecision(), s.getLatencyMicros()));
                if (s.getVariant() == Variant.SHADOW || s.getVariant() == Variant.CANARY) {
                    challenger(s.getModelVersion(), s.getVariant(), state -> state.predicted(anchorMs), null);
                }
            }
        } else if (observation.getKind() == ObservationKind.OUTCOME && observation.getPositive() != null) {
            boolean positive = observation.getPositive();
            double y = positive ? 1 : 0;
            ObservedScore champion = null;
            for (ObservedScore s : observation.getScores()) {
                update(s.getModelVersion(), s.getVariant(), anchorMs,
                        m -> m.outcome(s.getScore(), positive, s.getDecision()));
                if (s.getVariant() == Variant.CHAMPION && champion == null) {
                    champion = s;
                }
            }
            if (champion != null) {
                double championLoss = square(champion.getScore() - y);
                String championVersion = champion.getModelVersion();
                for (ObservedScore s : observation.getScores()) {
                    if (s.getVariant() == Variant.SHADOW || s.getVariant() == Variant.CANARY) {
                        double difference = square(s.getScore() - y) - championLoss;
                        challenger(s.getModelVersion(), s.getVariant(), state -> state.paired(difference),
                                championVersion);
                    }
                }
            }
        }
    }

    private void update(String version, Variant variant, long anchorMs,
                        java.util.function.Consumer<OnlineBinaryMetrics> change) {
        long width = settings.metricsWindow().toMillis();
        long start = Math.floorDiv(anchorMs, width) * width;
        String key = windowKey(start, variant, version);
        // One instance decoded into for every observation: a fresh one per record was 17 KB of garbage each.
        OnlineBinaryMetrics metrics = scratch;
        metrics.readFrom(windows.get(key));
        change.accept(metrics);
        windows.put(key, metrics.toBytes());
    }

    /**
     * {@code <start, 19 digits zero-padded>|<variant>|<version>}: the store is iterated in key order, so windows
     * close oldest first. Built without {@link String#format} (per observation, its parsing and locale lookups
     * showed in the stream thread's profile); the same text as {@code String.format("%019d|%s|%s", ...)}.
     */
    static String windowKey(long start, Variant variant, String version) {
        if (start < 0) {
            return String.format("%019d|%s|%s", start, variant.name(), version);
        }
        String digits = Long.toString(start);
        StringBuilder key = new StringBuilder(21 + variant.name().length() + version.length());
        for (int i = digits.length(); i < 19; i++) {
            key.append('0');
        }
        return key.append(digits).append('|').append(variant.name()).append('|').append(version).toString();
    }

    /** Emits every window whose labels can no longer arrive. */
    void closeWindows(long streamTimeMs) {
        long width = settings.metricsWindow().toMillis();
        long closeBefore = streamTimeMs - width - settings.window().toMillis();
        List<KeyValue<String, byte[]>> closed = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = windows.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                if (Long.parseLong(entry.key.substring(0, 19)) > closeBefore) {
                    break;
                }
                closed.add(entry);
            }
        }
        for (KeyValue<String, byte[]> entry : closed) {
            windows.delete(entry.key);
            String[] parts = entry.key.split("\\|", 3);
            long start = Long.parseLong(parts[0]);
            emit(parts[2], Variant.valueOf(parts[1]), start, start + width, OnlineBinaryMetrics.fromBytes(entry.value),
                    streamTimeMs);
        }
    }

    private void emit(String version, Variant variant, long start, long end, OnlineBinaryMetrics window, long nowMs) {
        Map<String, Double> online = window.metrics();
        Map<String, Double> offline = offlineMetrics(version);
        Map<String, Double> gap = new LinkedHashMap<>();
        online.forEach((name, value) -> {
            Double before = offline.get(name);
            if (before != null) {
                gap.put(name, value - before);
            }
        });
        OnlineMetrics metrics = OnlineMetrics.newBuilder()
                .setPipeline(settings.pipeline())
                .setModelVersion(version)
                .setVariant(variant)
                .setWindowStart(Instant.ofEpochMilli(start))
                .setWindowEnd(Instant.ofEpochMilli(end))
                .setPredictions(window.predictions())
                .setLabeled(window.labeled())
                .setMetrics(online)
                .setOfflineMetrics(offline)
                .setOfflineOnlineGap(gap)
                .setEmittedAt(Instant.ofEpochMilli(nowMs))
                .build();
        context.forward(new Record<String, Object>(version, metrics, end), ServingTopology.METRICS_SINK);
        if (variant == Variant.CHAMPION && window.labeled() >= canary.minLabeled() && offline.containsKey("brier")) {
            double p = Degradation.pValue(window.brier(), window.brierVariance(), window.labeled(),
                    offline.get("brier"), canary.margin());
            if (p < canary.alpha()) {
                degraded(version, start, end, window, offline.get("brier"), p, nowMs);
            }
        }
    }

    private void degraded(String version, long start, long end, OnlineBinaryMetrics window, double offlineBrier,
                          double p, long nowMs) {
        String words = String.format(Locale.ROOT, "Champion %s is significantly worse online than offline in the "
                        + "window %s to %s: Brier score %.4f on %d labeled outcomes against %.4f offline (margin %.4f; "
                        + "one-sided p = %.3g < alpha %.3g)", version, Instant.ofEpochMilli(start),
                Instant.ofEpochMilli(end), window.brier(), window.labeled(), offlineBrier, canary.margin(), p,
                canary.alpha());
        Map<String, String> evidence = new LinkedHashMap<>();
        evidence.put("model_version", version);
        // the champion measured: the orchestrator skips the trigger as stale once another version is champion
        evidence.put(io.mlcycle.schemas.TriggerEvidence.CHAMPION_VERSION, version);
        evidence.put("metric", "brier");
        evidence.put("online", Double.toString(window.brier()));
        evidence.put("offline", Double.toString(offlineBrier));
        evidence.put("labeled", Long.toString(window.labeled()));
        evidence.put("p_value", Double.toString(p));
        evidence.put("window_start", Instant.ofEpochMilli(start).toString());
        LOG.warn("{}", words);
        Alert alert = Records.alert(settings.pipeline(), AlertType.DEGRADATION, Severity.CRITICAL, version, words,
                evidence, Instant.ofEpochMilli(nowMs));
        context.forward(new Record<String, Object>(Records.alertKey(alert), alert, nowMs),
                ServingTopology.ALERTS_SINK);
        TrainingTrigger trigger = TrainingTrigger.newBuilder()
                .setTriggerId(EventIds.newTimeOrderedId())
                .setPipeline(settings.pipeline())
                .setReason(TriggerReason.DEGRADATION)
                .setEvidence(evidence)
                .setRequestedBy(Records.SOURCE_SERVICE)
                .setRequestedAt(Instant.ofEpochMilli(nowMs))
                .setNote(words)
                .build();
        context.forward(new Record<String, Object>(settings.pipeline(), trigger, nowMs),
                ServingTopology.TRIGGERS_SINK);
    }

    /** The offline metrics a version was registered with: from the registry, else from the loaded model. */
    private Map<String, Double> offlineMetrics(String version) {
        Optional<ModelVersion> registered = models.registered(version);
        if (registered.isPresent()) {
            return Map.copyOf(registered.get().getOfflineMetrics());
        }
        ServingModels serving = models.models();
        List<LoadedModel> loaded = new ArrayList<>(serving.shadows());
        loaded.add(serving.champion());
        loaded.add(serving.canary());
        return loaded.stream().filter(m -> m != null && m.version().equals(version)).findFirst()
                .map(LoadedModel::offlineMetrics).orElse(Map.of());
    }

    // ---------------------------------------------------------------- challengers

    /** Whether this monitor decides challengers of {@code variant} (shadows only under a policy with a shadow stage). */
    private boolean decides(Variant variant) {
        return variant == Variant.CANARY || (variant == Variant.SHADOW && canary.shadow() != null);
    }

    /**
     * Updates the test of one challenger. {@code outcomeChampion} is the champion that scored the outcome being paired
     * (null for a prediction). The test compares with the champion serving now: when that changed since the test
     * began (a promotion, a rollback of the champion, a person's action), the test starts afresh against the new one,
     * also after a decision about the former champion that the orchestrator skipped as stale; and an outcome scored
     * by another champion (a prediction made before the change) is not paired.
     */
    private void challenger(String version, Variant variant,
                            java.util.function.UnaryOperator<ChallengerState> change, String outcomeChampion) {
        if (!decides(variant)) {
            return;
        }
        String key = challengerKey(version, variant);
        byte[] stored = challengers.get(key);
        String serving = Optional.ofNullable(models.models().champion()).map(LoadedModel::version)
                .orElse(outcomeChampion);
        ChallengerState state;
        if (stored == null) {
            state = ChallengerState.start(serving, canary.margin());
        } else {
            state = ChallengerState.fromBytes(stored);
            if (state.testsAgainstOtherThan(serving)) {
                LOG.info("The champion is {} now, no longer {}: the sequential test of {} {} starts afresh against "
                                + "it (dropped: {} paired outcomes{})", serving, state.champion(), variant, version,
                        state.test().n(), state.decided() ? ", and a decision about the former champion" : "");
                state = ChallengerState.start(serving, canary.margin());
            } else if (state.champion() == null && serving != null) {
                state = state.against(serving);
            }
        }
        if (!state.decided() && (outcomeChampion == null || outcomeChampion.equals(state.champion()))) {
            state = change.apply(state);
            Stage stage = variant == Variant.SHADOW ? Stage.SHADOW : Stage.CANARY;
            Optional<Decision> decision = decide(stage, state);
            // decided only once the decision is sent: one not sent (the registry shows another stage) is taken
            // again on the next record
            if (decision.isPresent() && emitDecision(version, stage, decision.get(), state, state.champion())) {
                state = state.decide();
            }
        }
        byte[] updated = state.toBytes();
        if (stored == null || !java.util.Arrays.equals(stored, updated)) {
            challengers.put(key, updated);
        }
    }

    /**
     * The store key of a challenger's test: one test per stay in a stage. A version put into the stage again (by a
     * person, after a rollback, a retirement or a supersession) gets a test of its own: no evidence, looks or
     * decision of its earlier stay carry over. The stay is named by the (signed) time the version entered its stage.
     */
    private String challengerKey(String version, Variant variant) {
        return version + "|" + variant.name() + models.registered(version)
                .map(v -> "|" + io.mlcycle.mlcore.registry.ChampionSelector.enteredCurrentStage(v).toEpochMilli())
                .orElse("");
    }

    /** A decision on a challenger: its kind, the stage it leads to, and the evidence in words. */
    private record Decision(DecisionKind kind, Stage to, String words) {
    }

    private Optional<Decision> decide(Stage stage, ChallengerState state) {
        SequentialPairedTest test = state.test();
        double alpha = canary.alpha();
        if (test.significantlyWorse(alpha)) {
            return Optional.of(new Decision(DecisionKind.ROLLBACK, Stage.REJECTED, String.format(Locale.ROOT,
                    "rolled back on online evidence: %s %%s is significantly worse than champion %%s on %d paired "
                            + "labeled outcomes (mean Brier difference challenger - champion %.4f; always-valid "
                            + "p = %.3g < alpha %.3g; sequential test by betting, valid under continuous monitoring)",
                    stage, test.n(), test.mean(), test.pWorse(), alpha)));
        }
        Stage next = canary.nextStage(stage);
        if (next == Stage.CHAMPION) {
            if (test.n() >= canary.minLabeled() && test.significantlyNoWorse(alpha)) {
                return Optional.of(new Decision(DecisionKind.PROMOTE, Stage.CHAMPION, String.format(Locale.ROOT,
                        "promoted on online evidence: %s %%s is significantly no worse than champion %%s on %d paired "
                                + "labeled outcomes (at least %d required; mean Brier difference challenger - "
                                + "champion %.4f, margin %.4f; always-valid p = %.3g < alpha %.3g; sequential test by "
                                + "betting, valid under continuous monitoring)", stage, test.n(),
                        canary.minLabeled(), test.mean(), test.margin(), test.pNoWorse(), alpha)));
            }
            return Optional.empty();
        }
        CanarySpec.ShadowStage shadow = canary.shadow();
        if (shadow != null && state.predictions() >= shadow.minPredictions()
                && state.spanMs() >= shadow.duration().toMillis()) {
            return Optional.of(new Decision(DecisionKind.PROMOTE, next, String.format(Locale.ROOT,
                    "shadow stage passed: %s %%s made %d predictions over %s of event time (at least %d over %s "
                            + "required) and is not significantly worse than champion %%s on %d paired labeled "
                            + "outcomes (mean Brier difference %.4f, always-valid p = %.3g, alpha %.3g); it moves on "
                            + "to %s", stage, state.predictions(), Duration.ofMillis(state.spanMs()),
                    shadow.minPredictions(), shadow.duration(), test.n(), test.mean(), test.pWorse(), alpha, next)));
        }
        return Optional.empty();
    }

    /** Sends the decision to {@code <p>.models.decisions}; false when the registry shows the version elsewhere. */
    private boolean emitDecision(String version, Stage stage, Decision decision, ChallengerState state,
                                 String champion) {
        long now = context.currentStreamTimeMs();
        Instant at = Instant.ofEpochMilli(now);
        String words = String.format(Locale.ROOT, decision.words(), version, champion == null ? "(none)" : champion);
        Optional<ModelVersion> registered = models.registered(version);
        if (registered.isEmpty() || registered.get().getStage() != stage) {
            LOG.warn("{} is no longer {} in the registry ({}); decision not sent: {}", version, stage,
                    registered.map(v -> v.getStage().name()).orElse("unknown"), words);
            return false;
        }
        SequentialPairedTest test = state.test();
        Map<String, Double> statistics = new LinkedHashMap<>();
        statistics.put("paired_outcomes", (double) test.n());
        statistics.put("mean_brier_difference", test.mean());
        statistics.put("p_worse", test.pWorse());
        statistics.put("p_no_worse", test.pNoWorse());
        statistics.put("alpha", canary.alpha());
        statistics.put("margin", canary.margin());
        statistics.put("min_labeled", (double) canary.minLabeled());
        statistics.put("predictions", (double) state.predictions());
        statistics.put("stage_span_ms", (double) state.spanMs());
        StageDecision record = StageDecision.newBuilder()
                .setDecisionId(version + ":" + stage + "->" + decision.to() + ":n=" + test.n() + ":at=" + now)
                .setPipeline(settings.pipeline())
                .setModelVersion(version)
                .setFromStage(stage)
                .setToStage(decision.to())
                .setDecision(decision.kind())
                .setComparedWith(champion)
                .setEvidence(words)
                .setStatistics(statistics)
                .setDecidedBy(DECIDED_BY)
                .setDecidedAt(at)
                .build();
        // Signed: the orchestrator applies only decisions signed with the deployment's key.
        record = models.decisionSigning().sign(record);
        LOG.info("{} {}: {}", decision.kind(), version, words);
        context.forward(new Record<String, Object>(version, record, now), ServingTopology.DECISIONS_SINK);
        if (decision.kind() == DecisionKind.ROLLBACK) {
            Map<String, String> details = new LinkedHashMap<>();
            details.put("challenger", version);
            details.put("stage", stage.name());
            details.put("champion", String.valueOf(champion));
            details.put("paired_outcomes", Long.toString(test.n()));
            details.put("mean_brier_difference", Double.toString(test.mean()));
            details.put("p_value", Double.toString(test.pWorse()));
            Alert alert = Records.alert(settings.pipeline(), AlertType.DEGRADATION, Severity.WARNING, version,
                    stage + " " + version + " " + words, details, at);
            context.forward(new Record<String, Object>(Records.alertKey(alert), alert, now),
                    ServingTopology.ALERTS_SINK);
        }
        return true;
    }

    private static double square(double x) {
        return x * x;
    }
}
