package io.mlcycle.cli.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.platform.http.AdminTokens;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** The orchestrator's HTTP API as the CLI uses it: JSON in and out, one-line errors. */
final class OrchestratorClient {

    /** Environment variable holding the admin token for state-changing calls. */
    static final String TOKEN_ENV = "MLCYCLE_ADMIN_TOKEN";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final String pipeline;
    private final String token;

    OrchestratorClient(String url, String pipeline, String token) {
        this.base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        this.pipeline = pipeline;
        String fromEnv = System.getenv(TOKEN_ENV);
        this.token = token != null ? token : fromEnv != null && !fromEnv.isBlank() ? fromEnv : AdminTokens.DEV_TOKEN;
    }

    JsonNode get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), false);
    }

    /** {@link #get}, with a 404 as empty rather than an error: for a resource that may not be known yet. */
    java.util.Optional<JsonNode> getIfFound(String path) {
        return java.util.Optional.ofNullable(send(HttpRequest.newBuilder(uri(path)).GET(), true));
    }

    JsonNode post(String path, Map<String, Object> body) {
        try {
            return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))), false);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the request: " + e.getMessage(), e);
        }
    }

    private URI uri(String path) {
        return URI.create(base + "/v1/pipelines/" + pipeline + path);
    }

    /** @param notFoundIsNull whether a 404 answers null instead of failing */
    private JsonNode send(HttpRequest.Builder request, boolean notFoundIsNull) {
        HttpResponse<String> response;
        try {
            response = http.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IllegalStateException("the orchestrator at " + base + " is not reachable (is the stack up? "
                    + "--url sets its address)");
        } catch (IOException e) {
            throw new IllegalStateException("calling the orchestrator at " + base + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
        if (notFoundIsNull && response.statusCode() == 404) {
            return null;
        }
        JsonNode body;
        try {
            body = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("the orchestrator answered " + response.statusCode()
                    + " with a body that is not JSON");
        }
        if (response.statusCode() >= 400) {
            String message = body.path("message").asText("HTTP " + response.statusCode());
            String hint = response.statusCode() == 401 || response.statusCode() == 403
                    ? " (set the admin token with --token or " + TOKEN_ENV + ")" : "";
            throw new IllegalStateException(message + hint);
        }
        return body;
    }
}
