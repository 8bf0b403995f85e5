package io.mlcycle.mlcore.registry;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The one rule, used by every service, deciding which registered version is the champion and which run as
 * challengers. Given the latest state of each version of {@code <p>.models}:
 * <ul>
 *   <li>only versions of this pipeline with a valid signature ({@link ModelSigning}) count; the others are listed as
 *       refused, with the reason;</li>
 *   <li>a version in stage REJECTED, or refused by serving ({@code MODEL_LOAD_FAILURE}, passed in as
 *       {@link #rejectionKey rejection keys}), never counts;</li>
 *   <li>the champion is the highest-numbered CHAMPION version (two can coexist for a moment while a promotion is
 *       written);</li>
 *   <li>challengers are the SHADOW and CANARY versions numbered above the champion, or put into their stage after
 *       the champion became champion (a person may stage an earlier version again, for example the pre-drift
 *       model), newest first; a challenger staged before the champion took office is stale and does not count.</li>
 * </ul>
 * Tombstones are not versions: they carry no signature, so {@link RegistryView} ignores them everywhere.
 */
public final class ChampionSelector {

    private final String pipeline;
    private final ModelSigning signing;

    public ChampionSelector(String pipeline, ModelSigning signing) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.signing = Objects.requireNonNull(signing, "signing");
    }

    public String pipeline() {
        return pipeline;
    }

    public ModelSigning signing() {
        return signing;
    }

    /** The key under which serving's refusal of one artifact of a version is remembered: {@code version@sha256}. */
    public static String rejectionKey(ModelVersion version) {
        return rejectionKey(version.getVersion(), version.getArtifactSha256());
    }

    public static String rejectionKey(String version, String artifactSha256) {
        return version + "@" + (artifactSha256 == null ? "" : artifactSha256.trim().toLowerCase(java.util.Locale.ROOT));
    }

    /** Whether a version may be considered at all: this pipeline's, and validly signed. */
    public ModelSigning.Verification admit(ModelVersion version) {
        if (version == null) {
            return new ModelSigning.Verification(false, "a tombstone is not a version");
        }
        if (!pipeline.equals(version.getPipeline())) {
            return new ModelSigning.Verification(false, "the version belongs to pipeline '" + version.getPipeline()
                    + "', not '" + pipeline + "'");
        }
        return signing.verify(version);
    }

    /** Selects among the latest states of the versions. */
    public Selection select(Collection<ModelVersion> versions, Set<String> rejectedByServing) {
        List<Refused> refused = new java.util.ArrayList<>();
        List<ModelVersion> eligible = new java.util.ArrayList<>();
        for (ModelVersion version : versions) {
            if (version == null) {
                continue;
            }
            ModelSigning.Verification verification = admit(version);
            if (!verification.valid()) {
                refused.add(new Refused(version.getVersion(), verification.reason()));
            } else if (version.getStage() == Stage.REJECTED) {
                continue;
            } else if (rejectedByServing.contains(rejectionKey(version))) {
                refused.add(new Refused(version.getVersion(), "refused by serving (MODEL_LOAD_FAILURE)"));
            } else {
                eligible.add(version);
            }
        }
        Comparator<ModelVersion> newestFirst = Comparator.comparingInt(ModelVersion::getVersionNumber).reversed();
        Optional<ModelVersion> champion = eligible.stream().filter(v -> v.getStage() == Stage.CHAMPION)
                .min(newestFirst);
        int floor = champion.map(ModelVersion::getVersionNumber).orElse(0);
        Optional<Instant> crowned = champion.map(ChampionSelector::enteredCurrentStage);
        List<ModelVersion> challengers = eligible.stream()
                .filter(v -> v.getStage() == Stage.SHADOW || v.getStage() == Stage.CANARY)
                .filter(v -> v.getVersionNumber() > floor
                        || crowned.map(at -> enteredCurrentStage(v).isAfter(at)).orElse(true))
                .sorted(newestFirst).toList();
        return new Selection(champion, challengers, List.copyOf(refused));
    }

    /** When the version entered the stage it is in: its last transition there (signed), else its update time. */
    public static Instant enteredCurrentStage(ModelVersion version) {
        List<io.mlcycle.avro.StageTransition> history = version.getHistory();
        for (int i = history.size() - 1; i >= 0; i--) {
            if (history.get(i).getToStage() == version.getStage()) {
                return history.get(i).getAt();
            }
        }
        return version.getUpdatedAt();
    }

    /** A version left out of the selection, and why. */
    public record Refused(String version, String reason) {
    }

    /**
     * The selection.
     *
     * @param champion    the version serving as champion, if any
     * @param challengers SHADOW and CANARY versions newer than the champion or staged after it took office, newest
     *                    first
     * @param refused     versions that do not count, with the reason (bad signature, refused by serving, ...)
     */
    public record Selection(Optional<ModelVersion> champion, List<ModelVersion> challengers, List<Refused> refused) {

        /** The newest challenger in stage SHADOW. */
        public Optional<ModelVersion> shadow() {
            return challengers.stream().filter(v -> v.getStage() == Stage.SHADOW).findFirst();
        }

        /** The challengers in stage SHADOW, newest first, at most {@code limit}. */
        public List<ModelVersion> shadows(int limit) {
            return challengers.stream().filter(v -> v.getStage() == Stage.SHADOW).limit(limit).toList();
        }

        /** The newest challenger in stage CANARY. */
        public Optional<ModelVersion> canary() {
            return challengers.stream().filter(v -> v.getStage() == Stage.CANARY).findFirst();
        }
    }
}
