package io.mlcycle.localstack;

import io.mlcycle.schemas.compat.CompatibilityLevel;
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
 *
 * <p>Requests are read as Confluent's {@code RestService} (7.x/8.x) sends them: unknown body fields
 * and query parameters are ignored, {@code deleted}/{@code deletedOnly}/{@code subjectPrefix}/
 * {@code fetchMaxId}/{@code defaultToGlobal} are honoured, {@code normalize} is accepted (schemas are
 * always compared in Avro's canonical form). Each schema also has Confluent's GUID (the MD5 of its
 * canonical text), returned on register and lookup and served at {@code /schemas/guids/{guid}}, for
 * Confluent 8.1+ header-based schema ids. The mode is READWRITE and cannot be changed.
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
    private static final String DEFAULT_CONTEXT_PREFIX = ":.:";
    private static final String CLUSTER_ID = "mlcycle-local";
    /** What {@code /v1/metadata/version} reports: the Confluent API level this registry follows. */
    private static final String SERVER_VERSION = "7.9.0-mlcycle";

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

        String param(String name, String defaultValue) {
            String value = query.get(name);
            return value == null ? defaultValue : value;
        }

        /** A non-negative integer query parameter (Confluent's offset/limit); {@code defaultValue} if absent or not a number. */
        int intParam(String name, int defaultValue) {
            try {
                return Math.max(0, Integer.parseInt(query.getOrDefault(name, "")));
            } catch (NumberFormatException e) {
                return defaultValue;
            }
        }

        String segment(int index) {
            return path.get(index);
        }

        /**
         * A subject path segment. Confluent qualifies subjects with a context, {@code :.:name} being
         * {@code name} in the default (and here only) context, as its clients may send them.
         */
        String subject(int index) {
            return unqualified(path.get(index));
        }

        /** The JSON object body; 415 for a foreign content type, 400 for malformed JSON. */
        ObjectNode jsonBody() {
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            if (contentType != null && !contentType.isBlank()) {
                // Some clients send a weighted list ("a, b; qs=0.9"); its first entry is the body's type.
                String mediaType = contentType.split(",", 2)[0].split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
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

    /**
     * The body of register, lookup and compatibility requests: Confluent's RegisterSchemaRequest.
     * Unknown fields are ignored, as Confluent does; {@code metadata} is accepted and not kept;
     * a non-empty {@code ruleSet} is refused, since its rules would silently not be enforced.
     */
    private record SchemaRequest(String schema, String schemaType, List<JsonNode> references,
                                 SchemaRegistry.RegisterOptions options) {
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
            JsonNode ruleSet = body.get("ruleSet");
            if (ruleSet != null && ruleSet.isObject() && hasRules(ruleSet)) {
                throw RegistryError.invalidSchema("Invalid schema: rule sets (data contract rules) are not supported "
                        + "by the mlcycle local schema registry");
            }
            return new SchemaRequest(schema == null || schema.isNull() ? null : schema.asText(),
                    type == null || type.isNull() ? null : type.asText(), references,
                    new SchemaRegistry.RegisterOptions(positive(body, "id", true), positive(body, "version", false)));
        }

        private static boolean hasRules(JsonNode ruleSet) {
            for (String kind : List.of("migrationRules", "domainRules", "encodingRules")) {
                JsonNode rules = ruleSet.get(kind);
                if (rules != null && rules.isArray() && !rules.isEmpty()) {
                    return true;
                }
            }
            return false;
        }

        /** Confluent reads an absent id as -1 and an absent version as 0: "not given". */
        private static Integer positive(ObjectNode body, String field, boolean zeroIsValid) {
            JsonNode node = body.get(field);
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.canConvertToInt()) {
                throw RegistryError.badRequest("Field '" + field + "' must be an integer, was " + node);
            }
            int value = node.asInt();
            return value > 0 || (zeroIsValid && value == 0) ? value : null;
        }
    }

    // ---------------------------------------------------------------- routes

    private Response route(Request r) {
        List<String> p = r.path;
        int n = p.size();
        if (n == 0) {
            return only(r, "GET", () -> Response.json(Map.of()));
        }
        return switch (p.get(0)) {
            case "subjects" -> subjects(r, p, n);
            case "schemas" -> schemas(r, p, n);
            case "config" -> config(r, n);
            case "compatibility" -> {
                // RestService sends ".../versions/" (trailing slash) to check against all versions.
                if (n < 4 || !"subjects".equals(p.get(1)) || !"versions".equals(p.get(3)) || n > 5) {
                    throw RegistryError.notFound();
                }
                String subject = r.subject(2);
                String version = n == 5 ? r.segment(4) : null;
                yield only(r, "POST", () -> compatibility(r, subject, version));
            }
            case "mode" -> mode(r, n);
            case "contexts" -> {
                if (n != 1) {
                    throw RegistryError.notFound();
                }
                yield only(r, "GET", () -> Response.json(List.of(".")));
            }
            case "v1" -> metadata(r, p, n);
            default -> throw RegistryError.notFound();
        };
    }

    private Response subjects(Request r, List<String> p, int n) {
        if (n == 1) {
            return only(r, "GET", () -> Response.json(registry.subjects(
                    SchemaRegistry.Filter.of(r.flag("deleted"), r.flag("deletedOnly")),
                    unqualified(r.param("subjectPrefix", "")))));
        }
        String subject = r.subject(1);
        if (n == 2) {
            return switch (r.method) {
                case "POST" -> lookup(r, subject);
                case "DELETE" -> Response.json(registry.deleteSubject(subject, r.flag("permanent")));
                default -> throw RegistryError.methodNotAllowed();
            };
        }
        if (n == 3 && "metadata".equals(p.get(2))) {
            // Latest version carrying given metadata: we keep no metadata, so none ever matches.
            return only(r, "GET", () -> {
                registry.versions(subject, r.flag("deleted"));
                throw RegistryError.schemaNotFound();
            });
        }
        if (!"versions".equals(p.get(2))) {
            throw RegistryError.notFound();
        }
        if (n == 3) {
            return switch (r.method) {
                case "GET" -> Response.json(registry.versions(subject,
                        SchemaRegistry.Filter.of(r.flag("deleted"), r.flag("deletedOnly"))));
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

    private Response schemas(Request r, List<String> p, int n) {
        if (n == 1) {
            return only(r, "GET", () -> Response.json(allSchemas(r)));
        }
        if (n == 2 && "types".equals(p.get(1))) {
            return only(r, "GET", () -> Response.json(List.of(SchemaRegistry.AVRO)));
        }
        if (n == 3 && "guids".equals(p.get(1))) {
            return only(r, "GET", () -> {
                SchemaRegistry.SchemaVersion found = registry.schemaByGuid(r.segment(2));
                return Response.json(orderedMap("schema", found.schema(), "guid", found.guid()));
            });
        }
        if (!"ids".equals(p.get(1)) || n < 3 || n > 4) {
            throw RegistryError.notFound();
        }
        int id = schemaId(p.get(2));
        if (n == 3) {
            return only(r, "GET", () -> {
                // Confluent's SchemaString; "subject", "format" and "findTags" change nothing for AVRO here.
                Map<String, Object> body = orderedMap("schema", registry.schemaById(id));
                if (r.flag("fetchMaxId")) {
                    body.put("maxId", registry.maxId());
                }
                return Response.json(body);
            });
        }
        return switch (p.get(3)) {
            case "schema" -> only(r, "GET", () -> Response.raw(registry.schemaById(id)));
            case "versions" -> only(r, "GET", () -> Response.json(registry.versionsById(id, r.flag("deleted"))
                    .stream().map(v -> orderedMap("subject", v.subject(), "version", v.version())).toList()));
            case "subjects" -> only(r, "GET", () -> Response.json(registry.subjectsById(id, r.flag("deleted"))));
            default -> throw RegistryError.notFound();
        };
    }

    /** {@code GET /schemas}: subjectPrefix, deleted, latestOnly, offset and limit, as Confluent reads them. */
    private List<Map<String, Object>> allSchemas(Request r) {
        String prefix = unqualified(r.param("subjectPrefix", ""));
        List<SchemaRegistry.SchemaVersion> found = registry.allSchemas(r.flag("deleted")).stream()
                .filter(v -> v.subject().startsWith(prefix)).toList();
        if (r.flag("latestOnly")) {
            Map<String, SchemaRegistry.SchemaVersion> latest = new LinkedHashMap<>();
            found.forEach(v -> latest.put(v.subject(), v));
            found = List.copyOf(latest.values());
        }
        int offset = Math.min(r.intParam("offset", 0), found.size());
        int limit = r.intParam("limit", 0);
        int to = limit > 0 ? Math.min(found.size(), offset + limit) : found.size();
        return found.subList(offset, to).stream().map(SchemaRegistryServer::schemaVersionJson).toList();
    }

    private Response config(Request r, int n) {
        if (n == 1) {
            return switch (r.method) {
                case "GET" -> Response.json(Map.of("compatibilityLevel", registry.globalLevel().name()));
                case "PUT" -> Response.json(updateConfig(r, null));
                case "DELETE" -> Response.json(Map.of("compatibilityLevel", registry.resetGlobalLevel().name()));
                default -> throw RegistryError.methodNotAllowed();
            };
        }
        if (n != 2) {
            throw RegistryError.notFound();
        }
        String subject = r.subject(1);
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
            case "PUT" -> Response.json(updateConfig(r, subject));
            case "DELETE" -> Response.json(Map.of("compatibilityLevel", registry.deleteSubjectLevel(subject).name()));
            default -> throw RegistryError.methodNotAllowed();
        };
    }

    /**
     * PUT /config: Confluent's ConfigUpdateRequest, echoed on success. Only the compatibility level
     * has an effect here; a request without one (e.g. only {@code "normalize": true}, or only fields
     * Confluent does not know) changes nothing but is accepted, as Confluent's ConfigResource does.
     */
    private Map<String, Object> updateConfig(Request r, String subject) {
        ObjectNode body = r.jsonBody();
        JsonNode levelNode = body.hasNonNull("compatibility") ? body.get("compatibility") : body.get("compatibilityLevel");
        Map<String, Object> echo = new LinkedHashMap<>();
        if (levelNode != null && !levelNode.isNull()) {
            if (!levelNode.isTextual()) {
                throw RegistryError.invalidCompatibilityLevel();
            }
            CompatibilityLevel level = CompatibilityLevel.fromName(levelNode.asText())
                    .orElseThrow(RegistryError::invalidCompatibilityLevel);
            if (subject == null) {
                registry.setGlobalLevel(level);
            } else {
                registry.setSubjectLevel(subject, level);
            }
            echo.put("compatibility", level.name());
        }
        if (body.has("normalize") && body.get("normalize").isBoolean()) {
            echo.put("normalize", body.get("normalize").asBoolean());
        }
        return echo;
    }

    /** Only READWRITE exists here: mode changes are refused with Confluent's "mode.mutability=false" answer. */
    private Response mode(Request r, int n) {
        if (n > 2) {
            throw RegistryError.notFound();
        }
        String subject = n == 2 ? r.subject(1) : null;
        return switch (r.method) {
            case "GET", "HEAD" -> {
                if (subject != null && !r.flag("defaultToGlobal")) {
                    throw RegistryError.subjectModeNotConfigured(subject);
                }
                yield Response.json(Map.of("mode", "READWRITE"));
            }
            case "PUT" -> {
                JsonNode mode = r.jsonBody().get("mode");
                String name = mode == null || !mode.isTextual() ? "" : mode.asText().toUpperCase(Locale.ROOT);
                if (!Set.of("READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT").contains(name)) {
                    throw RegistryError.invalidMode();
                }
                if (!"READWRITE".equals(name)) {
                    throw RegistryError.operationNotPermitted("Mode changes are not allowed");
                }
                yield Response.json(Map.of("mode", name));
            }
            case "DELETE" -> {
                if (subject == null) {
                    throw RegistryError.methodNotAllowed();
                }
                throw RegistryError.subjectModeNotConfigured(subject);
            }
            default -> throw RegistryError.methodNotAllowed();
        };
    }

    /** {@code /v1/metadata/id} and {@code /v1/metadata/version}, which Confluent's admin clients read. */
    private Response metadata(Request r, List<String> p, int n) {
        if (n != 3 || !"metadata".equals(p.get(1))) {
            throw RegistryError.notFound();
        }
        return switch (p.get(2)) {
            case "id" -> only(r, "GET", () -> Response.json(orderedMap("id", CLUSTER_ID,
                    "scope", orderedMap("path", List.of(), "clusters",
                            orderedMap("schema-registry-cluster", "schema-registry")))));
            case "version" -> only(r, "GET", () -> Response.json(orderedMap("version", SERVER_VERSION,
                    "commitId", "mlcycle-local")));
            default -> throw RegistryError.notFound();
        };
    }

    private Response register(Request r, String subject) {
        SchemaRequest body = SchemaRequest.from(r.jsonBody());
        SchemaRegistry.SchemaVersion registered = registry.register(subject, body.schema(), body.schemaType(),
                body.references(), body.options());
        // Confluent answers {"id"}; 8.x servers add the GUID, which header-id producers need.
        return Response.json(orderedMap("id", registered.id(), "guid", registered.guid()));
    }

    private Response lookup(Request r, String subject) {
        SchemaRequest body = SchemaRequest.from(r.jsonBody());
        // "normalize" changes nothing here: schemas are always compared in Avro's canonical text.
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

    /** Jersey answers 404 when a path parameter is not an Integer; so do we. */
    private static int schemaId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw RegistryError.notFound();
        }
    }

    /** A subject without Confluent's default-context qualifier {@code :.:}. */
    private static String unqualified(String subject) {
        return subject.startsWith(DEFAULT_CONTEXT_PREFIX) ? subject.substring(DEFAULT_CONTEXT_PREFIX.length()) : subject;
    }

    /**
     * Confluent's Schema entity; {@code schemaType} is omitted for AVRO, as Confluent does. The
     * GUID is what Confluent 8.x clients read to put a header-based schema id on a record.
     */
    private static Map<String, Object> schemaVersionJson(SchemaRegistry.SchemaVersion v) {
        return orderedMap("subject", v.subject(), "version", v.version(), "id", v.id(), "guid", v.guid(),
                "schema", v.schema());
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
