package io.mlcycle.serving;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Severity;
import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.model.Scorer;
import io.mlcycle.mlcore.registry.ChampionSelector;
import io.mlcycle.mlcore.registry.ModelSigning;
import io.mlcycle.mlcore.registry.RegistryView;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the champion model of one pipeline loaded, from the model registry {@code <p>.models}: the champion chosen by
 * ml-core's {@link ChampionSelector} over a {@link RegistryView} (the same rule in every service: only versions signed
 * with the deployment's key count, tombstones are ignored, versions refused here never count). A version that is
 * unsigned or wrongly signed is refused with a MODEL_LOAD_FAILURE alert. A new champion is verified (the artifact's SHA-256 must equal the
 * registered {@code artifact_sha256}), loaded, warmed up on synthetic features and only then swapped in atomically,
 * so requests see the old or the new model, never a half-loaded one. A version that fails any step is refused
 * with a MODEL_LOAD_FAILURE alert (to {@code <p>.monitoring.alerts}, via the alert sink) and the previous champion
 * keeps serving.
 *
 * <p>This class holds the selection and loading logic; {@link ModelRegistryConsumer} feeds it from Kafka. Updates
 * are applied by one thread at a time; {@link #champion()} may be called from any thread.
 */
public final class ModelRegistryWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistryWatcher.class);

    private final PipelineSpec spec;
    private final Consumer<Alert> alertSink;
    private final ServingMetrics metrics;
    private final Clock clock;
    private final AtomicReference<LoadedModel> champion = new AtomicReference<>();
    /** The latest verified state of every version. */
    private final RegistryView versions;
    /** Versions refused, by "version@sha256": a republished artifact with another hash is tried again. */
    private final Set<String> refused = new HashSet<>();

    public ModelRegistryWatcher(PipelineSpec spec, Consumer<Alert> alertSink, ServingMetrics metrics, Clock clock,
                                ModelSigning signing) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.alertSink = Objects.requireNonNull(alertSink, "alertSink");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.versions = new RegistryView(new ChampionSelector(spec.pipeline(), signing));
    }

    /** The champion serving right now, if one was loaded. */
    public Optional<LoadedModel> champion() {
        return Optional.ofNullable(champion.get());
    }

    /** A supplier view of {@link #champion()}, as the topology and the HTTP handlers take it. */
    public Supplier<Optional<LoadedModel>> championSupplier() {
        return this::champion;
    }

    /** Records a registry record: a version's new state, or its removal (tombstone, {@code value == null}). */
    public synchronized void record(String key, ModelVersion value) {
        RegistryView.Applied applied = versions.apply(key, value);
        if (applied.outcome() == RegistryView.Outcome.TOMBSTONE_IGNORED) {
            LOG.warn("Ignored a tombstone for {} on the registry of {}: {}", key, spec.pipeline(), applied.reason());
        } else if (applied.outcome() == RegistryView.Outcome.REFUSED
                && !refused.contains(ChampionSelector.rejectionKey(value))) {
            String actual = ModelArtifacts.sha256(bytes(value.getArtifact()));
            Map<String, String> evidence = new LinkedHashMap<>();
            evidence.put("refusal", "signature");
            evidence.put("declared_sha256", String.valueOf(value.getArtifactSha256()));
            evidence.put("actual_sha256", actual);
            refuse(value, applied.reason(), evidence);
        }
    }

    /** Records several versions and then reconciles; convenient for tests and batch replays. */
    public synchronized void apply(Collection<ModelVersion> updates) {
        updates.forEach(v -> record(v.getVersion(), v));
        reconcile();
    }

    /**
     * Loads the target champion if it is not the one serving: the highest-numbered CHAMPION version not refused.
     * Called after each batch of registry records, so a replay loads only the final champion.
     */
    public synchronized void reconcile() {
        Optional<ModelVersion> target = versions.selection().champion();
        if (target.isEmpty()) {
            return;
        }
        ModelVersion wanted = target.get();
        LoadedModel current = champion.get();
        if (current != null && current.version().equals(wanted.getVersion())
                && current.artifactSha256().equalsIgnoreCase(wanted.getArtifactSha256())) {
            return;
        }
        load(wanted).ifPresent(loaded -> {
            LoadedModel previous = champion.getAndSet(loaded);
            metrics.modelSwapped();
            LOG.info("Serving champion {} of pipeline {} (sha256 {}, format {}), replacing {}",
                    loaded.version(), spec.pipeline(), loaded.artifactSha256(), loaded.artifactFormat(),
                    previous == null ? "nothing" : previous.version());
        });
    }

    private Optional<LoadedModel> load(ModelVersion version) {
        long started = System.nanoTime();
        byte[] artifact = bytes(version.getArtifact());
        String actualSha = ModelArtifacts.sha256(artifact);
        String declaredSha = version.getArtifactSha256() == null ? "" : version.getArtifactSha256().trim();
        if (!actualSha.equalsIgnoreCase(declaredSha)) {
            return refuse(version, "artifact SHA-256 mismatch: the registry declares " + declaredSha
                    + " but the artifact bytes hash to " + actualSha, Map.of("declared_sha256", declaredSha,
                    "actual_sha256", actualSha));
        }
        Scorer scorer;
        try {
            scorer = ModelArtifacts.load(artifact);
        } catch (RuntimeException e) {
            return refuse(version, "artifact cannot be loaded: " + e.getMessage(), Map.of());
        }
        for (Map<String, Object> features : WarmUp.featureMaps(spec)) {
            double score;
            try {
                score = scorer.score(features);
            } catch (RuntimeException e) {
                return refuse(version, "warm-up scoring failed on features " + features + ": " + e.getMessage(),
                        Map.of());
            }
            if (!(score >= 0.0 && score <= 1.0)) {
                return refuse(version, "warm-up produced the score " + score + ", outside [0, 1], for features "
                        + features, Map.of());
            }
        }
        LOG.debug("Loaded {} in {} ms", version.getVersion(), Duration.ofNanos(System.nanoTime() - started).toMillis());
        return Optional.of(new LoadedModel(version.getVersion(), version.getVersionNumber(), actualSha,
                version.getArtifactFormat(), scorer, spec.objective().decisionThreshold(), Instant.now(clock),
                version.getOfflineMetrics()));
    }

    private Optional<LoadedModel> refuse(ModelVersion version, String reason, Map<String, String> extraEvidence) {
        refused.add(ChampionSelector.rejectionKey(version));
        versions.markRejectedByServing(version.getVersion(), version.getArtifactSha256());
        metrics.modelRefused();
        LoadedModel serving = champion.get();
        String keeps = serving == null ? "no model is serving yet" : serving.version() + " keeps serving";
        LOG.error("Refused model {} of pipeline {}: {}; {}", version.getVersion(), spec.pipeline(), reason, keeps);
        Map<String, String> evidence = new LinkedHashMap<>(extraEvidence);
        evidence.put("version", version.getVersion());
        evidence.put("artifact_sha256", String.valueOf(version.getArtifactSha256()));
        evidence.put("reason", reason);
        evidence.put("serving", serving == null ? "" : serving.version());
        try {
            alertSink.accept(Records.alert(spec.pipeline(), AlertType.MODEL_LOAD_FAILURE, Severity.CRITICAL,
                    version.getVersion(), "Model " + version.getVersion() + " was refused by serving: " + reason
                            + "; " + keeps, evidence, Instant.now(clock)));
        } catch (RuntimeException e) {
            LOG.warn("Could not publish the MODEL_LOAD_FAILURE alert for {}: {}", version.getVersion(), e.toString());
        }
        return Optional.empty();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return new byte[0];
        }
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
