package io.mlcycle.serving;

import io.mlcycle.platform.http.Handler;
import io.mlcycle.platform.http.HttpProblem;
import io.mlcycle.platform.http.Request;
import io.mlcycle.platform.http.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * {@code GET /v1/pipelines/{pipeline}/model}: the champion serving now, with the canary and shadows when there are
 * any, or 404 {@code no_model}.
 */
public final class ModelHandler implements Handler {
    private final String pipeline;
    private final ModelSource models;

    public ModelHandler(String pipeline, Supplier<Optional<LoadedModel>> champion) {
        this(pipeline, ModelSource.championOnly(champion));
    }

    public ModelHandler(String pipeline, ModelSource models) {
        this.pipeline = pipeline;
        this.models = models;
    }

    @Override
    public Response handle(Request request) {
        HttpRequests.requirePipeline(request, pipeline);
        ServingModels serving = models.models();
        LoadedModel model = serving.championModel().orElseThrow(() -> new HttpProblem(404, "no_model",
                "Pipeline '" + pipeline + "' has no champion model loaded yet"));
        Map<String, Object> body = describe(model, "CHAMPION");
        if (serving.canary() != null) {
            body.put("canary", describe(serving.canary(), "CANARY"));
        }
        if (!serving.shadows().isEmpty()) {
            body.put("shadows", serving.shadows().stream().map(m -> describe(m, "SHADOW")).toList());
        }
        return Response.ok(body);
    }

    private Map<String, Object> describe(LoadedModel model, String variant) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("pipeline", pipeline);
        body.put("variant", variant);
        body.put("version", model.version());
        body.put("version_number", model.versionNumber());
        body.put("artifact_format", model.artifactFormat());
        body.put("sha256", model.artifactSha256());
        body.put("loaded_at", model.loadedAt().toString());
        body.put("threshold", model.threshold());
        body.put("offline_metrics", new TreeMap<>(model.offlineMetrics()));
        return body;
    }
}
