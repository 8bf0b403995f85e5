package io.mlcycle.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.avro.DecisionKind;
import io.mlcycle.avro.GateCheck;
import io.mlcycle.avro.Lineage;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OffsetRange;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageDecision;
import io.mlcycle.avro.StageTransition;
import io.mlcycle.avro.TrainingRun;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.mlcore.registry.ChampionSelector;
import io.mlcycle.mlcore.spec.CanarySpec;
import io.mlcycle.platform.http.AdminTokens;
import io.mlcycle.platform.http.HttpProblem;
import io.mlcycle.platform.http.Request;
import io.mlcycle.platform.http.Response;
import io.mlcycle.platform.lifecycle.EventIds;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.KafkaException;

/**
 * The orchestrator's HTTP API (JSON): request a retrain, list model versions, show one version's lineage and gate
 * report (never the artifact bytes), list recent runs, change stages by hand. Handlers answer 4xx with a JSON problem,
 * never a stack trace. On a standby instance (another one owns the pipeline) a promote, rollback or stage change is
 * checked on this instance's view of the registry and forwarded to the owner through {@code <p>.models.decisions}
 * ({@link Forwarding}): 202 with the request id, which the applied transitions name and whose outcome (pending,
 * applied, refused and why) {@code GET .../requests/{id}} answers on any instance ({@link ForwardedRequests}).
 */
final class OrchestratorHttp {

    static final String RETRAIN = "/v1/pipelines/{pipeline}/retrain";
    static final String MODELS = "/v1/pipelines/{pipeline}/models";
    static final String MODEL = "/v1/pipelines/{pipeline}/models/{version}";
    static final String RUNS = "/v1/pipelines/{pipeline}/runs";
    static final String PROMOTE = "/v1/pipelines/{pipeline}/models/{version}/promote";
    static final String ROLLBACK = "/v1/pipelines/{pipeline}/rollback";
    static final String STAGE = "/v1/pipelines/{pipeline}/models/{version}/stage";
    static final String REQUEST = "/v1/pipelines/{pipeline}/requests/{id}";

    private static final int MAX_TEXT = 1000;

    private final String pipeline;
    private final TrainingCoordinator coordinator;
    private final ModelRegistry registry;
    private final RunTracker runs;
    private final AdminTokens admins;
    private final RegistryGuard guard;
    private final CanarySpec policy;
    private final RegistryWrites registryWrites;
    private final Forwarding forwarding;
    private final ForwardedRequests requests;

    /**
     * Plans a registry update from the registry's current state and signs, writes (one transaction) and applies it,
     * planning and writing under the registry writer's lock, so that no stage decision or run is applied between
     * them; returns the update written, throws if it was not stored.
     */
    interface RegistryWrites {
        StagePlanner.RegistryUpdate planAndWrite(java.util.function.Supplier<StagePlanner.RegistryUpdate> planner);
    }

    /** How a standby instance hands a person's promote, rollback or stage change to the pipeline's owner. */
    interface Forwarding {
        /** Whether this instance owns the pipeline now (then it writes the registry itself). */
        boolean owns();

        /** Whether this instance's view of the registry is complete (replayed), so that requests can be checked. */
        boolean registryReplayed();

        /** This instance's id, recorded in a forwarded request. */
        String instance();

        /** Publishes the request for the owner and waits for the broker; throws a KafkaException if not stored. */
        void forward(StageDecision request);
    }

    /** Every instance writes the registry itself (no standby): for tests of one instance. */
    static final Forwarding OWNER_ONLY = new Forwarding() {
        @Override
        public boolean owns() {
            return true;
        }

        @Override
        public boolean registryReplayed() {
            return true;
        }

        @Override
        public String instance() {
            return "owner";
        }

        @Override
        public void forward(StageDecision request) {
            throw new IllegalStateException("no standby forwarding");
        }
    };

