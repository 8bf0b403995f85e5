package io.mlcycle.localstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replays, byte for byte, the HTTP requests Confluent's {@code RestService} (7.x/8.x, used by
 * {@code CachedSchemaRegistryClient}, {@code KafkaAvroSerializer} and {@code KafkaAvroDeserializer})
 * sends: {@link HttpURLConnection}, Content-Type {@code application/vnd.schemaregistry.v1+json} on
 * every request, the query parameters its UriBuilder adds, and the body its Jackson mapper writes
 * for a RegisterSchemaRequest built from an AvroSchema ({@code schemaType} "AVRO" included,
 * empty fields left out). Each answer is checked the way the client reads it: status, then the
 * JSON fields of Confluent's entity (and no field the entity does not know).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfluentClientProtocolTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA_REGISTRY_V1_JSON = "application/vnd.schemaregistry.v1+json";

    /** The fields of Confluent's client entities, newest versions (unknown ones are ignored by 7.x+ clients). */
    private static final Set<String> SCHEMA_FIELDS = Set.of("subject", "version", "id", "guid", "schemaType",
            "references", "metadata", "ruleSet", "schema", "schemaTags", "ts", "deleted");
    private static final Set<String> SCHEMA_STRING_FIELDS = Set.of("schemaType", "schema", "references", "metadata",
            "ruleSet", "maxId", "guid", "schemaTags", "ts", "deleted");
    private static final Set<String> REGISTER_RESPONSE_FIELDS = Set.of("id", "version", "guid", "schemaType",
            "references", "metadata", "ruleSet", "schema", "ts", "deleted");
    private static final Set<String> ERROR_FIELDS = Set.of("error_code", "message");

    private static final String USER_V1 = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"io.mlcycle.test\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}";
    private static final String USER_V2 = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"io.mlcycle.test\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"},"
            + "{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
    private static final String USER_V3_INCOMPATIBLE = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"io.mlcycle.test\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"age\",\"type\":\"int\"}]}";

    private SchemaRegistryServer server;

    /** One exchange as RestService performs it: status and the body it would parse. */
    record Reply(int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("Not JSON: " + body, e);
            }
        }
    }

    @BeforeAll
    void start() {
        server = SchemaRegistryServer.startInMemory();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    /** RestService.sendHttpRequest: same connection set-up, headers and body handling. */
    private Reply send(String method, String pathAndQuery, String body) {
        try {
            HttpURLConnection connection = (HttpURLConnection) new URL(server.url() + pathAndQuery).openConnection();
            connection.setConnectTimeout(10_000);
            connection.setReadTimeout(10_000);
            connection.setRequestMethod(method);
            connection.setDoInput(true);
            connection.setRequestProperty("Content-Type", SCHEMA_REGISTRY_V1_JSON);
            connection.setUseCaches(false);
            if (body != null) {
                connection.setDoOutput(true);
                try (OutputStream out = connection.getOutputStream()) {
                    out.write(body.getBytes(StandardCharsets.UTF_8));
                }
            }
            int status = connection.getResponseCode();
            try (InputStream in = status == 200 ? connection.getInputStream() : connection.getErrorStream()) {
                String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (status == 200) {
                    assertThat(connection.getContentType()).isEqualTo(SCHEMA_REGISTRY_V1_JSON);
                }
                return new Reply(status, text);
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code new RegisterSchemaRequest(new AvroSchema(schema)).toJson()}: NON_EMPTY, so no references/metadata. */
    private static String registerRequest(String schema) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("schemaType", "AVRO");
        body.put("schema", canonical(schema));
        return toJson(body);
    }

    private static String canonical(String schema) {
        return new org.apache.avro.Schema.Parser().parse(schema).toString();
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String newSubject(String topic) {
        return topic + "-" + UUID.randomUUID() + "-value";
    }

    private static void assertOnlyFields(JsonNode node, Set<String> known) {
        List<String> names = new ArrayList<>();
        Iterator<String> it = node.fieldNames();
        it.forEachRemaining(names::add);
        assertThat(known).as("fields of " + node).containsAll(names);
    }

    private static void assertError(Reply reply, int status, int errorCode, String message) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertOnlyFields(reply.json(), ERROR_FIELDS);
        assertThat(reply.json().path("error_code").isInt()).isTrue();
        assertThat(reply.json().path("error_code").asInt()).isEqualTo(errorCode);
        if (message != null) {
            assertThat(reply.json().path("message").asText()).isEqualTo(message);
        }
    }

    private int register(String subject, String schema) {
        Reply reply = send("POST", "/subjects/" + subject + "/versions?normalize=false", registerRequest(schema));
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json().path("id").asInt();
    }

    private static String md5Guid(String canonicalSchema) throws Exception {
        ByteBuffer md5 = ByteBuffer.wrap(MessageDigest.getInstance("MD5").digest(canonicalSchema.getBytes(StandardCharsets.UTF_8)));
        return new UUID(md5.getLong(), md5.getLong()).toString();
    }

    // ------------------------------------------------------------ serializer, auto.register.schemas=true

    @Test
    void serializerRegistrationAnswersTheRegisterSchemaResponse() throws Exception {
        String subject = newSubject("orders");

        Reply reply = send("POST", "/subjects/" + subject + "/versions?normalize=false", registerRequest(USER_V1));

        assertThat(reply.status()).isEqualTo(200);
        JsonNode body = reply.json();
        assertOnlyFields(body, REGISTER_RESPONSE_FIELDS);
        assertThat(body.path("id").isInt()).isTrue();
        assertThat(body.path("guid").asText()).isEqualTo(md5Guid(canonical(USER_V1)));
        // Without "schema" in the answer, the 8.x serializer keeps writing with its own schema.
        assertThat(body.has("schema")).isFalse();
        // Registering again (another producer, a restart) gives the same id and no new version.
        Reply again = send("POST", "/subjects/" + subject + "/versions?normalize=true", registerRequest(USER_V1));
        assertThat(again.json().path("id").asInt()).isEqualTo(body.path("id").asInt());
        assertThat(send("GET", "/subjects/" + subject + "/versions?deleted=false&deletedOnly=false", null).body())
                .isEqualTo("[1]");
    }

    @Test
    void olderClientsWithoutSchemaTypeOrQueryParametersAreServedAlike() {
        String subject = newSubject("legacy");

        Reply reply = send("POST", "/subjects/" + subject + "/versions", toJson(Map.of("schema", USER_V1)));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().path("id").asInt()).isPositive();
    }

    @Test
    void newerRequestFieldsAreAcceptedOrRefusedAsConfluentDoes() {
        String subject = newSubject("fields");
        int id = register(subject, USER_V1);

        // metadata is accepted (and not kept); unknown fields are ignored.
        Map<String, Object> withExtras = new LinkedHashMap<>();
        withExtras.put("schemaType", "AVRO");
        withExtras.put("metadata", Map.of("properties", Map.of("owner", "team-a")));
        withExtras.put("propagateSchemaTags", false);
        withExtras.put("somethingNew", 1);
        withExtras.put("schema", canonical(USER_V1));
        assertThat(send("POST", "/subjects/" + subject + "/versions?normalize=false", toJson(withExtras))
                .json().path("id").asInt()).isEqualTo(id);

        // An explicit id that is not the schema's own needs IMPORT mode.
        Map<String, Object> withId = new LinkedHashMap<>(Map.of("version", 0, "id", 4242, "schemaType", "AVRO",
                "schema", canonical(USER_V2)));
        assertError(send("POST", "/subjects/" + subject + "/versions?normalize=false", toJson(withId)),
                422, 42205, "Subject " + subject + " is not in import mode");
        Map<String, Object> sameId = new LinkedHashMap<>(Map.of("id", id, "schema", canonical(USER_V1)));
        assertThat(send("POST", "/subjects/" + subject + "/versions", toJson(sameId)).json().path("id").asInt())
                .isEqualTo(id);

        // An explicit version must be the next one.
        Map<String, Object> wrongVersion = new LinkedHashMap<>(Map.of("version", 5, "schema", canonical(USER_V2)));
        assertError(send("POST", "/subjects/" + subject + "/versions", toJson(wrongVersion)),
                422, 42201, "Version is not one more than previous version");

        // Rule sets would not be enforced here, so they are refused rather than silently dropped.
        Map<String, Object> withRules = new LinkedHashMap<>(Map.of("schema", canonical(USER_V2),
                "ruleSet", Map.of("domainRules", List.of(Map.of("name", "r", "kind", "CONDITION", "mode", "WRITE",
                        "type", "CEL", "expr", "true"))))); 
        assertThat(send("POST", "/subjects/" + subject + "/versions", toJson(withRules)).json().path("error_code")
                .asInt()).isEqualTo(42201);

        // An empty schema re-registers the latest one (Confluent's metadata-only update).
        assertThat(send("POST", "/subjects/" + subject + "/versions", toJson(Map.of("schemaType", "AVRO")))
                .json().path("id").asInt()).isEqualTo(id);
        assertError(send("POST", "/subjects/" + newSubject("empty") + "/versions", "{}"), 422, 42201, "Empty schema");
    }

    @Test
    void incompatibleAndInvalidSchemasGiveConfluentsStatusesAndCodes() {
        String subject = newSubject("compat");
        register(subject, USER_V1);

        Reply incompatible = send("POST", "/subjects/" + subject + "/versions?normalize=false",
                registerRequest(USER_V3_INCOMPATIBLE));
        assertError(incompatible, 409, 409, null);
        assertThat(incompatible.json().path("message").asText())
                .startsWith("Schema being registered is incompatible with an earlier schema for subject \"" + subject + "\"");

        Map<String, Object> invalid = new LinkedHashMap<>(Map.of("schemaType", "AVRO", "schema", "{\"type\":\"nope\"}"));
        assertError(send("POST", "/subjects/" + subject + "/versions?normalize=false", toJson(invalid)), 422, 42201, null);
        Map<String, Object> protobuf = new LinkedHashMap<>(Map.of("schemaType", "PROTOBUF", "schema", "syntax = \"proto3\";"));
        assertError(send("POST", "/subjects/" + subject + "/versions?normalize=false", toJson(protobuf)),
                422, 42201, "Invalid schema type PROTOBUF");
    }

    // ------------------------------------------------------------ serializer, auto.register.schemas=false

    @Test
    void lookupAnswersTheSchemaEntityTheClientTurnsIntoARegisterSchemaResponse() throws Exception {
        String subject = newSubject("lookup");
        int id = register(subject, USER_V1);

        Reply reply = send("POST", "/subjects/" + subject + "?normalize=false&deleted=false", registerRequest(USER_V1));

        assertThat(reply.status()).isEqualTo(200);
        JsonNode schema = reply.json();
        assertOnlyFields(schema, SCHEMA_FIELDS);
        assertThat(schema.path("subject").asText()).isEqualTo(subject);
        assertThat(schema.path("version").asInt()).isEqualTo(1);
        assertThat(schema.path("id").asInt()).isEqualTo(id);
        assertThat(schema.path("guid").asText()).isEqualTo(md5Guid(canonical(USER_V1)));
        assertThat(schema.path("schema").asText()).isEqualTo(canonical(USER_V1));
        assertThat(schema.has("schemaType")).as("absent means AVRO to Confluent clients").isFalse();
    }

    @Test
    void lookupMissesAre40401And40403AndDeletedOnesNeedDeletedTrue() {
        String subject = newSubject("miss");
        assertError(send("POST", "/subjects/" + subject + "?normalize=false&deleted=false", registerRequest(USER_V1)),
                404, 40401, "Subject '" + subject + "' not found.");
        register(subject, USER_V1);
        assertError(send("POST", "/subjects/" + subject + "?normalize=false&deleted=false", registerRequest(USER_V2)),
                404, 40403, "Schema not found");

        register(subject, USER_V2);
        assertThat(send("DELETE", "/subjects/" + subject + "/versions/2?permanent=false", null).body()).isEqualTo("2");
        assertError(send("POST", "/subjects/" + subject + "?normalize=false&deleted=false", registerRequest(USER_V2)),
                404, 40403, null);
        // getVersion(subject, schema) looks deleted versions up too.
        Reply deleted = send("POST", "/subjects/" + subject + "?normalize=false&deleted=true", registerRequest(USER_V2));
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().path("version").asInt()).isEqualTo(2);
    }

    @Test
    void latestVersionForUseLatestVersion() {
        String subject = newSubject("latest");
        register(subject, USER_V1);
        int v2 = register(subject, USER_V2);

        Reply latest = send("GET", "/subjects/" + subject + "/versions/latest", null);
        Reply byNumber = send("GET", "/subjects/" + subject + "/versions/2?deleted=false", null);

        assertThat(latest.status()).isEqualTo(200);
        assertOnlyFields(latest.json(), SCHEMA_FIELDS);
        assertThat(latest.json().path("id").asInt()).isEqualTo(v2);
        assertThat(latest.json().path("version").asInt()).isEqualTo(2);
        assertThat(byNumber.json()).isEqualTo(latest.json());
        assertError(send("GET", "/subjects/" + subject + "/versions/7?deleted=false", null), 404, 40402, "Version 7 not found.");
        assertError(send("GET", "/subjects/" + newSubject("none") + "/versions/latest", null), 404, 40401, null);
        assertError(send("GET", "/subjects/" + subject + "/versions/0?deleted=false", null), 422, 42202, null);
        // use.latest.with.metadata: no version carries metadata here.
        assertError(send("GET", "/subjects/" + subject + "/metadata?key=owner&value=a&deleted=false", null),
                404, 40403, "Schema not found");
    }

    // ------------------------------------------------------------ deserializer

    @Test
    void schemaByIdAsTheDeserializerAsksForIt() {
        String subject = newSubject("read");
        int id = register(subject, USER_V1);

        Reply byId = send("GET", "/schemas/ids/" + id + "?fetchMaxId=false&subject=" + subject, null);
        Reply withMaxId = send("GET", "/schemas/ids/" + id + "?fetchMaxId=true", null);
        Reply contextQualified = send("GET", "/schemas/ids/" + id + "?fetchMaxId=false&subject=%3A.%3A", null);

        assertThat(byId.status()).isEqualTo(200);
        assertOnlyFields(byId.json(), SCHEMA_STRING_FIELDS);
        assertThat(byId.json().path("schema").asText()).isEqualTo(canonical(USER_V1));
        assertThat(byId.json().has("schemaType")).isFalse();
        assertThat(withMaxId.json().path("maxId").asInt()).isGreaterThanOrEqualTo(id);
        assertThat(contextQualified.json().path("schema").asText()).isEqualTo(canonical(USER_V1));
        assertError(send("GET", "/schemas/ids/999999?fetchMaxId=false&subject=" + subject, null),
                404, 40403, "Schema 999999 not found");
        assertThat(send("GET", "/schemas/ids/" + id + "/schema", null).body()).isEqualTo(canonical(USER_V1));
    }

    @Test
    void schemaByGuidForHeaderBasedSchemaIds() throws Exception {
        String subject = newSubject("guid");
        register(subject, USER_V2);
        String guid = md5Guid(canonical(USER_V2));

        Reply byGuid = send("GET", "/schemas/guids/" + guid, null);

        assertThat(byGuid.status()).isEqualTo(200);
        assertOnlyFields(byGuid.json(), SCHEMA_STRING_FIELDS);
        assertThat(byGuid.json().path("schema").asText()).isEqualTo(canonical(USER_V2));
        assertError(send("GET", "/schemas/guids/" + UUID.randomUUID(), null), 404, 40403, null);
    }

    // ------------------------------------------------------------ admin calls of CachedSchemaRegistryClient

    @Test
    void listingsWithTheirQueryParameters() {
        String subject = newSubject("admin");
        int id = register(subject, USER_V1);
        register(subject, USER_V2);
        send("DELETE", "/subjects/" + subject + "/versions/1?permanent=false", null);

        assertThat(send("GET", "/subjects?deleted=false&deletedOnly=false", null).json())
                .extracting(JsonNode::asText).contains(subject);
        assertThat(send("GET", "/subjects?deleted=false&deletedOnly=false&subjectPrefix=" + subject, null).body())
                .isEqualTo("[\"" + subject + "\"]");
        assertThat(send("GET", "/subjects/" + subject + "/versions?deleted=false&deletedOnly=false", null).body())
                .isEqualTo("[2]");
        assertThat(send("GET", "/subjects/" + subject + "/versions?deleted=true&deletedOnly=false", null).body())
                .isEqualTo("[1,2]");
        assertThat(send("GET", "/subjects/" + subject + "/versions?deleted=false&deletedOnly=true", null).body())
                .isEqualTo("[1]");
        assertThat(send("GET", "/subjects/:.:" + subject + "/versions", null).body()).isEqualTo("[2]");
        assertThat(send("GET", "/schemas/ids/" + id + "/subjects?deleted=true", null).body())
                .isEqualTo("[\"" + subject + "\"]");
        assertThat(send("GET", "/schemas/ids/" + id + "/versions?deleted=true", null).json().get(0).path("version")
                .asInt()).isEqualTo(1);
        JsonNode latestOnly = send("GET", "/schemas?subjectPrefix=" + subject + "&deleted=false&latestOnly=true", null).json();
        assertThat(latestOnly).hasSize(1);
        assertOnlyFields(latestOnly.get(0), SCHEMA_FIELDS);
        assertThat(send("GET", "/subjects/" + subject + "/versions/latest/schema", null).body()).isEqualTo(canonical(USER_V2));
        assertThat(send("GET", "/subjects/" + subject + "/versions/2/referencedby", null).body()).isEqualTo("[]");
        assertThat(send("GET", "/schemas/types", null).body()).isEqualTo("[\"AVRO\"]");
        assertThat(send("GET", "/contexts", null).body()).isEqualTo("[\".\"]");
        assertThat(send("GET", "/v1/metadata/version", null).json().path("version").asText()).isNotBlank();
        assertThat(send("GET", "/v1/metadata/id", null).json().path("id").asText()).isNotBlank();
    }

    @Test
    void deletesWithThePermanentFlag() {
        String subject = newSubject("delete");
        register(subject, USER_V1);

        assertError(send("DELETE", "/subjects/" + subject + "?permanent=true", null), 404, 40405, null);
        assertThat(send("DELETE", "/subjects/" + subject + "?permanent=false", null).body()).isEqualTo("[1]");
        assertError(send("DELETE", "/subjects/" + subject + "?permanent=false", null), 404, 40404, null);
        assertThat(send("DELETE", "/subjects/" + subject + "?permanent=true", null).body()).isEqualTo("[1]");
        assertError(send("DELETE", "/subjects/" + subject + "/versions/1?permanent=true", null), 404, 40401, null);
    }

    @Test
    void configAndCompatibilityAsTheClientSendsThem() {
        String subject = newSubject("config");
        register(subject, USER_V1);

        // getConfig(subject) sends defaultToGlobal=false; the serde's lookups send true.
        assertError(send("GET", "/config/" + subject + "?defaultToGlobal=false", null), 404, 40408, null);
        assertThat(send("GET", "/config/" + subject + "?defaultToGlobal=true", null).json().path("compatibilityLevel")
                .asText()).isEqualTo("BACKWARD");
        Reply put = send("PUT", "/config/" + subject, toJson(Map.of("compatibility", "FULL")));
        assertThat(put.body()).isEqualTo("{\"compatibility\":\"FULL\"}");
        Reply normalizeOnly = send("PUT", "/config/" + subject, toJson(Map.of("normalize", true)));
        assertThat(normalizeOnly.status()).isEqualTo(200);
        assertThat(send("GET", "/config/" + subject + "?defaultToGlobal=false", null).body())
                .isEqualTo("{\"compatibilityLevel\":\"FULL\"}");
        assertError(send("PUT", "/config/" + subject, toJson(Map.of("compatibility", "SIDEWAYS"))), 422, 42203, null);
        assertThat(send("GET", "/config", null).json().path("compatibilityLevel").asText()).isEqualTo("BACKWARD");

        Reply compatible = send("POST", "/compatibility/subjects/" + subject + "/versions/latest?normalize=false&verbose=false",
                registerRequest(USER_V2));
        Reply incompatible = send("POST", "/compatibility/subjects/" + subject + "/versions/?normalize=false&verbose=true",
                registerRequest(USER_V3_INCOMPATIBLE));
        assertThat(compatible.body()).isEqualTo("{\"is_compatible\":true}");
        assertThat(incompatible.json().path("is_compatible").asBoolean()).isFalse();
        assertThat(incompatible.json().path("messages")).isNotEmpty();
        assertThat(send("DELETE", "/config/" + subject, null).body()).isEqualTo("{\"compatibilityLevel\":\"FULL\"}");
    }

    @Test
    void modeIsReadWriteAndCannotBeChanged() {
        String subject = newSubject("mode");

        assertThat(send("GET", "/mode", null).body()).isEqualTo("{\"mode\":\"READWRITE\"}");
        assertThat(send("GET", "/mode/" + subject + "?defaultToGlobal=true", null).body()).isEqualTo("{\"mode\":\"READWRITE\"}");
        assertError(send("GET", "/mode/" + subject + "?defaultToGlobal=false", null), 404, 40409, null);
        assertThat(send("PUT", "/mode?force=false", toJson(Map.of("mode", "READWRITE"))).body()).isEqualTo("{\"mode\":\"READWRITE\"}");
        assertError(send("PUT", "/mode/" + subject + "?force=false", toJson(Map.of("mode", "IMPORT"))), 422, 42205, null);
        assertError(send("PUT", "/mode?force=false", toJson(Map.of("mode", "SOMETIMES"))), 422, 42204, null);
    }
}
