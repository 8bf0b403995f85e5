package io.mlcycle.localstack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A schema registry serving Confluent's Schema Registry REST API (AVRO only) on 127.0.0.1, storing
 * schemas in a compacted Kafka topic ({@value #DEFAULT_TOPIC}) so ids and versions are stable across
 * restarts. Clients written for Confluent's registry (its serializers, {@code curl} recipes, the
 * {@code platform} client) work against it unchanged.
 *
 * <p>Input: HTTP requests; the {@code _schemas} topic (replayed at start, before serving).
 * Output: HTTP responses ({@code application/vnd.schemaregistry.v1+json}); records on {@code _schemas}.
 *
 * <p>Errors are {@code {"error_code": N, "message": "..."}} with Confluent's codes and messages;
 * no stack trace ever reaches a client. Schema references, JSON Schema and Protobuf are not
 * supported (42201). One registry instance per topic: it is the only writer.
 */
public final class SchemaRegistryServer implements AutoCloseable {

    public static final int DEFAULT_PORT = 8081;
    public static final String DEFAULT_TOPIC = "_schemas";
    /** The CLI flag that changes the registry port; named in port-in-use errors. */
    public static final String PORT_SETTING = "--registry-port";

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Set<String> ACCEPTED_CONTENT_TYPES = Set.of(
            "application/vnd.schemaregistry.v1+json",
            "application/vnd.schemaregistry+json",
            "application/json",
            "application/octet-stream");
    private static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SchemaRegistry registry;
    private final Runnable closeStore;
    private final HttpServer server;
    private final ExecutorService executor;
    private final int port;
    private boolean closed;

    private SchemaRegistryServer(SchemaRegistry registry, Runnable closeStore, HttpServer server,
                                 ExecutorService executor) {
        this.registry = registry;
        this.closeStore = closeStore;
        this.server = server;
        this.executor = executor;
        this.port = server.getAddress().getPort();
    }

    /** Starts a registry on {@code port} (0 = a free port) over the {@value #DEFAULT_TOPIC} topic. */
    public static SchemaRegistryServer start(String bootstrapServers, int port) {
        return start(bootstrapServers, port, DEFAULT_TOPIC);
    }

    /**
     * Starts a registry over {@code topic}: checks the port, creates the topic if missing, replays
     * it, then serves. Fails with a {@link PortInUseException} if the port is taken.
     */
    public static SchemaRegistryServer start(String bootstrapServers, int port, String topic) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers must not be blank");
        }
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("topic must not be blank");
        }
        Ports.requireValid(port, PORT_SETTING);
        Ports.requireFree(port, "schema registry", PORT_SETTING);
        long startedAt = System.nanoTime();
        SchemaRegistry registry = new SchemaRegistry();
        KafkaSchemaLog schemaLog = KafkaSchemaLog.open(bootstrapServers, topic, registry::apply);
        registry.attach(schemaLog);
        SchemaRegistryServer registryServer = serve(registry, schemaLog::close, port);
        log.info("Schema registry serving on {} (topic {}), started in {} ms",
                registryServer.url(), topic, (System.nanoTime() - startedAt) / 1_000_000);
        return registryServer;
    }

    /**
     * A registry on a free port that keeps its schemas in memory only: the same HTTP API and
     * semantics without a broker, for fast tests of the protocol. Nothing survives {@link #close}.
     */
    static SchemaRegistryServer startInMemory() {
        SchemaRegistry registry = new SchemaRegistry();
        registry.attach((key, value) -> { });
        return serve(registry, () -> { }, 0);
    }

    private static SchemaRegistryServer serve(SchemaRegistry registry, Runnable closeStore, int port) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(Ports.LOOPBACK_HOST), port), 64);
        } catch (BindException e) {
            closeStore.run();
            throw new PortInUseException(port, "schema registry", PORT_SETTING);
        } catch (IOException e) {
            closeStore.run();
            throw new LocalStackException("The schema registry could not listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(4, daemonThreads());
        SchemaRegistryServer registryServer = new SchemaRegistryServer(registry, closeStore, server, executor);
        server.createContext("/", registryServer::handle);
        server.setExecutor(executor);
        server.start();
        return registryServer;
    }

    /** {@code http://127.0.0.1:<port>} */
    public String url() {
        return "http://" + Ports.LOOPBACK_HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    /** Stops serving, releases the port and closes the Kafka writer. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
        closeStore.run();
        log.info("Schema registry on {} stopped", url());
    }

    // ---------------------------------------------------------------- HTTP plumbing

    private void handle(HttpExchange exchange) {
        try (exchange) {
            Response response;
            try {
                response = route(new Request(exchange));
            } catch (RegistryError e) {
                response = Response.error(e);
            } catch (RuntimeException | Error e) {
                log.error("Schema registry request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                response = Response.error(RegistryError.internal());
            }
            send(exchange, response);
        } catch (IOException e) {
            log.debug("Could not answer {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
        }
    }

    private static void send(HttpExchange exchange, Response response) throws IOException {
        byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(response.status(), -1);
            return;
        }
        exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** An answer: HTTP status and the body text (JSON, or a raw schema string). */
    private record Response(int status, String body) {
        static Response json(Object value) {
            try {
                return new Response(200, JSON.writeValueAsString(value));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("Cannot serialise a registry response", e);
            }
        }

        static Response raw(String text) {
            return new Response(200, text);
        }

        static Response error(RegistryError error) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error_code", error.errorCode());
            body.put("message", error.getMessage());
            try {
                return new Response(error.httpStatus(), JSON.writeValueAsString(body));
            } catch (JsonProcessingException e) {
                return new Response(500, "{\"error_code\":500,\"message\":\"Internal Server Error\"}");
            }
        }
    }

    /** The parts of a request the routes need: method, decoded path segments, query, body. */
    private static final class Request {
        final HttpExchange exchange;
        final String method;
        final List<String> path;
        final Map<String, String> query;

        Request(HttpExchange exchange) {
            this.exchange = exchange;
            this.method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            this.path = segments(exchange.getRequestURI().getRawPath());
            this.query = queryParameters(exchange.getRequestURI().getRawQuery());
        }

        boolean flag(String name) {
            return Boolean.parseBoolean(query.get(name));
        }

        String segment(int index) {
            return path.get(index);
        }

        /** The JSON object body; 415 for a foreign content type, 400 for malformed JSON. */
        ObjectNode jsonBody() {
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            if (contentType != null && !contentType.isBlank()) {
                String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
                if (!ACCEPTED_CONTENT_TYPES.contains(mediaType)) {
                    throw RegistryError.unsupportedMediaType();
                }
            }
            byte[] bytes;
            try (InputStream in = exchange.getRequestBody()) {
                bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            } catch (IOException e) {
                throw RegistryError.badRequest("Could not read the request body: " + e.getMessage());
            }
            if (bytes.length > MAX_BODY_BYTES) {
                throw new RegistryError(413, 413, "Request body larger than " + MAX_BODY_BYTES + " bytes");
            }
            if (bytes.length == 0) {
                throw RegistryError.unprocessable("The request body must not be empty");
            }
            JsonNode node;
            try {
                node = JSON.readTree(bytes);
            } catch (JsonProcessingException e) {
                throw RegistryError.badRequest(e.getOriginalMessage());
            } catch (IOException e) {
                throw RegistryError.badRequest("Could not read the request body: " + e.getMessage());
            }
            if (node == null || node.isNull() || node.isMissingNode()) {
                throw RegistryError.unprocessable("The request body must not be null");
            }
            if (!(node instanceof ObjectNode object)) {
                throw RegistryError.badRequest("The request body must be a JSON object, was " + node.getNodeType());
            }
            return object;
        }

        private static List<String> segments(String rawPath) {
            List<String> segments = new ArrayList<>();
            for (String raw : rawPath.split("/")) {
                if (!raw.isEmpty()) {
                    // '+' is a literal in a path, unlike in a form-encoded query.
                    segments.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
                }
            }
            return segments;
        }

        private static Map<String, String> queryParameters(String rawQuery) {
            Map<String, String> parameters = new HashMap<>();
            if (rawQuery == null || rawQuery.isEmpty()) {
                return parameters;
            }
            for (String pair : rawQuery.split("&")) {
                String[] kv = pair.split("=", 2);
                String key = URLDecoder.decode(kv[0], StandardCharsets.UTF_8);
                parameters.putIfAbsent(key, kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
            return parameters;
        }
    }

    /** The body of register, lookup and compatibility requests. */
    private record SchemaRequest(String schema, String schemaType, List<JsonNode> references) {
        static SchemaRequest from(ObjectNode body) {
            JsonNode schema = body.get("schema");
            if (schema != null && !schema.isNull() && !schema.isTextual()) {
                throw RegistryError.badRequest("Field 'schema' must be a string holding the schema, was "
                        + schema.getNodeType());
            }
            JsonNode type = body.get("schemaType");
            if (type != null && !type.isNull() && !type.isTextual()) {
                throw RegistryError.badRequest("Field 'schemaType' must be a string, was " + type.getNodeType());
            }
            JsonNode refs = body.get("references");
            List<JsonNode> references = new ArrayList<>();
            if (refs != null && !refs.isNull()) {
                if (!refs.isArray()) {
                    throw RegistryError.badRequest("Field 'references' must be an array, was " + refs.getNodeType());
                }
                refs.forEach(references::add);
            }
            return new SchemaRequest(schema == null || schema.isNull() ? null : schema.asText(),
                    type == null || type.isNull() ? null : type.asText(), references);
        }
    }

    // ---------------------------------------------------------------- routes

    private Response route(Request r) {
        List<String> p = r.path;
        int n = p.size();
        if (n == 0) {
            return only(r, "GET", () -> Response.json(Map.of()));
        }
        switch (p.get(0)) {
            case "subjects" -> {
                if (n == 1) {
                    return only(r, "GET", () -> Response.json(registry.subjects(r.flag("deleted"))));
                }
                String subject = r.segment(1);
                if (n == 2) {
                    return switch (r.method) {
                        case "POST" -> lookup(r, subject);
                        case "DELETE" -> Response.json(registry.deleteSubject(subject, r.flag("permanent")));
                        default -> throw RegistryError.methodNotAllowed();
                    };
                }
                if (!"versions".equals(p.get(2))) {
                    throw RegistryError.notFound();
                }
                if (n == 3) {
                    return switch (r.method) {
                        case "GET" -> Response.json(registry.versions(subject, r.flag("deleted")));
                        case "POST" -> register(r, subject);
                        default -> throw RegistryError.methodNotAllowed();
                    };
                }
                String version = r.segment(3);
                if (n == 4) {
                    return switch (r.method) {
                        case "GET" -> Response.json(schemaVersionJson(registry.version(subject,
                                SchemaRegistry.parseVersion(version), r.flag("deleted"))));
                        case "DELETE" -> Response.json(registry.deleteVersion(subject, version, r.flag("permanent")));
                        default -> throw RegistryError.methodNotAllowed();
                    };
                }
                if (n == 5 && "schema".equals(p.get(4))) {
                    return only(r, "GET", () -> Response.raw(registry.version(subject,
                            SchemaRegistry.parseVersion(version), r.flag("deleted")).schema()));
                }
                if (n == 5 && "referencedby".equals(p.get(4))) {
                    return only(r, "GET", () -> {
                        registry.version(subject, SchemaRegistry.parseVersion(version), true);
                        return Response.json(List.of());
                    });
                }
                throw RegistryError.notFound();
            }
            case "schemas" -> {
                if (n == 1) {
                    return only(r, "GET", () -> Response.json(registry.allSchemas(r.flag("deleted")).stream()
                            .map(SchemaRegistryServer::schemaVersionJson).toList()));
                }
                if (n == 2 && "types".equals(p.get(1))) {
                    return only(r, "GET", () -> Response.json(List.of(SchemaRegistry.AVRO)));
                }
                if (!"ids".equals(p.get(1)) || n < 3 || n > 4) {
                    throw RegistryError.notFound();
                }
                int id = schemaId(p.get(2));
                if (n == 3) {
                    return only(r, "GET", () -> Response.json(Map.of("schema", registry.schemaById(id))));
                }
                return switch (p.get(3)) {
                    case "schema" -> only(r, "GET", () -> Response.raw(registry.schemaById(id)));
                    case "versions" -> only(r, "GET", () -> Response.json(registry.versionsById(id, r.flag("deleted"))
                            .stream().map(v -> orderedMap("subject", v.subject(), "version", v.version())).toList()));
                    case "subjects" -> only(r, "GET", () -> Response.json(registry.subjectsById(id, r.flag("deleted"))));
                    default -> throw RegistryError.notFound();
                };
            }
            case "config" -> {
                if (n == 1) {
                    return switch (r.method) {
                        case "GET" -> Response.json(Map.of("compatibilityLevel", registry.globalLevel().name()));
                        case "PUT" -> {
                            CompatibilityLevel level = requestedLevel(r);
                            registry.setGlobalLevel(level);
                            yield Response.json(Map.of("compatibility", level.name()));
                        }
                        case "DELETE" -> Response.json(Map.of("compatibilityLevel", registry.resetGlobalLevel().name()));
                        default -> throw RegistryError.methodNotAllowed();
                    };
                }
                if (n != 2) {
                    throw RegistryError.notFound();
                }
                String subject = r.segment(1);
                return switch (r.method) {
                    case "GET" -> {
                        CompatibilityLevel level = registry.subjectLevel(subject).orElseGet(() -> {
                            if (r.flag("defaultToGlobal")) {
                                return registry.globalLevel();
                            }
                            throw RegistryError.subjectCompatibilityNotConfigured(subject);
                        });
                        yield Response.json(Map.of("compatibilityLevel", level.name()));
                    }
                    case "PUT" -> {
                        CompatibilityLevel level = requestedLevel(r);
                        registry.setSubjectLevel(subject, level);
                        yield Response.json(Map.of("compatibility", level.name()));
                    }
                    case "DELETE" -> Response.json(Map.of("compatibilityLevel", registry.deleteSubjectLevel(subject).name()));
                    default -> throw RegistryError.methodNotAllowed();
                };
            }
            case "compatibility" -> {
                if (n < 4 || !"subjects".equals(p.get(1)) || !"versions".equals(p.get(3)) || n > 5) {
                    throw RegistryError.notFound();
                }
                String subject = r.segment(2);
                String version = n == 5 ? r.segment(4) : null;
                return only(r, "POST", () -> compatibility(r, subject, version));
            }
            case "mode" -> {
                if (n <= 2) {
                    return only(r, "GET", () -> Response.json(Map.of("mode", "READWRITE")));
                }
                throw RegistryError.notFound();
            }
            default -> throw RegistryError.notFound();
        }
    }

    private Response register(Request r, String subject) {
        SchemaRequest body = SchemaRequest.from(r.jsonBody());
        int id = registry.register(subject, body.schema(), body.schemaType(), body.references());
        return Response.json(Map.of("id", id));
    }

    private Response lookup(Request r, String subject) {
        SchemaRequest body = SchemaRequest.from(r.jsonBody());
        return Response.json(schemaVersionJson(registry.lookup(subject, body.schema(), body.schemaType(),
                body.references(), r.flag("deleted"))));
    }

    private Response compatibility(Request r, String subject, String versionText) {
        int version = versionText == null ? 0 : SchemaRegistry.parseVersion(versionText);
        SchemaRequest body = SchemaRequest.from(r.jsonBody());
        boolean verbose = r.flag("verbose");
        Schema candidate;
        try {
            candidate = SchemaRegistry.parse(body.schema(), body.schemaType(), body.references());
        } catch (RegistryError e) {
            // Confluent answers an unparseable schema with is_compatible=false when verbose, 42201 otherwise.
            if (!verbose || e.errorCode() != 42201) {
                throw e;
            }
            return Response.json(compatibilityResult(List.of(e.getMessage()), true));
        }
        List<String> messages = versionText == null
                ? registry.checkAgainstSubject(subject, candidate)
                : registry.checkAgainstVersion(subject, version, candidate);
        return Response.json(compatibilityResult(messages, verbose));
    }

    private static Map<String, Object> compatibilityResult(List<String> messages, boolean verbose) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("is_compatible", messages.isEmpty());
        if (verbose) {
            result.put("messages", messages);
        }
        return result;
    }

    private static CompatibilityLevel requestedLevel(Request r) {
        ObjectNode body = r.jsonBody();
        JsonNode level = body.hasNonNull("compatibility") ? body.get("compatibility") : body.get("compatibilityLevel");
        if (level == null || !level.isTextual()) {
            throw RegistryError.invalidCompatibilityLevel();
        }
        return CompatibilityLevel.fromName(level.asText()).orElseThrow(RegistryError::invalidCompatibilityLevel);
    }

    /** Jersey answers 404 when a path parameter is not an Integer; so do we. */
    private static int schemaId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw RegistryError.notFound();
        }
    }

    /** Confluent's Schema entity; {@code schemaType} is omitted for AVRO, as Confluent does. */
    private static Map<String, Object> schemaVersionJson(SchemaRegistry.SchemaVersion v) {
        return orderedMap("subject", v.subject(), "version", v.version(), "id", v.id(), "schema", v.schema());
    }

    private static Response only(Request r, String method, java.util.function.Supplier<Response> action) {
        if (!method.equals(r.method) && !("GET".equals(method) && "HEAD".equals(r.method))) {
            throw RegistryError.methodNotAllowed();
        }
        return action.get();
    }

    private static Map<String, Object> orderedMap(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "schema-registry-http-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