    OrchestratorHttp(String pipeline, TrainingCoordinator coordinator, ModelRegistry registry, RunTracker runs,
                     AdminTokens admins, RegistryGuard guard, CanarySpec policy, ForwardedRequests requests,
                     RegistryWrites registryWrites) {
        this(pipeline, coordinator, registry, runs, admins, guard, policy, requests, registryWrites, OWNER_ONLY);
    }

    OrchestratorHttp(String pipeline, TrainingCoordinator coordinator, ModelRegistry registry, RunTracker runs,
                     AdminTokens admins, RegistryGuard guard, CanarySpec policy, ForwardedRequests requests,
                     RegistryWrites registryWrites, Forwarding forwarding) {
        this.forwarding = Objects.requireNonNull(forwarding, "forwarding");
        this.requests = Objects.requireNonNull(requests, "requests");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.admins = Objects.requireNonNull(admins, "admins");
        this.guard = Objects.requireNonNull(guard, "guard");
        this.registryWrites = Objects.requireNonNull(registryWrites, "registryWrites");
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.runs = Objects.requireNonNull(runs, "runs");
    }

    /**
     * {@code POST /v1/pipelines/{p}/retrain} {"reason": "..."} with an admin bearer token -> 202 with the trigger id.
     * Who asked is the token's principal. While a manual request is still waiting to start, further requests join it
     * ({@code "coalesced": true}, same trigger id): a burst of requests gives one run, not one per request.
     */
    Response retrain(Request request) {
        requirePipeline(request);
        String requestedBy = admins.authenticate(request);
        String reason = "manual retrain";
        String reproduce = null;
        if (request.bodyLength() > 0) {
            request.requireContentType("application/json");
            JsonNode body = request.bodyAs(JsonNode.class);
            if (!body.isObject()) {
                throw HttpProblem.badRequest("invalid_request", "The body must be a JSON object like "
                        + "{\"reason\": \"...\"} or {\"reproduce\": \"<version>\"}");
            }
            reason = text(body, "reason", reason);
            reproduce = text(body, "reproduce", null);
        }
        if (reproduce != null) {
            if (registry.get(reproduce).isEmpty()) {
                throw HttpProblem.notFound("Pipeline '" + pipeline + "' has no model version '" + reproduce + "'");
            }
            TrainingTrigger trigger;
            try {
                trigger = coordinator.requestReproduction(reproduce, requestedBy);
            } catch (KafkaException e) {
                throw HttpProblem.unavailable("The trigger could not be stored in Kafka: " + e.getMessage());
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("trigger_id", trigger.getTriggerId());
            body.put("pipeline", pipeline);
            body.put("reason", "REPRODUCE");
            body.put("reproduce_version", reproduce);
            body.put("requested_by", requestedBy);
            body.put("status", "accepted");
            return Response.accepted(body);
        }
        TrainingCoordinator.ManualRequest manual;
        try {
            manual = coordinator.requestManual(reason, requestedBy);
        } catch (KafkaException e) {
            throw HttpProblem.unavailable("The trigger could not be stored in Kafka: " + e.getMessage());
        }
        TrainingTrigger trigger = manual.trigger();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("trigger_id", trigger.getTriggerId());
        body.put("pipeline", pipeline);
        body.put("reason", "MANUAL");
        body.put("note", trigger.getNote());
        body.put("requested_by", trigger.getRequestedBy());
        body.put("status", "accepted");
        body.put("coalesced", manual.coalesced());
        return Response.accepted(body);
    }

    /** {@code GET /v1/pipelines/{p}/models}: every version with stage and key metrics, newest first. */
    Response models(Request request) {
        requirePipeline(request);
        List<Map<String, Object>> versions = registry.all().stream()
                .sorted((a, b) -> Integer.compare(b.getVersionNumber(), a.getVersionNumber()))
                .map(OrchestratorHttp::summary)
                .toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("pipeline", pipeline);
        body.put("champion", registry.champion().map(ModelVersion::getVersion).orElse(null));
        body.put("versions", versions);
        return Response.ok(body);
    }

    /** {@code GET /v1/pipelines/{p}/models/{version}}: lineage, metrics, gate report and history. */
    Response model(Request request) {
        requirePipeline(request);
        String version = request.pathParam("version");
        ModelVersion model = registry.get(version)
                .orElseThrow(() -> HttpProblem.notFound("Pipeline '" + pipeline + "' has no model version '"
                        + version + "'"));
        Map<String, Object> body = summary(model);
        body.put("artifact_format", model.getArtifactFormat());
        body.put("artifact_sha256", model.getArtifactSha256());
        body.put("artifact_size_bytes", model.getArtifactSizeBytes());
        body.put("decision_threshold", model.getDecisionThreshold());
        body.put("baseline_metrics", new TreeMap<>(model.getBaselineMetrics()));
        body.put("champion_metrics", model.getChampionMetrics() == null ? null
                : new TreeMap<>(model.getChampionMetrics()));
        body.put("slice_metrics", new TreeMap<>(model.getSliceMetrics()));
        body.put("gate_report", model.getGateReport().stream().map(OrchestratorHttp::gate).toList());
        body.put("lineage", lineage(model.getLineage()));
        body.put("history", model.getHistory().stream().map(OrchestratorHttp::transition).toList());
        body.put("reference_profile_records", model.getReferenceProfile().getRecordCount());
        body.put("reference_profile_features", model.getReferenceProfile().getFeatures().size());
        return Response.ok(body);
    }

    /**
     * {@code POST /v1/pipelines/{p}/models/{version}/promote} {"reason": "..."} with an admin token: 200 with the
     * changes on the owner, 202 with a request id on a standby ({@link #forward}).
     */
    Response promote(Request request) {
        requirePipeline(request);
        String by = admins.authenticate(request);
        String reason = reason(request, "promoted by hand");
        String version = request.pathParam("version");
        java.util.function.Supplier<StagePlanner.RegistryUpdate> planner = () -> {
            ModelVersion model = existing(version);
            try {
                return StagePlanner.promote(model, registry.champion(), registry.selection().refused().stream()
                        .anyMatch(r -> r.version().equals(version)), by, reason, Instant.now());
            } catch (IllegalArgumentException e) {
                throw HttpProblem.conflict("invalid_transition", e.getMessage());
            }
        };
        if (!forwarding.owns()) {
            return forward(planner, DecisionKind.PROMOTE, Stage.CHAMPION, () -> existing(version), by, reason);
        }
        return stageChange(planner, by);
    }

    /**
     * {@code POST /v1/pipelines/{p}/models/{version}/stage} {"stage": "CANARY", "SHADOW" or "RETIRED", "reason": "..."}
     * with an admin token: the version becomes a challenger of the champion and online evidence decides it
     * ({@link StagePlanner#challenge}), or a challenger is withdrawn ({@link StagePlanner#withdraw}). 200 with the
     * changes on the owner, 202 with a request id on a standby ({@link #forward}).
     */
    Response stage(Request request) {
        requirePipeline(request);
        String by = admins.authenticate(request);
        request.requireContentType("application/json");
        JsonNode body = request.bodyAs(JsonNode.class);
        if (!body.isObject() || !body.path("stage").isTextual()) {
            throw HttpProblem.badRequest("invalid_request", "The body must be a JSON object like "
                    + "{\"stage\": \"CANARY\", \"reason\": \"...\"} (CANARY, SHADOW or RETIRED)");
        }
        String requested = body.get("stage").asText().toUpperCase(java.util.Locale.ROOT);
        Stage stage = switch (requested) {
            case "CANARY" -> Stage.CANARY;
            case "SHADOW" -> Stage.SHADOW;
            case "RETIRED" -> Stage.RETIRED;
            default -> throw HttpProblem.badRequest("invalid_stage", "stage must be CANARY, SHADOW or RETIRED, not '"
                    + (requested.length() > 40 ? requested.substring(0, 40) + "..." : requested)
                    + "' (promote makes a champion)");
        };
        String reason = text(body, "reason", "put into " + stage + " by hand");
        String version = request.pathParam("version");
        java.util.function.Supplier<StagePlanner.RegistryUpdate> planner = () -> {
            ModelVersion model = existing(version);
            try {
                ChampionSelector.Selection selection = registry.selection();
                return stage == Stage.RETIRED ? StagePlanner.withdraw(model, by, reason, Instant.now())
                        : StagePlanner.challenge(model, stage, selection, selection.refused().stream()
                        .anyMatch(r -> r.version().equals(version)), policy, by, reason, Instant.now());
            } catch (IllegalArgumentException e) {
                throw HttpProblem.conflict("invalid_transition", e.getMessage());
            }
        };
        if (!forwarding.owns()) {
            return forward(planner, DecisionKind.STAGE, stage, () -> existing(version), by, reason);
        }
        return stageChange(planner, by);
    }

    /**
     * {@code POST /v1/pipelines/{p}/rollback} {"reason": "..."} with an admin token: the previous champion again (200
     * on the owner, 202 with a request id on a standby).
     */
    Response rollback(Request request) {
        requirePipeline(request);
        String by = admins.authenticate(request);
        String reason = reason(request, "rolled back by hand");
        java.util.function.Supplier<StagePlanner.RegistryUpdate> planner = () -> {
            Optional<ModelVersion> champion = registry.champion();
            try {
                return StagePlanner.rollback(champion, champion.flatMap(guard::previousChampion), by, reason,
                        Instant.now());
            } catch (IllegalArgumentException e) {
                throw HttpProblem.conflict("invalid_transition", e.getMessage());
            }
        };
        if (!forwarding.owns()) {
            return forward(planner, DecisionKind.ROLLBACK, Stage.RETIRED, () -> registry.champion().orElseThrow(() ->
                    HttpProblem.conflict("invalid_transition", "there is no champion to roll back")), by, reason);
        }
        return stageChange(planner, by);
    }

    /**
     * On a standby: the owner's checks on this instance's view of the registry (404 for an unknown version, 409 for
     * a transition that makes no sense), then the request is published for the owner, which plans it again on its
     * own state and applies it if the registry is still as seen here ({@link StageDecisions#forwarded}). This view
     * follows {@code <p>.models} and may lag behind the owner's by a poll; a change not yet visible here makes the
     * owner refuse the request as stale rather than apply it to a state nobody saw.
     */
    private Response forward(java.util.function.Supplier<StagePlanner.RegistryUpdate> planner, DecisionKind kind,
                             Stage to, java.util.function.Supplier<ModelVersion> subject, String by, String reason) {
        if (!forwarding.registryReplayed()) {
            throw HttpProblem.unavailable("This orchestrator instance stands by and has not read the registry of "
                    + "pipeline '" + pipeline + "' yet; retry shortly");
        }
        ModelVersion version = subject.get();
        Optional<ModelVersion> champion = registry.champion();
        StagePlanner.RegistryUpdate expected = planner.get();
        String requestId = EventIds.newTimeOrderedId();
        StageDecision forwarded = registry.signing().sign(StageDecisions.forwarded(requestId, pipeline, kind, version,
                to, champion, by, reason, forwarding.instance(), Instant.now()));
        try {
            forwarding.forward(forwarded);
        } catch (KafkaException e) {
            throw HttpProblem.unavailable("The request could not be stored in Kafka for the owner: " + e.getMessage());
        }
        // known here at once: a GET right after this answer says pending, not unknown
        requests.forwarded(forwarded);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("request_id", requestId);
        body.put("pipeline", pipeline);
        body.put("by", by);
        body.put("status", "forwarded");
        body.put("note", "this instance stands by: the instance that owns the pipeline applies the request if the "
                + "registry is still as seen here (champion " + champion.map(ModelVersion::getVersion).orElse("none")
                + ", " + version.getVersion() + " " + version.getStage() + "); the applied changes name the "
                + "request id in their reason; the owner answers the request (applied, or refused and why): "
                + "GET the request_url on any orchestrator instance, or mlcycle models request " + requestId);
        body.put("expected_changes", expected.versions().stream().map(v -> Map.of("version", v.getVersion(), "stage",
                v.getStage().name())).toList());
        body.put("follow", "/v1/pipelines/" + pipeline + "/models/" + expected.versions().stream()
                .filter(v -> v.getStage() == Stage.CHAMPION).map(ModelVersion::getVersion).findFirst()
                .orElse(version.getVersion()));
        body.put("request_url", "/v1/pipelines/" + pipeline + "/requests/" + requestId);
        return Response.accepted(body);
    }

    private ModelVersion existing(String version) {
        return registry.get(version).orElseThrow(() -> HttpProblem.notFound("Pipeline '" + pipeline
                + "' has no model version '" + version + "'"));
    }

    private Response stageChange(java.util.function.Supplier<StagePlanner.RegistryUpdate> planner, String by) {
        StagePlanner.RegistryUpdate update;
        try {
            update = registryWrites.planAndWrite(planner);
        } catch (KafkaException | IllegalStateException e) {
            throw HttpProblem.unavailable("The registry update could not be stored in Kafka: " + e.getMessage());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("pipeline", pipeline);
        body.put("by", by);
        body.put("changes", update.versions().stream().map(v -> Map.of("version", v.getVersion(), "stage",
                v.getStage().name())).toList());
        body.put("champion", registry.champion().map(ModelVersion::getVersion).orElse(null));
        return Response.ok(body);
    }

    private static String reason(Request request, String fallback) {
        if (request.bodyLength() == 0) {
            return fallback;
        }
        request.requireContentType("application/json");
        JsonNode body = request.bodyAs(JsonNode.class);
        if (!body.isObject()) {
            throw HttpProblem.badRequest("invalid_request", "The body must be a JSON object like {\"reason\": \"...\"}");
        }
        return text(body, "reason", fallback);
    }

    /**
     * {@code GET /v1/pipelines/{p}/requests/{id}}: what became of a promote, rollback or stage change a standby
     * forwarded (202 with that id): pending, applied, or refused with the owner's reason. Any instance answers (each
     * follows the owner's answers on {@code <p>.models.decisions}); 404 for an id no instance forwarded, or one
     * forgotten (only the {@value ForwardedRequests#MAX_REQUESTS} latest are kept).
     */
    Response request(Request request) {
        requirePipeline(request);
        String id = request.pathParam("id");
        return requests.get(id).map(entry -> Response.ok(requests.view(entry, Instant.now(),
                        entry.pending() && StageDecisions.appliedInRegistry(registry, entry.requestId()))))
                .orElseThrow(() -> HttpProblem.notFound("Pipeline '" + pipeline + "' has no forwarded request '"
                        + (id.length() > 80 ? id.substring(0, 80) + "..." : id) + "' known to this instance (a "
                        + "request made on the owner is applied at once and answered in its own response; only the "
                        + ForwardedRequests.MAX_REQUESTS + " latest forwarded requests are kept)"));
    }

    /** {@code GET /v1/pipelines/{p}/runs}: recent runs handled by this instance, newest first. */
    Response runs(Request request) {
        requirePipeline(request);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("pipeline", pipeline);
        body.put("runs", runs.recent().stream().map(OrchestratorHttp::run).toList());
        return Response.ok(body);
    }

    private void requirePipeline(Request request) {
        String requested = request.pathParam("pipeline");
        if (!pipeline.equals(requested)) {
            throw HttpProblem.notFound("Unknown pipeline '" + requested + "'; this orchestrator serves '"
                    + pipeline + "'");
        }
    }

    private static String text(JsonNode body, String field, String fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isTextual()) {
            throw HttpProblem.badRequest("invalid_request", "Field '" + field + "' must be a string");
        }
        String value = node.asText().trim();
        if (value.length() > MAX_TEXT) {
            throw HttpProblem.badRequest("invalid_request", "Field '" + field + "' is longer than " + MAX_TEXT
                    + " characters");
        }
        return value.isEmpty() ? fallback : value;
    }

    static Map<String, Object> summary(ModelVersion model) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("version", model.getVersion());
        view.put("version_number", model.getVersionNumber());
        view.put("stage", model.getStage().name());
        view.put("gates_passed", model.getGatesPassed());
        view.put("offline_metrics", new TreeMap<>(model.getOfflineMetrics()));
        view.put("trigger_reason", model.getLineage().getTriggerReason().name());
        view.put("parent_version", model.getLineage().getParentVersion());
        view.put("created_at", time(model.getCreatedAt()));
        view.put("updated_at", time(model.getUpdatedAt()));
        return view;
    }

