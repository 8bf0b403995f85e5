package io.mlcycle.platform.registry;

import io.mlcycle.schemas.compat.CompatibilityLevel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SchemaRegistryClient} over the Confluent Schema Registry REST API (served by Confluent, Apicurio's ccompat
 * API, Karapace, Redpanda and local-stack), on {@link java.net.http.HttpClient}.
 *
 * <p>Caches id to schema and (subject, schema) to id/version, which never change. Retries I/O errors, timeouts and
 * 5xx answers up to {@link RegistryClientSettings#maxAttempts()} times with exponential backoff, moving to the next
 * base URL after a failure; 4xx answers are not retried and become the matching {@link SchemaRegistryException}.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

    private static final Logger log = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT = CONTENT_TYPE + ", application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

    private record SubjectSchema(String subject, String canonicalText) {
    }

    private final RegistryClientSettings settings;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final Optional<String> authorization;
    private final AtomicInteger preferredUrl = new AtomicInteger();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Schema> schemasByGuid = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, SchemaMetadata> metadataBySubjectSchema = new ConcurrentHashMap<>();

    public RestSchemaRegistryClient(RegistryClientSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL);
        settings.tls().ifPresent(tls -> builder.sslContext(tls.sslContext()));
        this.http = builder.build();
        this.authorization = settings.basicAuthUserInfo().map(info ->
                "Basic " + Base64.getEncoder().encodeToString(info.getBytes(StandardCharsets.UTF_8)));
    }

    /** A client with default retries and timeouts for a comma-separated list of base URLs. */
    public static RestSchemaRegistryClient forUrls(String commaSeparatedUrls) {
        return new RestSchemaRegistryClient(RegistryClientSettings.forUrls(commaSeparatedUrls));
    }

    public RegistryClientSettings settings() {
        return settings;
    }

    @Override
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(requireSubject(subject), schema.toString());
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        int id = requiredInt(answer, "id");
        idsBySubjectSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    @Override
    public Schema getSchemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null);
        Schema schema = parseSchema(answer, "schema " + id);
        Schema previous = schemasById.putIfAbsent(id, schema);
        return previous == null ? schema : previous;
    }

    @Override
    public Schema getSchemaByGuid(String guid) {
        String key = Objects.requireNonNull(guid, "guid").toLowerCase(java.util.Locale.ROOT);
        Schema cached = schemasByGuid.get(key);
        if (cached != null) {
            return cached;
        }
        Schema schema = parseSchema(send("GET", "/schemas/guids/" + encode(guid), null), "schema GUID " + guid);
        Schema previous = schemasByGuid.putIfAbsent(key, schema);
        return previous == null ? schema : previous;
    }

    @Override
    public SchemaMetadata getLatestSchemaMetadata(String subject) {
        return toMetadata(send("GET", "/subjects/" + encode(requireSubject(subject)) + "/versions/latest", null), subject);
    }

    @Override
    public SchemaMetadata getSchemaMetadata(String subject, int version) {
        String path = "/subjects/" + encode(requireSubject(subject)) + "/versions/" + (version == -1 ? "latest" : Integer.toString(version));
        return toMetadata(send("GET", path, null), subject);
    }

    @Override
    public SchemaMetadata lookup(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(requireSubject(subject), schema.toString());
        SchemaMetadata cached = metadataBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
        SchemaMetadata metadata = new SchemaMetadata(requiredInt(answer, "id"), requiredInt(answer, "version"), subject, schema);
        metadataBySubjectSchema.put(key, metadata);
        idsBySubjectSchema.putIfAbsent(key, metadata.id());
        schemasById.putIfAbsent(metadata.id(), schema);
        return metadata;
    }

    @Override
    public List<String> getAllSubjects() {
        List<String> subjects = new ArrayList<>();
        send("GET", "/subjects", null).forEach(node -> subjects.add(node.asText()));
        subjects.sort(null);
        return List.copyOf(subjects);
    }

    @Override
    public List<Integer> getAllVersions(String subject) {
        List<Integer> versions = new ArrayList<>();
        send("GET", "/subjects/" + encode(requireSubject(subject)) + "/versions", null).forEach(node -> versions.add(node.asInt()));
        return List.copyOf(versions);
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) {
        try {
            // Against the subject, not /versions/latest: the registry then runs registration's own check, every
            // version for the transitive levels (Confluent 5.5+).
            JsonNode answer = send("POST", "/compatibility/subjects/" + encode(requireSubject(subject)) + "/versions",
                    schemaBody(schema));
            return answer.path("is_compatible").asBoolean(false);
        } catch (SubjectNotFoundException | VersionNotFoundException e) {
            // Nothing registered yet: anything may be the first version.
            return true;
        }
    }

    @Override
    public void updateCompatibility(String subject, CompatibilityLevel level) {
        ObjectNode body = json.createObjectNode().put("compatibility", level.name());
        send("PUT", subject == null ? "/config" : "/config/" + encode(subject), body);
    }

    @Override
    public CompatibilityLevel getCompatibility(String subject) {
        JsonNode answer = send("GET", subject == null ? "/config" : "/config/" + encode(subject) + "?defaultToGlobal=true", null);
        JsonNode level = answer.has("compatibilityLevel") ? answer.get("compatibilityLevel") : answer.get("compatibility");
        if (level == null) {
            throw new SchemaRegistryException(200, -1, "Registry answer to GET /config has no compatibility level: " + answer);
        }
        return CompatibilityLevel.parse(level.asText());
    }

    @Override
    public List<Integer> deleteSubject(String subject) {
        List<Integer> versions = new ArrayList<>();
        send("DELETE", "/subjects/" + encode(requireSubject(subject)), null).forEach(node -> versions.add(node.asInt()));
        idsBySubjectSchema.keySet().removeIf(k -> k.subject().equals(subject));
        metadataBySubjectSchema.keySet().removeIf(k -> k.subject().equals(subject));
        return List.copyOf(versions);
    }

    private ObjectNode schemaBody(Schema schema) {
        // Avro is the registry's default schemaType, so like Confluent's serializer we leave it out.
        return json.createObjectNode().put("schema", schema.toString());
    }

    private SchemaMetadata toMetadata(JsonNode answer, String subject) {
        Schema schema = parseSchema(answer, "subject " + subject);
        int id = requiredInt(answer, "id");
        schemasById.putIfAbsent(id, schema);
        return new SchemaMetadata(id, requiredInt(answer, "version"), answer.path("subject").asText(subject), schema);
    }

    private static Schema parseSchema(JsonNode answer, String what) {
        String type = answer.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new InvalidSchemaException("The registry holds a " + type + " schema for " + what + "; only AVRO is supported");
        }
        JsonNode text = answer.get("schema");
        if (text == null || !text.isTextual()) {
            throw new SchemaRegistryException(200, -1, "Registry answer for " + what + " has no schema text");
        }
        try {
            return new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw new InvalidSchemaException("The registry returned an unparsable Avro schema for " + what + ": " + e.getMessage());
        }
    }

    private static int requiredInt(JsonNode answer, String field) {
        JsonNode node = answer.get(field);
        if (node == null || !node.canConvertToInt()) {
            throw new SchemaRegistryException(200, -1, "Registry answer lacks integer field '" + field + "': " + answer);
        }
        return node.asInt();
    }

    private JsonNode send(String method, String pathAndQuery, JsonNode body) {
        List<URI> urls = settings.urls();
        int start = preferredUrl.get();
        Duration backoff = settings.initialBackoff();
        RuntimeException lastFailure = null;
        List<String> tried = new ArrayList<>();
        for (int attempt = 0; attempt < settings.maxAttempts(); attempt++) {
            if (attempt > 0) {
                pause(backoff);
                backoff = backoff.multipliedBy(2);
            }
            int urlIndex = (start + attempt) % urls.size();
            URI target = URI.create(urls.get(urlIndex) + pathAndQuery);
            tried.add(target.toString());
            try {
                HttpResponse<String> response = http.send(buildRequest(method, target, body), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    preferredUrl.set(urlIndex);
                    return response.body() == null || response.body().isBlank() ? json.nullNode() : json.readTree(response.body());
                }
                SchemaRegistryException error = errorFrom(method, target, status, response.body());
                if (status < 500) {
                    throw error;
                }
                lastFailure = error;
                log.warn("Schema registry {} {} answered {} (attempt {}/{})", method, target, status, attempt + 1, settings.maxAttempts());
            } catch (IOException e) {
                lastFailure = new RegistryUnreachableException("Schema registry unreachable at " + target + ": "
                        + describe(e), e);
                log.warn("Schema registry {} {} failed: {} (attempt {}/{})", method, target, describe(e), attempt + 1, settings.maxAttempts());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryUnreachableException("Interrupted while calling the schema registry at " + target, e);
            }
        }
        if (lastFailure instanceof RegistryUnreachableException) {
            throw new RegistryUnreachableException("Schema registry unreachable after " + settings.maxAttempts()
                    + " attempt(s) (" + String.join(", ", tried) + "): " + lastFailure.getMessage(), lastFailure.getCause());
        }
        throw lastFailure;
    }

    private HttpRequest buildRequest(String method, URI target, JsonNode body) throws IOException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(target).timeout(settings.requestTimeout())
                .header("Accept", ACCEPT);
        authorization.ifPresent(value -> builder.header("Authorization", value));
        if (body != null) {
            builder.header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
        } else {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return builder.build();
    }

    private SchemaRegistryException errorFrom(String method, URI target, int status, String body) {
        int errorCode = -1;
        String message = null;
        try {
            JsonNode node = body == null || body.isBlank() ? null : json.readTree(body);
            if (node != null && node.isObject()) {
                errorCode = node.path("error_code").asInt(-1);
                message = node.path("message").asText(null);
            }
        } catch (IOException notJson) {
            message = body.length() > 200 ? body.substring(0, 200) + "..." : body;
        }
        String text = (message == null ? "HTTP " + status : message) + " (" + method + " " + target.getPath()
                + " -> " + status + (errorCode >= 0 ? ", error_code " + errorCode : "") + ")";
        return SchemaRegistryException.fromErrorResponse(status, errorCode, text);
    }

    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryUnreachableException("Interrupted while waiting to retry a schema registry call", e);
        }
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String requireSubject(String subject) {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("subject must not be blank");
        }
        return subject;
    }

    @Override
    public String toString() {
        return "RestSchemaRegistryClient" + settings.urls();
    }
}
