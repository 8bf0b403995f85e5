package io.mlcycle.serving;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Severity;
import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.model.Scorer;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.nio.ByteBuffer;
import io.mlcycle.mlcore.registry.ChampionSelector;
import io.mlcycle.mlcore.registry.ModelSigning;
import io.mlcycle.mlcore.registry.RegistryView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.ArrayList;
import java.util.List;
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
 * Keeps the models of one pipeline loaded from the model registry {@code <p>.models}: the champion, a canary and
 * shadows, as ml-core's {@link ChampionSelector} picks them over a {@link RegistryView} (the same rule in every
 * service: only versions signed with the deployment's key count, tombstones are ignored, versions refused here never
 * count; an unsigned or wrongly signed version is refused with a MODEL_LOAD_FAILURE alert). A new version is verified (the
 * artifact's SHA-256 must equal the registered {@code artifact_sha256}), loaded, warmed up on synthetic features and
 * only then swapped in, with the whole set at once, so requests see the old or the new set, never a half-loaded one.
 * A version that fails any step is refused with a MODEL_LOAD_FAILURE alert (to {@code <p>.monitoring.alerts}, via
 * the alert sink) and the previous champion keeps serving.
 *
 * <p>This class holds the selection and loading logic; {@link ModelRegistryConsumer} feeds it from Kafka. Updates
 * are applied by one thread at a time; {@link #champion()} may be called from any thread.
 */
public final class ModelRegistryWatcher implements ModelSource {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistryWatcher.class);

    private final PipelineSpec spec;
    /** Shadows scored at most, newest first: each costs a scoring of every event. */
    static final int MAX_SHADOWS = 3;
    private final Consumer<Alert> alertSink;
    private final ServingMetrics metrics;
    private final Clock clock;
    private final AtomicReference<ServingModels> models = new AtomicReference<>(ServingModels.NONE);
    /** The latest verified state of every version (read by other threads; its methods are synchronized). */
    private final RegistryView versions;
    private final ModelSigning signing;
    /** Versions refused, by "version@sha256": a republished artifact with another hash is tried again. */
    private final Set<String> refused = new HashSet<>();

    public ModelRegistryWatcher(PipelineSpec spec, Consumer<Alert> alertSink, ServingMetrics metrics, Clock clock,
                                ModelSigning signing) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.alertSink = Objects.requireNonNull(alertSink, "alertSink");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.versions = new RegistryView(new ChampionSelector(spec.pipeline(), signing));
        this.signing = Objects.requireNonNull(signing, "signing");
    }

    /** The deployment's key: versions are verified with it, and serving's stage decisions signed. */
    @Override
    public ModelSigning decisionSigning() {
        return signing;
    }

    /** The champion serving right now, if one was loaded. */
    public Optional<LoadedModel> champion() {
        return Optional.ofNullable(models.get().champion());
    }

    @Override
    public ServingModels models() {
        return models.get();
    }

    @Override
    public Optional<ModelVersion> registered(String version) {
        return versions.get(version);
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
     * Loads what {@link ChampionSelector} selects (champion, canary, shadows) among the versions not refused, reusing
     * the models already loaded, and swaps the whole set at once. A champion that cannot be loaded leaves the
     * previous champion serving. Called after each batch of registry records, so a replay loads only the final set.
     */
    public synchronized void reconcile() {
        ChampionSelector.Selection targets = versions.selection();
        ServingModels current = models.get();
        LoadedModel champion = targets.champion().map(v -> loadOrReuse(v.getVersion(), current)).orElse(null);
        if (champion == null) {
            champion = current.champion();
        }
        LoadedModel canary = targets.canary().map(v -> loadOrReuse(v.getVersion(), current)).orElse(null);
        List<LoadedModel> shadows = new ArrayList<>();
        for (ModelVersion shadow : targets.shadows(MAX_SHADOWS)) {
            LoadedModel loaded = loadOrReuse(shadow.getVersion(), current);
            if (loaded != null) {
                shadows.add(loaded);
            }
        }
        ServingModels next = new ServingModels(champion, canary, shadows);
        if (next.equals(current)) {
            return;
        }
        models.set(next);
        if (champion != current.champion()) {
            metrics.modelSwapped();
            LOG.info("Serving champion {} of pipeline {} (sha256 {}, format {}), replacing {}",
                    champion.version(), spec.pipeline(), champion.artifactSha256(), champion.artifactFormat(),
                    current.champion() == null ? "nothing" : current.champion().version());
        }
        LOG.info("Pipeline {} serves champion {}, canary {}, shadows {}", spec.pipeline(),
                champion == null ? "none" : champion.version(), canary == null ? "none" : canary.version(),
                shadows.stream().map(LoadedModel::version).toList());
    }

    /** The loaded model of a version: the one serving when its artifact is unchanged, else a fresh load (or null). */
    private LoadedModel loadOrReuse(String version, ServingModels current) {
        ModelVersion wanted = versions.get(version).orElse(null);
        if (wanted == null) {
            return null;
        }
        List<LoadedModel> serving = new ArrayList<>(current.shadows());
        serving.add(current.champion());
        serving.add(current.canary());
        for (LoadedModel model : serving) {
            if (model != null && model.version().equals(wanted.getVersion())
                    && model.artifactSha256().equalsIgnoreCase(wanted.getArtifactSha256())) {
                return model;
            }
        }
        return load(wanted).orElse(null);
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
        LoadedModel serving = models.get().champion();
        String keeps = serving == null ? "no model is serving yet" : serving.version() + " keeps serving";
        LOG.error("Refused model {} of pipeline {}: {}; {}", version.getVersion(), spec.pipeline(), reason, keeps);
        Map<String, String> evidence = new LinkedHashMap<>(extraEvidence);
        evidence.put("version", version.getVersion());
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