    static Map<String, Object> lineage(Lineage lineage) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("dataset", lineage.getDataset().stream().map(OrchestratorHttp::range).toList());
        view.put("schema_ids", new TreeMap<>(lineage.getSchemaIds()));
        view.put("spec_sha256", lineage.getSpecSha256());
        view.put("code_version", lineage.getCodeVersion());
        view.put("trainer", lineage.getTrainer());
        view.put("hyperparameters", new TreeMap<>(lineage.getHyperparameters()));
        view.put("seed", lineage.getSeed());
        view.put("trained_at", time(lineage.getTrainedAt()));
        view.put("training_duration_ms", lineage.getTrainingDurationMs());
        view.put("run_id", lineage.getRunId());
        view.put("trigger_id", lineage.getTriggerId());
        view.put("trigger_reason", lineage.getTriggerReason().name());
        view.put("train_examples", lineage.getTrainExamples());
        view.put("holdout_examples", lineage.getHoldoutExamples());
        view.put("holdout_start_event_time", lineage.getHoldoutStartEventTime() == null ? null
                : time(Instant.ofEpochMilli(lineage.getHoldoutStartEventTime())));
        view.put("parent_version", lineage.getParentVersion());
        return view;
    }

    static Map<String, Object> run(TrainingRun run) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("run_id", run.getRunId());
        view.put("trigger_id", run.getTriggerId());
        view.put("trigger_reason", run.getTriggerReason().name());
        view.put("status", run.getStatus().name());
        view.put("progress", run.getProgress());
        view.put("message", run.getMessage());
        view.put("dataset", run.getDataset().stream().map(OrchestratorHttp::range).toList());
        view.put("train_examples", run.getTrainExamples());
        view.put("holdout_examples", run.getHoldoutExamples());
        view.put("metrics", new TreeMap<>(run.getMetrics()));
        view.put("gates", run.getGates().stream().map(OrchestratorHttp::gate).toList());
        view.put("model_version", run.getModelVersion());
        view.put("started_at", time(run.getStartedAt()));
        view.put("updated_at", time(run.getUpdatedAt()));
        return view;
    }

    private static Map<String, Object> range(OffsetRange range) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("topic", range.getTopic());
        view.put("partition", range.getPartition());
        view.put("start_offset", range.getStartOffset());
        view.put("end_offset", range.getEndOffset());
        return view;
    }

    private static Map<String, Object> gate(GateCheck gate) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", gate.getName());
        view.put("value", gate.getValue());
        view.put("threshold", gate.getThreshold());
        view.put("passed", gate.getPassed());
        view.put("explanation", gate.getExplanation());
        return view;
    }

    private static Map<String, Object> transition(StageTransition transition) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("from", transition.getFromStage() == null ? null : transition.getFromStage().name());
        view.put("to", transition.getToStage().name());
        view.put("at", time(transition.getAt()));
        view.put("by", transition.getBy());
        view.put("reason", transition.getReason());
        return view;
    }

    private static String time(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
