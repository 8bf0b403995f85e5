package io.mlcycle.serving;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OnlineMetrics;
import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.PredictionSummary;
import io.mlcycle.avro.Severity;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.avro.Variant;
import io.mlcycle.mlcore.online.Degradation;
import io.mlcycle.mlcore.online.OnlineBinaryMetrics;
import io.mlcycle.mlcore.online.SequentialPairedTest;
import io.mlcycle.mlcore.spec.CanarySpec;
import io.mlcycle.platform.lifecycle.EventIds;
import io.mlcycle.schemas.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
 * Online evidence, inside the serving topology, fed by the join processors ({@link MonitorInput}):
 * <ul>
 *   <li><b>Online metrics</b> per model version, variant and event-time window (tumbling,
 *       {@code serving.metrics.window}): predictions, latency, and for labeled outcomes ROC AUC, log loss, Brier,
 *       accuracy, calibration, positive rate, with the offline metrics the version was registered with and the gap
 *       (online minus offline). A window is written to {@code <p>.monitoring.metrics} once stream time has passed
 *       its end plus the join window (its labels can no longer arrive); one record per stream task, naming its
 *       input partition ({@code task_partition}).</li>
 *   <li><b>Degradation</b>: a champion window whose Brier score is significantly worse than offline (one-sided z test
 *       at the spec's {@code promotion.canary_alpha}, beyond {@code promotion.canary_margin}, at least
 *       {@code promotion.min_labeled} outcomes) raises a DEGRADATION alert and a DEGRADATION training trigger.</li>
 *   <li><b>Canary decisions</b>: each labeled outcome scored by both canary and champion updates the canary's
 *       {@link SequentialPairedTest} on the paired Brier difference, valid however often it is checked. Significantly
 *       worse: the canary is rolled back (stage REJECTED). Significantly no worse after {@code promotion.min_labeled}
 *       outcomes: the canary becomes CHAMPION and the champion RETIRED. Each stream task (input partition) tests
 *       its own share of the traffic at alpha / partitions (Bonferroni), so any wrong decision stays below alpha. Each decision is written to
 *       {@code <p>.models} with its evidence in words (and a rollback also alerts).</li>
 * </ul>
 */
