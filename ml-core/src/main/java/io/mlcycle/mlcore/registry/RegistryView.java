package io.mlcycle.mlcore.registry;

import io.mlcycle.avro.ModelVersion;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One service's view of the model registry {@code <p>.models}, with the rules every service shares: the latest
 * <em>verified</em> state of each version is kept (an unsigned or wrongly signed record never replaces it), a state
 * older than the one held (by {@code updated_at}) is ignored, and a tombstone is ignored (it carries no signature,
 * so it cannot prove who wrote it; the orchestrator answers one by republishing the version's signed state).
 * Selection is {@link ChampionSelector}'s. Thread-safe.
 */
public final class RegistryView {

    /** What applying one record did. */
    public enum Outcome {
        /** The record is the version's new state. */
        APPLIED,
        /** Older than the state held; ignored. */
        STALE,
        /** Another pipeline's record; ignored. */
        OTHER_PIPELINE,
        /** Unsigned, wrongly signed, altered, or keyed under another version's name: refused (alert-worthy). */
        REFUSED,
        /** A tombstone: ignored (alert-worthy when it names a version held). */
        TOMBSTONE_IGNORED
    }

    /** The outcome of {@link #apply}, with the reason when refused and the held state when a tombstone hit one. */
    public record Applied(Outcome outcome, String reason, Optional<ModelVersion> held) {
    }

    private final ChampionSelector selector;
    private final Map<String, ModelVersion> versions = new HashMap<>();
    private final Set<String> rejectedByServing = new HashSet<>();
    private int highestVersionNumber;

    public RegistryView(ChampionSelector selector) {
        this.selector = Objects.requireNonNull(selector, "selector");
    }

    public ChampionSelector selector() {
        return selector;
    }

    /** Applies one record of {@code <p>.models} ({@code value == null}: a tombstone). */
    public synchronized Applied apply(String key, ModelVersion value) {
        if (value == null) {
            return new Applied(Outcome.TOMBSTONE_IGNORED, "a tombstone carries no signature; the last verified state "
                    + "is kept", Optional.ofNullable(key == null ? null : versions.get(key)));
        }
        if (!selector.pipeline().equals(value.getPipeline())) {
            return new Applied(Outcome.OTHER_PIPELINE, "pipeline " + value.getPipeline(), Optional.empty());
        }
        ModelSigning.Verification verification = selector.admit(value);
        if (!verification.valid()) {
            return new Applied(Outcome.REFUSED, verification.reason(), Optional.ofNullable(versions.get(value.getVersion())));
        }
        if (key != null && !key.equals(value.getVersion())) {
            return new Applied(Outcome.REFUSED, "the record's key '" + key + "' is not its version '"
                    + value.getVersion() + "'", Optional.ofNullable(versions.get(key)));
        }
        ModelVersion known = versions.get(value.getVersion());
        if (known != null && value.getUpdatedAt().isBefore(known.getUpdatedAt())) {
            return new Applied(Outcome.STALE, "older than the state held", Optional.of(known));
        }
        versions.put(value.getVersion(), value);
        highestVersionNumber = Math.max(highestVersionNumber, value.getVersionNumber());
        return new Applied(Outcome.APPLIED, "", Optional.of(value));
    }

    /** Remembers that serving refused this artifact of a version ({@code MODEL_LOAD_FAILURE}). */
    public synchronized void markRejectedByServing(String version, String artifactSha256) {
        rejectedByServing.add(ChampionSelector.rejectionKey(version, artifactSha256));
    }

    public synchronized boolean isRejectedByServing(ModelVersion version) {
        return rejectedByServing.contains(ChampionSelector.rejectionKey(version));
    }

    /** The current selection. */
    public synchronized ChampionSelector.Selection selection() {
        return selector.select(versions.values(), Set.copyOf(rejectedByServing));
    }

    public Optional<ModelVersion> champion() {
        return selection().champion();
    }

    public synchronized Optional<ModelVersion> get(String version) {
        return Optional.ofNullable(versions.get(version));
    }

    /** The most recently registered version (any stage). */
    public synchronized Optional<ModelVersion> latest() {
        return versions.values().stream().max(Comparator.comparingInt(ModelVersion::getVersionNumber));
    }

    /** Every verified version, oldest first. */
    public synchronized List<ModelVersion> all() {
        return versions.values().stream().sorted(Comparator.comparingInt(ModelVersion::getVersionNumber)).toList();
    }

    public synchronized int highestVersionNumber() {
        return highestVersionNumber;
    }
}
