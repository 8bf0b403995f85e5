package io.mlcycle.orchestrator;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Severity;
import io.mlcycle.avro.Stage;
import io.mlcycle.mlcore.registry.ChampionSelector;
import io.mlcycle.mlcore.registry.RegistryView;
import io.mlcycle.platform.lifecycle.EventIds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Keeps {@code <p>.models} trustworthy from the orchestrator's side. A record the {@link ModelRegistry} refuses (unsigned,
 * wrongly signed) or a tombstone that lands on a version the orchestrator holds makes that key "tainted": the topic's
 * latest value is no longer the version's signed state, and other services (and compaction) would see it. The guard
 * plans the repair — the held signed state written again — and a CRITICAL alert naming what was refused and why.
 * It also turns serving's refusals ({@code MODEL_LOAD_FAILURE} for an artifact the registry holds) into a REJECTED
 * stage, rolling the champion back to the previous one when the refused version was the champion.
 *
 * <p>Pure decisions: the service writes the updates through the {@link ModelRegistryWriter}. Used from the control
 * loop only.
 */
final class RegistryGuard {

    private final String pipeline;
    private final ModelRegistry registry;
    private final Map<String, String> tainted = new LinkedHashMap<>();

    RegistryGuard(String pipeline, ModelRegistry registry) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Applies one registry record to the registry and returns the alert it deserves, if any. Alerts are only raised
     * when {@code live} (not while replaying history, which would raise them again at every start).
     */
    Optional<Alert> onRecord(String key, ModelVersion value, boolean live, Instant now) {
        RegistryView.Applied applied = registry.apply(key, value);
        switch (applied.outcome()) {
            case APPLIED -> {
                tainted.remove(applied.held().map(ModelVersion::getVersion).orElse(key));
                return Optional.empty();
            }
            case REFUSED, TOMBSTONE_IGNORED -> {
                String subject = value != null ? value.getVersion() : key;
                String what = value == null ? "a tombstone for " + key : "version " + subject
                        + (key != null && !key.equals(subject) ? " (under key " + key + ")" : "");
                applied.held().ifPresent(held -> tainted.put(held.getVersion(), applied.reason()));
                if (!live) {
                    return Optional.empty();
                }
                String action = applied.held().map(h -> "; the signed state of " + h.getVersion()
                        + " is being written again").orElse("; it is ignored by every service");
                Map<String, String> evidence = new LinkedHashMap<>();
                evidence.put("key", String.valueOf(key));
                evidence.put("reason", applied.reason());
                return Optional.of(alert(AlertType.MODEL_LOAD_FAILURE, Severity.CRITICAL, subject,
                        "Refused " + what + " on " + pipeline + ".models: " + applied.reason() + action, evidence,
                        now));
            }
            default -> {
                return Optional.empty();
            }
        }
    }

    /** The repairs due: each tainted version's held signed state, to be written again. */
    List<ModelVersion> repairs() {
        List<ModelVersion> out = new ArrayList<>();
        for (String version : tainted.keySet()) {
            registry.get(version).ifPresent(out::add);
        }
        return out;
    }

    /** Marks a repair as written (the record coming back through the topic also clears it). */
    void repaired(String version) {
        tainted.remove(version);
    }

    /**
     * Handles an alert from {@code <p>.monitoring.alerts}: a MODEL_LOAD_FAILURE raised by another service for a
     * verified version whose artifact digest it names ({@code artifact_sha256}) marks that version REJECTED; if it
     * was the champion, the most recent retired version that once was champion takes its place.
     */
    Optional<StagePlanner.RegistryUpdate> onAlert(Alert alert, Instant now) {
        if (alert == null || alert.getType() != AlertType.MODEL_LOAD_FAILURE
                || StagePlanner.ACTOR.equals(alert.getSourceService()) || alert.getSubject() == null) {
            return Optional.empty();
        }
        String sha = alert.getEvidence().get("artifact_sha256");
        if ("signature".equals(alert.getEvidence().get("refusal"))) {
            // a record that failed verification is not the version the registry holds: nothing to reject
            return Optional.empty();
        }
        Optional<ModelVersion> held = registry.get(alert.getSubject());
        if (sha == null || held.isEmpty() || held.get().getStage() == Stage.REJECTED
                || !ChampionSelector.rejectionKey(held.get()).equals(ChampionSelector.rejectionKey(held.get()
                .getVersion(), sha))) {
            return Optional.empty();
        }
        ModelVersion version = held.get();
        registry.markRejectedByServing(version.getVersion(), sha);
        String by = alert.getSourceService();
        List<ModelVersion> writes = new ArrayList<>();
        writes.add(StagePlanner.transition(version, Stage.REJECTED, now, by,
                "refused by " + by + ": " + alert.getMessage()));
        if (version.getStage() == Stage.CHAMPION) {
            previousChampion(version).ifPresent(previous -> writes.add(StagePlanner.transition(previous,
                    Stage.CHAMPION, now, StagePlanner.ACTOR, "rollback: " + version.getVersion()
                            + " was refused by " + by)));
        }
        return Optional.of(new StagePlanner.RegistryUpdate(writes, Optional.empty()));
    }

    /** The newest RETIRED version, older than {@code version}, that was champion once and passed its gates. */
    Optional<ModelVersion> previousChampion(ModelVersion version) {
        return registry.all().stream()
                .filter(v -> v.getVersionNumber() < version.getVersionNumber())
                .filter(v -> v.getStage() == Stage.RETIRED && v.getGatesPassed())
                .filter(v -> v.getHistory().stream().anyMatch(t -> t.getToStage() == Stage.CHAMPION))
                .max(Comparator.comparingInt(ModelVersion::getVersionNumber));
    }

    private Alert alert(AlertType type, Severity severity, String subject, String message,
                        Map<String, String> evidence, Instant now) {
        return Alert.newBuilder().setAlertId(EventIds.newTimeOrderedId()).setPipeline(pipeline).setType(type)
                .setSeverity(severity).setSourceService(StagePlanner.ACTOR).setSubject(subject).setMessage(message)
                .setEvidence(evidence).setRaisedAt(now).build();
    }
}
