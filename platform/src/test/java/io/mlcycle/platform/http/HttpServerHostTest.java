package io.mlcycle.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpServerHostTest {

    record Event(String id, int value) {
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicBoolean ready = new AtomicBoolean(false);
    private HttpServerHost host;

    @BeforeEach
    void start() {
        host = new HttpServerHost("127.0.0.1", 0, HttpServerHost.Options.defaults("test").withMaxBodyBytes(64))
                .route("POST", "/v1/pipelines/{pipeline}/events", request -> {
                    request.requireContentType("application/json");
                    Event event = request.bodyAs(Event.class);
                    return Response.accepted(Map.of("pipeline", request.pathParam("pipeline"), "id", event.id(),
                            "dryRun", request.queryParam("dryRun").orElse("false")));
                })
                .route("GET", "/v1/boom", request -> {
                    throw new IllegalStateException("secret internal detail at com.example.Db");
                })
                .route("GET", "/v1/conflict", request -> {
                    throw HttpProblem.conflict("model_exists", "Model v3 already exists");
                })
                .route("GET", "/v1/text", request -> Response.text(200, "text/plain", "hello"))
                .readinessCheck("streams", ready::get)
                .start();
    }

    @AfterEach
    void stop() {
        host.close();
    }

    private HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(host.baseUrl() + path));
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void routesWithPathAndQueryParamsAndJsonBodies() throws Exception {
        HttpResponse<String> response = send("POST", "/v1/pipelines/fraud/events?dryRun=true", "application/json; charset=utf-8",
                "{\"id\":\"e1\",\"value\":3}");

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(json.readTree(response.body())).isEqualTo(json.readTree("{\"pipeline\":\"fraud\",\"id\":\"e1\",\"dryRun\":\"true\"}"));
        assertThat(host.port()).isPositive();
    }

    @Test
    void unknownPathIs404Json() throws Exception {
        HttpResponse<String> response = send("GET", "/nope", null, null);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json.readTree(response.body()).get("error").asText()).isEqualTo("not_found");
        assertThat(json.readTree(response.body()).get("status").asInt()).isEqualTo(404);
    }

    @Test
    void wrongMethodIs405WithAllow() throws Exception {
        HttpResponse<String> response = send("GET", "/v1/pipelines/fraud/events", null, null);

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).contains("POST");
        assertThat(json.readTree(response.body()).get("error").asText()).isEqualTo("method_not_allowed");
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        HttpResponse<String> response = send("POST", "/v1/pipelines/fraud/events", "application/json",
                "{\"id\":\"" + "x".repeat(100) + "\",\"value\":1}");

        assertThat(response.statusCode()).isEqualTo(413);
        JsonNode body = json.readTree(response.body());
        assertThat(body.get("error").asText()).isEqualTo("payload_too_large");
        assertThat(body.get("message").asText()).contains("64 bytes");
    }

    @Test
    void wrongContentTypeIs415AndBadJsonIs400() throws Exception {
        HttpResponse<String> wrongType = send("POST", "/v1/pipelines/fraud/events", "text/csv", "a,b");
        HttpResponse<String> badJson = send("POST", "/v1/pipelines/fraud/events", "application/json", "{\"id\":");

        assertThat(wrongType.statusCode()).isEqualTo(415);
        assertThat(json.readTree(wrongType.body()).get("message").asText()).contains("text/csv").contains("application/json");
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(json.readTree(badJson.body()).get("error").asText()).isEqualTo("invalid_json");
    }

    @Test
    void unexpectedExceptionIs500WithoutInternals() throws Exception {
        HttpResponse<String> response = send("GET", "/v1/boom", null, null);

        assertThat(response.statusCode()).isEqualTo(500);
        JsonNode body = json.readTree(response.body());
        assertThat(body.get("error").asText()).isEqualTo("internal_error");
        assertThat(response.body()).doesNotContain("secret").doesNotContain("IllegalStateException")
                .doesNotContain("com.example").doesNotContain("\tat ");
    }

    @Test
    void httpProblemBecomesItsStatusAndCode() throws Exception {
        HttpResponse<String> response = send("GET", "/v1/conflict", null, null);

        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(json.readTree(response.body())).isEqualTo(json.readTree(
                "{\"error\":\"model_exists\",\"message\":\"Model v3 already exists\",\"status\":409}"));
    }

    @Test
    void textResponsesKeepTheirContentType() throws Exception {
        HttpResponse<String> response = send("GET", "/v1/text", null, null);

        assertThat(response.body()).isEqualTo("hello");
        assertThat(response.headers().firstValue("Content-Type")).contains("text/plain");
    }

    @Test
    void healthLiveAndReadyFollowTheChecks() throws Exception {
        HttpResponse<String> live = send("GET", "/health/live", null, null);
        HttpResponse<String> notReady = send("GET", "/health/ready", null, null);
        ready.set(true);
        HttpResponse<String> nowReady = send("GET", "/health/ready", null, null);

        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(json.readTree(live.body()).get("status").asText()).isEqualTo("UP");
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(json.readTree(notReady.body())).isEqualTo(json.readTree("{\"status\":\"DOWN\",\"checks\":{\"streams\":\"DOWN\"}}"));
        assertThat(nowReady.statusCode()).isEqualTo(200);
        assertThat(json.readTree(nowReady.body()).get("checks").get("streams").asText()).isEqualTo("UP");
    }

    @Test
    void metricsArePrometheusTextWithRouteTimersAndJvmMetrics() throws Exception {
        send("GET", "/health/live", null, null);
        send("GET", "/nope", null, null);
        host.meterRegistry().counter("mlcycle.test.events").increment(3);

        HttpResponse<String> response = send("GET", "/metrics", null, null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(response.body())
                .contains("http_server_requests_seconds_count{")
                .contains("route=\"/health/live\"")
                .contains("route=\"unmatched\"")
                .contains("service=\"test\"")
                .contains("jvm_memory_used_bytes")
                .contains("mlcycle_test_events_total{service=\"test\"} 3.0");
    }
}
