package io.mlcycle.orchestrator;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.mlcore.registry.ChampionSelector;
import io.mlcycle.mlcore.registry.ModelSigning;
import io.mlcycle.mlcore.registry.RegistryView;
import java.util.List;
import java.util.Optional;

/**
 * The orchestrator's view of the model registry: the latest verified state of every version of one pipeline,
 * rebuilt by replaying the compacted {@code <p>.models} topic and kept current from it and from the orchestrator's
 * own writes. The rules (signatures, stale states, tombstones, champion selection) are ml-core's
 * {@link RegistryView} and {@link ChampionSelector}, the same in every service. Version numbers continue from the
 * highest verified number ever seen, so they survive restarts and a forged {@code -v999} cannot move them. Thread-safe.
 */
public final class ModelRegistry {

    private final RegistryView view;
    private final ModelSigning signing;

    public ModelRegistry(String pipeline, ModelSigning signing) {
        this.view = new RegistryView(new ChampionSelector(pipeline, signing));
        this.signing = signing;
    }

    /** The deployment's signing key: versions are verified with it, and forwarded requests signed and verified. */
    public ModelSigning signing() {
        return signing;
    }

    /** Applies one registry record ({@code value == null}: a tombstone, ignored); says what it did. */
    public RegistryView.Applied apply(String key, ModelVersion value) {
        return view.apply(key, value);
    }

    public RegistryView.Applied apply(ModelVersion value) {
        return apply(value.getVersion(), value);
    }

    /** Remembers that serving refused this artifact of the version: it no longer counts as champion. */
    public void markRejectedByServing(String version, String artifactSha256) {
        view.markRejectedByServing(version, artifactSha256);
    }

    /** The current champion, by the shared {@link ChampionSelector}. */
    public Optional<ModelVersion> champion() {
        return view.champion();
    }

    /** The current champion and challengers. */
    public ChampionSelector.Selection selection() {
        return view.selection();
    }

    /** The most recently registered version (any stage): its lineage holds the last dataset's end offsets. */
    public Optional<ModelVersion> latest() {
        return view.latest();
    }

    public Optional<ModelVersion> get(String version) {
        return view.get(version);
    }

    /** Every known version, oldest first. */
    public List<ModelVersion> all() {
        return view.all();
    }

    public boolean isEmpty() {
        return view.highestVersionNumber() == 0;
    }

    public int highestVersionNumber() {
        return view.highestVersionNumber();
    }

    /** The number the next registered version gets. */
    public int nextVersionNumber() {
        return view.highestVersionNumber() + 1;
    }

    /** The version id for a number, {@code <pipeline>-v<number>}. */
    public static String versionId(String pipeline, int number) {
        return pipeline + "-v" + number;
    }
}
