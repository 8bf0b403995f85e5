package io.mlcycle.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link HttpServerHost#routeInline}: small bodies answered on the event loop, larger ones on a worker. */
class HttpServerHostInlineRouteTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private HttpServerHost host;
    private final java.util.concurrent.atomic.AtomicInteger limit = new java.util.concurrent.atomic.AtomicInteger(16);

    @BeforeEach
    void start() {
        host = new HttpServerHost("127.0.0.1", 0, HttpServerHost.Options.defaults("test"))
                .routeInline("POST", "/v1/where", request -> Response.ok(Map.of("thread",
                        Thread.currentThread().getName(), "bytes", request.bodyLength())), 16)
                .routeInline("POST", "/v1/varies", request -> Response.ok(Map.of("thread",
                        Thread.currentThread().getName())), limit::get)
                .routeInline("POST", "/v1/fails", request -> {
                    throw HttpProblem.badRequest("bad", "refused on purpose");
                }, 1024)
                .start();
    }

    @AfterEach
    void stop() {
        host.close();
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(host.baseUrl() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSmallBodyIsAnsweredOnTheEventLoopALargerOneOnAWorker() throws Exception {
        HttpResponse<String> small = post("/v1/where", "x".repeat(16));
        HttpResponse<String> large = post("/v1/where", "x".repeat(17));

        assertThat(small.statusCode()).isEqualTo(200);
        assertThat(small.body()).contains("vert.x-eventloop-thread").contains("\"bytes\":16");
        assertThat(large.statusCode()).isEqualTo(200);
        assertThat(large.body()).contains("\"thread\":\"test-http-").contains("\"bytes\":17");
    }

    @Test
    void aLimitReadPerRequestDecidesEachRequestAsItIsThen() throws Exception {
        assertThat(post("/v1/varies", "x".repeat(16)).body()).contains("vert.x-eventloop-thread");
        limit.set(8);
        assertThat(post("/v1/varies", "x".repeat(16)).body()).contains("\"thread\":\"test-http-");
        assertThat(post("/v1/varies", "x".repeat(8)).body()).contains("vert.x-eventloop-thread");
    }

    @Test
    void anInlineHandlersProblemIsAnsweredAsOnAWorker() throws Exception {
        HttpResponse<String> response = post("/v1/fails", "{}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("\"error\":\"bad\"").doesNotContain("Exception");
    }
}
