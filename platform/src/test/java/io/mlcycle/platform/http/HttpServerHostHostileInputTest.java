package io.mlcycle.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a hostile or broken client can do to the host: each probe of the issue, as a regression test. */
class HttpServerHostHostileInputTest {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final List<Socket> sockets = new ArrayList<>();
    private HttpServerHost host;

    @BeforeEach
    void start() {
        // One handler thread on purpose: slow clients must not be able to take it.
        host = new HttpServerHost("127.0.0.1", 0, HttpServerHost.Options.defaults("test").withMaxBodyBytes(1024 * 1024)
                .withThreads(1).withTimeouts(REQUEST_TIMEOUT, Duration.ofSeconds(5)))
                .route("POST", "/v1/echo", request -> {
                    request.requireContentType("application/json");
                    return Response.ok(Map.of("bytes", request.bodyLength(), "text", request.bodyAsString()));
                })
                .routeAsync("GET", "/v1/later", request -> CompletableFuture.supplyAsync(
                        () -> Response.ok(Map.of("async", true)), CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS)))
                .start();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        host.close();
    }

    @Test
    void slowClientsCannotStarveOthersAndAreCutOffAtTheRequestTimeout() throws Exception {
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            // A body announced and never sent, one byte at a time.
            Socket socket = open();
            socket.getOutputStream().write(("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
            slow.add(socket);
        }
        for (int i = 0; i < 2; i++) {
            // Headers trickling in.
            Socket socket = open();
            socket.getOutputStream().write("GET /health/li".getBytes(StandardCharsets.US_ASCII));
            slow.add(socket);
        }

        HttpResponse<String> probe = http.send(HttpRequest.newBuilder(URI.create(host.baseUrl() + "/health/live"))
                .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> echo = http.send(HttpRequest.newBuilder(URI.create(host.baseUrl() + "/v1/echo"))
                .timeout(Duration.ofSeconds(1)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"a\":1}")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> async = http.send(HttpRequest.newBuilder(URI.create(host.baseUrl() + "/v1/later"))
                .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(probe.statusCode()).isEqualTo(200);
        assertThat(echo.statusCode()).as("the one handler thread is free").isEqualTo(200);
        assertThat(async.statusCode()).isEqualTo(200);
        for (int i = 0; i < slow.size(); i++) {
            Socket socket = slow.get(i);
            socket.setSoTimeout((int) REQUEST_TIMEOUT.toMillis() * 5);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (i < 4) {
                assertThat(answer).as("a body that never arrives").startsWith("HTTP/1.1 408").contains("request_timeout");
            } else {
                assertThat(answer).as("headers that never complete: the connection is closed").isEmpty();
            }
        }
        assertThat(host.bufferedBytes()).isZero();
    }

    @Test
    void invented_methods_are_counted_as_OTHER_and_never_become_metric_tags() throws Exception {
        for (int i = 0; i < 40; i++) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(host.baseUrl() + "/v1/echo"))
                    .method("INVENTED" + i, HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(405);
            assertThat(response.body()).hasSizeLessThan(400);
        }
        String hugeMethod = "X".repeat(60 * 1024);
        String answer = exchange(hugeMethod + " /v1/echo HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(answer).matches("(?s)HTTP/1\\.[01] 41[04] .*").doesNotContain("XXXXXXXXXXXXXXXXXXXX").contains("\"error\"");

        String metrics = http.send(HttpRequest.newBuilder(URI.create(host.baseUrl() + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).doesNotContain("INVENTED").doesNotContain("XXXX").contains("method=\"OTHER\"");
        assertThat(metrics.length()).isLessThan(200_000);
    }

    @Test
    void malformedRequestsGetJsonProblemsThatNameNoException() throws Exception {
        String badEscape = exchange("GET /v1/%zz/x HTTP/1.1\r\nHost: x\r\n\r\n");
        String badQuery = exchange("GET /health/live?a=%%% HTTP/1.1\r\nHost: x\r\n\r\n");
        String garbage = exchange("GET /a b c d\u0001 HTTP/9.9\r\n\r\n");

        assertThat(badEscape).startsWith("HTTP/1.1 400").contains("invalid_uri");
        assertThat(badQuery).startsWith("HTTP/1.1 400").contains("invalid_uri");
        assertThat(garbage).matches("(?s)HTTP/1\\.[01] 400 .*").contains("\"status\":400");
        for (String answer : List.of(badEscape, badQuery, garbage)) {
            assertThat(answer.toLowerCase(Locale.ROOT)).doesNotContain("exception").doesNotContain("at io.");
        }
        assertThat(http.send(HttpRequest.newBuilder(URI.create(host.baseUrl() + "/health/live")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    @Test
    void aHundredMegabyteBodyIsRefusedWhileStreamingWithoutBeingHeld() throws Exception {
        Socket socket = open();
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        AtomicLong written = new AtomicLong();
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) ' ');
        byte[] chunkHeader = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                while (written.get() < 100L * 1024 * 1024) {
                    out.write(chunkHeader);
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    written.addAndGet(chunk.length);
                }
            } catch (IOException e) {
                // The server closed the connection after its 413: expected.
            }
        });

        socket.setSoTimeout(20_000);
        String answer = readAnswer(socket.getInputStream());
        writer.get(30, TimeUnit.SECONDS);

        assertThat(answer).startsWith("HTTP/1.1 413").contains("payload_too_large");
        assertThat(written.get()).as("the server stopped reading long before 100 MB").isLessThan(100L * 1024 * 1024);
        await().atMost(Duration.ofSeconds(5)).until(() -> host.bufferedBytes() == 0);

        String declared = exchange("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 104857600\r\n\r\n");
        assertThat(declared).startsWith("HTTP/1.1 413");
    }

    @Test
    void bodiesMustBeUtf8() throws Exception {
        URI echo = URI.create(host.baseUrl() + "/v1/echo");
        HttpResponse<String> utf16 = http.send(HttpRequest.newBuilder(echo).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray("{\"a\":\"b\"}".getBytes(StandardCharsets.UTF_16)))
                .build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> utf16Le = http.send(HttpRequest.newBuilder(echo).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray("{\"a\":\"b\"}".getBytes(StandardCharsets.UTF_16LE)))
                .build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> declared = http.send(HttpRequest.newBuilder(echo)
                .header("Content-Type", "application/json; charset=utf-16")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> truncated = http.send(HttpRequest.newBuilder(echo).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {'{', '"', (byte) 0xE2, (byte) 0x82, '"', '}'}))
                .build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> good = http.send(HttpRequest.newBuilder(echo).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"a\":\"€\"}", StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());

        JsonNode problem = json.readTree(utf16.body());
        assertThat(utf16.statusCode()).isEqualTo(400);
        assertThat(problem.get("error").asText()).isEqualTo("invalid_utf8");
        assertThat(problem.get("message").asText()).contains("UTF-8");
        assertThat(utf16Le.statusCode()).isEqualTo(400);
        assertThat(declared.statusCode()).isEqualTo(415);
        assertThat(json.readTree(declared.body()).get("error").asText()).isEqualTo("unsupported_charset");
        assertThat(truncated.statusCode()).isEqualTo(400);
        assertThat(json.readTree(truncated.body()).get("message").asText()).contains("offset 2");
        assertThat(good.statusCode()).isEqualTo(200);
        assertThat(json.readTree(good.body()).get("text").asText()).isEqualTo("{\"a\":\"€\"}");
    }

    private Socket open() throws IOException {
        Socket socket = new Socket("127.0.0.1", host.port());
        socket.setTcpNoDelay(true);
        sockets.add(socket);
        return socket;
    }

    /** Sends raw bytes and reads the whole answer (the server closes or answers with a Content-Length). */
    private String exchange(String raw) throws IOException {
        Socket socket = open();
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return readAnswer(socket.getInputStream());
    }

    private static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        int headerEnd = -1;
        int contentLength = -1;
        while (true) {
            int b;
            try {
                b = in.read();
            } catch (IOException e) {
                break;
            }
            if (b < 0) {
                break;
            }
            seen.write(b);
            String text = seen.toString(StandardCharsets.ISO_8859_1);
            if (headerEnd < 0 && text.endsWith("\r\n\r\n")) {
                headerEnd = text.length();
                for (String line : text.split("\r\n")) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        contentLength = Integer.parseInt(line.substring(15).trim());
                    }
                }
                if (contentLength == 0) {
                    break;
                }
            }
            if (headerEnd >= 0 && contentLength >= 0 && seen.size() >= headerEnd + contentLength) {
                break;
            }
        }
        return seen.toString(StandardCharsets.UTF_8);
    }
}
