package io.mlcycle.platform.registry;

import io.mlcycle.schemas.compat.CompatibilityLevel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The REST client against a scripted local HTTP server (retries, timeouts, failover, error mapping, caching). */
class RestSchemaRegistryClientTest {

    /** What the fake registry saw of one request. */
    record Seen(String method, String path, Map<String, List<String>> headers, String body) {
    }

    record Answer(int status, String body) {
    }

    private HttpServer server;
    private final AtomicInteger calls = new AtomicInteger();
    private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    private final CountDownLatch releaseHungRequests = new CountDownLatch(1);
    private volatile Function<Integer, Answer> script = n -> new Answer(200, "{}");

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stopServer() {
        releaseHungRequests.countDown();
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        int n = calls.incrementAndGet();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                Map.copyOf(exchange.getRequestHeaders()), body));
        Answer answer = script.apply(n);
        if (answer == null) {
            try {
                // A registry that never answers (until the test ends).
                releaseHungRequests.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * A client whose timeouts only a registry that never answers reaches: a loaded machine (a full build beside
     * other builds) took more than the 500 ms these were, and a scripted answer timed out.
     */
    private RestSchemaRegistryClient client(String urls) {
        return new RestSchemaRegistryClient(RegistryClientSettings.forUrls(urls)
                .withRetries(3, Duration.ofMillis(10))
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(10)));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void retriesA503AndSucceeds() {
        script = n -> n == 1 ? new Answer(503, "{\"error_code\":50301,\"message\":\"busy\"}")
                : new Answer(200, "{\"schema\":\"\\\"string\\\"\"}");

        Schema schema = client(url()).getSchemaById(7);

        assertThat(schema.getType()).isEqualTo(Schema.Type.STRING);
        assertThat(calls.get()).isEqualTo(2);
        assertThat(seen).allSatisfy(s -> assertThat(s.path()).isEqualTo("/schemas/ids/7"));
    }

    @Test
    void givesUpAfterMaxAttemptsOf5xxWithTheRegistryError() {
        script = n -> new Answer(500, "{\"error_code\":50001,\"message\":\"Error in the backend data store\"}");

        assertThatThrownBy(() -> client(url()).getSchemaById(1))
                .isExactlyInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("Error in the backend data store")
                .satisfies(e -> assertThat(((SchemaRegistryException) e).errorCode()).isEqualTo(50001))
                .satisfies(e -> assertThat(((SchemaRegistryException) e).status()).isEqualTo(500));
        assertThat(calls.get()).isEqualTo(3);
    }

    @Test
    void aRegistryThatNeverAnswersTimesOutNamingTheUrl() {
        script = n -> null;
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(RegistryClientSettings.forUrls(url())
                .withRetries(2, Duration.ofMillis(10)).withTimeouts(Duration.ofMillis(300), Duration.ofMillis(300)));

        assertThatThrownBy(() -> client.getAllSubjects())
                .isInstanceOf(RegistryUnreachableException.class)
                .hasMessageContaining(url() + "/subjects")
                .hasMessageContaining("after 2 attempt");
        // both attempts reach the registry, though on a loaded machine it may read the second after the client
        // has given up on it
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(
                () -> assertThat(calls.get()).isEqualTo(2));
    }

    @Test
    void connectionRefusedIsUnreachable() throws IOException {
        String dead = "http://127.0.0.1:" + closedPort();

        assertThatThrownBy(() -> client(dead).getAllSubjects())
                .isInstanceOf(RegistryUnreachableException.class).hasMessageContaining(dead);
    }

    @Test
    void failsOverToTheNextUrl() throws IOException {
        script = n -> new Answer(200, "[\"a\",\"b\"]");
        String dead = "http://127.0.0.1:" + closedPort();

        RestSchemaRegistryClient client = client(dead + "," + url());

        assertThat(client.getAllSubjects()).containsExactly("a", "b");
        assertThat(client.getAllSubjects()).containsExactly("a", "b");
        assertThat(calls.get()).as("the working URL is preferred afterwards").isEqualTo(2);
    }

    @Test
    void clientErrorsAreNotRetriedAndMapToSpecificExceptions() {
        script = n -> new Answer(404, "{\"error_code\":40401,\"message\":\"Subject 'x-value' not found.\"}");

        assertThatThrownBy(() -> client(url()).getLatestSchemaMetadata("x-value"))
                .isInstanceOf(SubjectNotFoundException.class).hasMessageContaining("Subject 'x-value' not found.");
        assertThat(calls.get()).isEqualTo(1);

        script = n -> new Answer(422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}");
        assertThatThrownBy(() -> client(url()).register("s", Schema.create(Schema.Type.INT)))
                .isInstanceOf(InvalidSchemaException.class);
        script = n -> new Answer(409, "{\"error_code\":409,\"message\":\"incompatible\"}");
        assertThatThrownBy(() -> client(url()).register("s", Schema.create(Schema.Type.INT)))
                .isInstanceOf(IncompatibleSchemaException.class);
        script = n -> new Answer(404, "{\"error_code\":40402,\"message\":\"Version 9 not found.\"}");
        assertThatThrownBy(() -> client(url()).getSchemaMetadata("s", 9)).isInstanceOf(VersionNotFoundException.class);
        script = n -> new Answer(404, "{\"error_code\":40403,\"message\":\"Schema 9 not found\"}");
        assertThatThrownBy(() -> client(url()).getSchemaById(9)).isInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void registerSendsTheConfluentRequestWithBasicAuthAndCachesTheId() {
        script = n -> new Answer(200, "{\"id\":12}");
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(RegistryClientSettings.forUrls(url()).withBasicAuth("user:pass"));
        Schema schema = Schema.create(Schema.Type.STRING);

        assertThat(client.register("topic-value", schema)).isEqualTo(12);
        assertThat(client.register("topic-value", schema)).isEqualTo(12);
        assertThat(client.getSchemaById(12)).isEqualTo(schema);

        assertThat(calls.get()).as("register and id lookup cached").isEqualTo(1);
        Seen request = seen.peek();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/subjects/topic-value/versions");
        assertThat(request.body()).isEqualTo("{\"schema\":\"\\\"string\\\"\"}");
        assertThat(request.headers().get("Content-type")).containsExactly("application/vnd.schemaregistry.v1+json");
        assertThat(request.headers().get("Authorization")).containsExactly("Basic dXNlcjpwYXNz");
    }

    @Test
    void userInfoCanComeFromTheUrl() {
        script = n -> new Answer(200, "[]");
        URI withCredentials = URI.create("http://alice:s3cret@127.0.0.1:" + server.getAddress().getPort());
        RegistryClientSettings settings = RegistryClientSettings.fromConfluentProperties(Map.of(
                "schema.registry.url", withCredentials.toString(), "basic.auth.credentials.source", "URL"));

        new RestSchemaRegistryClient(settings).getAllSubjects();

        assertThat(settings.urls()).containsExactly(URI.create(url()));
        assertThat(seen.peek().headers().get("Authorization")).containsExactly("Basic YWxpY2U6czNjcmV0");
        assertThat(settings.toString()).doesNotContain("s3cret");
    }

    @Test
    void lookupAndCompatibilityAndConfigUseTheConfluentPaths() {
        script = n -> switch (seen.stream().reduce((a, b) -> b).orElseThrow().path()) {
            case "/subjects/s" -> new Answer(200, "{\"subject\":\"s\",\"id\":3,\"version\":2,\"schema\":\"\\\"int\\\"\"}");
            case "/compatibility/subjects/s/versions" -> new Answer(200, "{\"is_compatible\":false}");
            case "/config/s?defaultToGlobal=true" -> new Answer(200, "{\"compatibilityLevel\":\"FULL\"}");
            case "/config/s" -> new Answer(200, "{\"compatibility\":\"NONE\"}");
            default -> new Answer(404, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
        };
        RestSchemaRegistryClient client = client(url());
        Schema schema = Schema.create(Schema.Type.INT);

        assertThat(client.lookup("s", schema)).isEqualTo(new SchemaMetadata(3, 2, "s", schema));
        assertThat(client.testCompatibility("s", schema)).isFalse();
        assertThat(client.getCompatibility("s")).isEqualTo(CompatibilityLevel.FULL);
        client.updateCompatibility("s", CompatibilityLevel.NONE);
        assertThat(seen).extracting(Seen::method).containsExactly("POST", "POST", "GET", "PUT");
        assertThat(seen.stream().reduce((a, b) -> b).orElseThrow().body()).isEqualTo("{\"compatibility\":\"NONE\"}");
    }

    @Test
    void subjectsAreUrlEncoded() {
        script = n -> new Answer(200, "[1]");

        client(url()).getAllVersions("a b/c");

        assertThat(seen.peek().path()).isEqualTo("/subjects/a%20b%2Fc/versions");
    }

    @Test
    void schemaByGuidUsesTheGuidsEndpointAndIsCached() {
        script = n -> new Answer(200, "{\"schema\":\"\\\"long\\\"\",\"guid\":\"x\",\"somethingNew\":true}");
        RestSchemaRegistryClient client = client(url());
        String guid = "2f6bbda4-0c9b-0e6b-b5f8-1c9d7c2c1a00";

        assertThat(client.getSchemaByGuid(guid)).isEqualTo(Schema.create(Schema.Type.LONG));
        assertThat(client.getSchemaByGuid(guid.toUpperCase())).isEqualTo(Schema.create(Schema.Type.LONG));

        assertThat(calls.get()).isEqualTo(1);
        assertThat(seen.peek().method()).isEqualTo("GET");
        assertThat(seen.peek().path()).isEqualTo("/schemas/guids/" + guid);
        script = n -> new Answer(404, "{\"error_code\":40403,\"message\":\"Schema x not found\"}");
        assertThatThrownBy(() -> client.getSchemaByGuid("00000000-0000-0000-0000-000000000000"))
                .isInstanceOf(SchemaNotFoundException.class);
    }
}