final class OnlineMonitor implements Processor<String, Object, String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(OnlineMonitor.class);
    private static final byte OPEN = 0;
    private static final byte DECIDED = 1;

    private final JoinSettings settings;
    private final ModelSource models;
    private final CanarySpec canary;
    private final double taskAlpha;
    private final long taskMinLabeled;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, byte[]> windows;
    private KeyValueStore<String, byte[]> canaryTests;

    OnlineMonitor(JoinSettings settings, ModelSource models) {
        this.settings = settings;
        this.models = models;
        this.canary = settings.spec().canary();
        // Each stream task (one per input partition) tests the canary on its own share of the traffic; splitting
        // alpha over the tasks (Bonferroni) keeps the chance that any of them decides wrongly at most alpha.
        this.taskAlpha = canary.alpha() / Topics.EVENT_PARTITIONS;
        this.taskMinLabeled = (canary.minLabeled() + Topics.EVENT_PARTITIONS - 1) / Topics.EVENT_PARTITIONS;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.windows = context.getStateStore(ServingTopology.METRICS_STORE);
        this.canaryTests = context.getStateStore(ServingTopology.CANARY_STORE);
        context.schedule(settings.punctuateInterval(), PunctuationType.STREAM_TIME, this::closeWindows);
    }

    @Override
    public void process(Record<String, Object> record) {
        if (record.value() instanceof MonitorInput.Predicted predicted) {
            Prediction p = predicted.prediction();
            update(p.getModelVersion(), p.getVariant(), predicted.anchorMs(),
                    m -> m.prediction(p.getDecision(), p.getLatencyMicros()));
        } else if (record.value() instanceof MonitorInput.Labeled labeled) {
            LabeledExample example = labeled.example();
            boolean positive = example.getPositive();
            for (PredictionSummary p : example.getPredictions()) {
                update(p.getModelVersion(), p.getVariant(), labeled.anchorMs(),
                        m -> m.outcome(p.getScore(), positive, p.getDecision()));
            }
            compareCanary(example);
        }
    }

    private void update(String version, Variant variant, long anchorMs,
                        java.util.function.Consumer<OnlineBinaryMetrics> change) {
        long width = settings.metricsWindow().toMillis();
        long start = Math.floorDiv(anchorMs, width) * width;
        String key = String.format("%019d|%s|%s", start, variant.name(), version);
        byte[] stored = windows.get(key);
        OnlineBinaryMetrics metrics = stored == null ? new OnlineBinaryMetrics() : OnlineBinaryMetrics.fromBytes(stored);
        change.accept(metrics);
        windows.put(key, metrics.toBytes());
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
                .setTaskPartition(context.taskId().partition())
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

    private void compareCanary(LabeledExample example) {
        PredictionSummary canaryPrediction = first(example, Variant.CANARY);
        PredictionSummary championPrediction = first(example, Variant.CHAMPION);
        if (canaryPrediction == null || championPrediction == null) {
            return;
        }
        String version = canaryPrediction.getModelVersion();
        byte[] stored = canaryTests.get(version);
        if (stored != null && stored[0] == DECIDED) {
            return;
        }
        SequentialPairedTest test = stored == null ? SequentialPairedTest.start(canary.margin())
                : SequentialPairedTest.fromBytes(java.util.Arrays.copyOfRange(stored, 1, stored.length));
        double y = example.getPositive() ? 1 : 0;
        double canaryLoss = square(canaryPrediction.getScore() - y);
        double championLoss = square(championPrediction.getScore() - y);
        test = test.update(canaryLoss - championLoss);
        boolean decided = false;
        if (test.significantlyWorse(taskAlpha)) {
            decided = decide(test, version, championPrediction.getModelVersion(), false);
        } else if (test.n() >= taskMinLabeled && test.significantlyNoWorse(taskAlpha)) {
            decided = decide(test, version, championPrediction.getModelVersion(), true);
        }
        byte[] state = test.toBytes();
        byte[] value = new byte[state.length + 1];
        value[0] = decided ? DECIDED : OPEN;
        System.arraycopy(state, 0, value, 1, state.length);
        canaryTests.put(version, value);
    }

    private boolean decide(SequentialPairedTest test, String canaryVersion, String championVersion, boolean promote) {
        long now = context.currentStreamTimeMs();
        Instant at = Instant.ofEpochMilli(now);
        String evidence = promote
                ? String.format(Locale.ROOT, "promoted on online evidence: canary %s is significantly no worse than "
                        + "champion %s on %d paired labeled outcomes (mean Brier difference canary - champion %.4f, "
                        + "margin %.4f; always-valid p = %.3g < alpha %.3g per stream task (%.3g over %d tasks), "
                        + "sequential test by betting, valid under continuous monitoring; at least %d outcomes "
                        + "required per task)", canaryVersion, championVersion, test.n(), test.mean(), test.margin(),
                        test.pNoWorse(), taskAlpha, canary.alpha(), Topics.EVENT_PARTITIONS, taskMinLabeled)
                : String.format(Locale.ROOT, "rolled back on online evidence: canary %s is significantly worse than "
                        + "champion %s on %d paired labeled outcomes (mean Brier difference canary - champion %.4f; "
                        + "always-valid p = %.3g < alpha %.3g per stream task (%.3g over %d tasks), sequential test by "
                        + "betting, valid under continuous monitoring)", canaryVersion, championVersion, test.n(),
                        test.mean(), test.pWorse(), taskAlpha, canary.alpha(), Topics.EVENT_PARTITIONS);
        Optional<ModelVersion> canaryRecord = models.registered(canaryVersion);
        if (canaryRecord.isEmpty() || canaryRecord.get().getStage() != Stage.CANARY) {
            LOG.warn("Canary {} is no longer a canary in the registry; decision not written: {}", canaryVersion,
                    evidence);
            return true;
        }
        LOG.info("Canary {} {}", canaryVersion, evidence);
        writeModel(RegistryTransitions.transition(canaryRecord.get(), promote ? Stage.CHAMPION : Stage.REJECTED, at,
                evidence), now);
        if (promote) {
            models.registered(championVersion).filter(v -> v.getStage() == Stage.CHAMPION).ifPresent(champion ->
                    writeModel(RegistryTransitions.transition(champion, Stage.RETIRED, at, "replaced by canary "
                            + canaryVersion + ", " + evidence), now));
        } else {
            Map<String, String> details = new LinkedHashMap<>();
            details.put("canary", canaryVersion);
            details.put("champion", championVersion);
            details.put("paired_outcomes", Long.toString(test.n()));
            details.put("mean_brier_difference", Double.toString(test.mean()));
            details.put("p_value", Double.toString(test.pWorse()));
            Alert alert = Records.alert(settings.pipeline(), AlertType.DEGRADATION, Severity.WARNING, canaryVersion,
                    "Canary " + canaryVersion + " " + evidence, details, at);
            context.forward(new Record<String, Object>(Records.alertKey(alert), alert, now),
                    ServingTopology.ALERTS_SINK);
        }
        return true;
    }

    private void writeModel(ModelVersion version, long timestamp) {
        // Every service refuses unsigned registry records, so a canary decision is signed like the orchestrator's.
        java.util.Optional<ModelVersion> maybeSigned = models.signForRegistry(version);
        if (maybeSigned.isEmpty()) {
            LOG.error("Not writing the {} transition of {}: this model source has no signing key (canary decisions "
                    + "need the registry watcher)", version.getStage(), version.getVersion());
            return;
        }
        ModelVersion signed = maybeSigned.get();
        context.forward(new Record<String, Object>(signed.getVersion(), signed, timestamp),
                ServingTopology.MODELS_SINK);
    }

    private static PredictionSummary first(LabeledExample example, Variant variant) {
        return example.getPredictions().stream().filter(p -> p.getVariant() == variant).findFirst().orElse(null);
    }

    private static double square(double x) {
        return x * x;
    }
}
