package io.mlcycle.localstack;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.mlcycle.localstack.SchemaRegistryTest.V1;
import static io.mlcycle.localstack.SchemaRegistryTest.V2_OPTIONAL_FIELD;
import static io.mlcycle.localstack.SchemaRegistryTest.V2_REQUIRED_FIELD;
import static io.mlcycle.localstack.SchemaRegistryTest.record;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every endpoint and error code of the Confluent Schema Registry API the local registry serves,
 * over HTTP, against a real embedded broker. One stack is shared by the whole class; each test
 * uses its own subjects so tests do not depend on each other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SchemaRegistryApiIT {

    private LocalStack stack;
    private RegistryHttp http;

    @BeforeAll
    void startStack() {
        stack = LocalStack.ephemeral();
        http = new RegistryHttp(stack.registryUrl());
    }

    @AfterAll
    void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    private static String subject() {
        return "s-" + UUID.randomUUID();
    }

    private static String canonical(String schema) {
        return SchemaRegistry.parse(schema, null, null).toString();
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Basics {

        @Test
        void rootAnswersAnEmptyObjectInTheRegistryContentType() {
            RegistryHttp.Reply reply = http.get("/");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("{}");
            assertThat(reply.contentType()).isEqualTo(RegistryHttp.V1_JSON);
        }

        @Test
        void onlyAvroIsSupported() {
            RegistryHttp.Reply reply = http.get("/schemas/types");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("[\"AVRO\"]");
        }

        @Test
        void modeIsReadWrite() {
            assertThat(http.get("/mode").json().path("mode").asText()).isEqualTo("READWRITE");
        }

        @Test
        void unknownPathsAnswer404AndWrongMethods405() {
            RegistryHttp.Reply unknown = http.get("/nothing/here");
            RegistryHttp.Reply nonNumericId = http.get("/schemas/ids/abc");
            RegistryHttp.Reply wrongMethod = http.put("/subjects", Map.of());

            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.errorCode()).isEqualTo(404);
            assertThat(unknown.message()).isEqualTo("HTTP 404 Not Found");
            assertThat(nonNumericId.status()).isEqualTo(404);
            assertThat(wrongMethod.status()).isEqualTo(405);
            assertThat(wrongMethod.errorCode()).isEqualTo(405);
            assertThat(wrongMethod.message()).isEqualTo("HTTP 405 Method Not Allowed");
        }

        @Test
        void malformedJsonIs400AndAForeignContentTypeIs415() {
            String subject = subject();
            RegistryHttp.Reply malformed = http.send("POST", "/subjects/" + subject + "/versions", "{\"schema\": ", RegistryHttp.V1_JSON);
            RegistryHttp.Reply notAnObject = http.send("POST", "/subjects/" + subject + "/versions", "[1,2]", "application/json");
            RegistryHttp.Reply wrongType = http.send("POST", "/subjects/" + subject + "/versions",
                    RegistryHttp.toJson(Map.of("schema", V1)), "text/plain");

            assertThat(malformed.status()).isEqualTo(400);
            assertThat(malformed.errorCode()).isEqualTo(400);
            assertThat(malformed.message()).isNotBlank().doesNotContain("at com.").doesNotContain("Exception");
            assertThat(notAnObject.status()).isEqualTo(400);
            assertThat(wrongType.status()).isEqualTo(415);
            assertThat(wrongType.errorCode()).isEqualTo(415);
            assertThat(http.get("/subjects/" + subject + "/versions").errorCode()).isEqualTo(40401);
        }

        @Test
        void allThreeRegistryContentTypesAreAccepted() {
            String subject = subject();
            for (String contentType : List.of(RegistryHttp.V1_JSON, "application/vnd.schemaregistry+json",
                    "application/json; charset=utf-8")) {
                RegistryHttp.Reply reply = http.send("POST", "/subjects/" + subject + "/versions",
                        RegistryHttp.toJson(Map.of("schema", V1)), contentType);
                assertThat(reply.status()).as(contentType).isEqualTo(200);
            }
            assertThat(http.get("/subjects/" + subject + "/versions").body()).isEqualTo("[1]");
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class RegisterAndRead {

        @Test
        void registeredSchemaIsReadableThroughEveryReadEndpoint() {
            String subject = subject();
            int id = http.register(subject, V1);

            JsonNode v1 = http.get("/subjects/" + subject + "/versions/1").json();
            assertThat(v1.path("subject").asText()).isEqualTo(subject);
            assertThat(v1.path("version").asInt()).isEqualTo(1);
            assertThat(v1.path("id").asInt()).isEqualTo(id);
            assertThat(v1.path("schema").asText()).isEqualTo(canonical(V1));
            assertThat(v1.has("schemaType")).as("schemaType is omitted for AVRO").isFalse();
            assertThat(http.get("/subjects/" + subject + "/versions/latest").json()).isEqualTo(v1);
            assertThat(http.get("/subjects/" + subject + "/versions/-1").json()).isEqualTo(v1);
            assertThat(http.get("/subjects/" + subject + "/versions/1/schema").body()).isEqualTo(canonical(V1));
            assertThat(http.get("/subjects/" + subject + "/versions/latest/referencedby").body()).isEqualTo("[]");
            assertThat(http.get("/subjects/" + subject + "/versions").body()).isEqualTo("[1]");
            assertThat(http.get("/subjects").json()).extracting(JsonNode::asText).contains(subject);

            JsonNode byId = http.get("/schemas/ids/" + id).json();
            assertThat(byId.path("schema").asText()).isEqualTo(canonical(V1));
            assertThat(byId.has("schemaType")).isFalse();
            assertThat(http.get("/schemas/ids/" + id + "/schema").body()).isEqualTo(canonical(V1));
            assertThat(http.get("/schemas/ids/" + id + "/subjects").json()).extracting(JsonNode::asText).contains(subject);
            assertThat(http.get("/schemas/ids/" + id + "/versions").json())
                    .anySatisfy(sv -> {
                        assertThat(sv.path("subject").asText()).isEqualTo(subject);
                        assertThat(sv.path("version").asInt()).isEqualTo(1);
                    });
            assertThat(http.get("/schemas").json()).anySatisfy(s -> assertThat(s.path("subject").asText()).isEqualTo(subject));
        }

        @Test
        void identicalSchemaReturnsTheSameIdWithoutANewVersion() {
            String subject = subject();
            int id = http.register(subject, V1);

            int again = http.register(subject, V1.replace(",", " , "));

            assertThat(again).isEqualTo(id);
            assertThat(http.get("/subjects/" + subject + "/versions").body()).isEqualTo("[1]");
        }

        @Test
        void sameSchemaUnderAnotherSubjectReusesTheGlobalId() {
            String first = subject();
            String second = subject();
            String schema = record("Shared" + Math.abs(first.hashCode()), "{\"name\":\"x\",\"type\":\"int\"}");

            int id = http.register(first, schema);
            int reused = http.register(second, schema);

            assertThat(reused).isEqualTo(id);
            assertThat(http.get("/subjects/" + second + "/versions/1").json().path("id").asInt()).isEqualTo(id);
            assertThat(http.get("/schemas/ids/" + id + "/subjects").json()).extracting(JsonNode::asText)
                    .containsExactlyInAnyOrder(first, second);
        }

        @Test
        void idsAreGlobalAndIncreaseByOne() {
            String subject = subject();
            int first = http.register(subject, record("Seq" + Math.abs(subject.hashCode()), "{\"name\":\"a\",\"type\":\"int\"}"));
            int second = http.register(subject(), record("Seq" + Math.abs(subject.hashCode()), "{\"name\":\"b\",\"type\":\"int\"}"));

            assertThat(first).isPositive();
            assertThat(second).isEqualTo(first + 1);
        }

        @Test
        void lookupFindsTheRegisteredVersion() {
            String subject = subject();
            int id = http.register(subject, V1);
            http.register(subject, V2_OPTIONAL_FIELD);

            RegistryHttp.Reply found = http.post("/subjects/" + subject, Map.of("schema", V1));
            RegistryHttp.Reply unknownSchema = http.post("/subjects/" + subject, Map.of("schema", V2_REQUIRED_FIELD));
            RegistryHttp.Reply unknownSubject = http.post("/subjects/" + subject() + "-missing", Map.of("schema", V1));

            assertThat(found.status()).isEqualTo(200);
            assertThat(found.json().path("subject").asText()).isEqualTo(subject);
            assertThat(found.json().path("id").asInt()).isEqualTo(id);
            assertThat(found.json().path("version").asInt()).isEqualTo(1);
            assertThat(found.json().path("schema").asText()).isEqualTo(canonical(V1));
            assertThat(unknownSchema.status()).isEqualTo(404);
            assertThat(unknownSchema.errorCode()).isEqualTo(40403);
            assertThat(unknownSchema.message()).isEqualTo("Schema not found");
            assertThat(unknownSubject.status()).isEqualTo(404);
            assertThat(unknownSubject.errorCode()).isEqualTo(40401);
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Errors {

        @Test
        void subjectNotFoundIs40401Everywhere() {
            String missing = subject();

            for (RegistryHttp.Reply reply : List.of(
                    http.get("/subjects/" + missing + "/versions"),
                    http.get("/subjects/" + missing + "/versions/1"),
                    http.get("/subjects/" + missing + "/versions/latest"),
                    http.delete("/subjects/" + missing),
                    http.delete("/subjects/" + missing + "/versions/1"),
                    http.post("/compatibility/subjects/" + missing + "/versions/1", Map.of("schema", V1)))) {
                assertThat(reply.status()).isEqualTo(404);
                assertThat(reply.errorCode()).isEqualTo(40401);
                assertThat(reply.message()).isEqualTo("Subject '" + missing + "' not found.");
            }
        }

        @Test
        void versionNotFoundIs40402() {
            String subject = subject();
            http.register(subject, V1);

            RegistryHttp.Reply reply = http.get("/subjects/" + subject + "/versions/5");

            assertThat(reply.status()).isEqualTo(404);
            assertThat(reply.errorCode()).isEqualTo(40402);
            assertThat(reply.message()).isEqualTo("Version 5 not found.");
        }

        @Test
        void schemaNotFoundIs40403() {
            RegistryHttp.Reply byId = http.get("/schemas/ids/987654");
            RegistryHttp.Reply versions = http.get("/schemas/ids/987654/versions");
            RegistryHttp.Reply subjects = http.get("/schemas/ids/987654/subjects");

            assertThat(byId.status()).isEqualTo(404);
            assertThat(byId.errorCode()).isEqualTo(40403);
            assertThat(byId.message()).isEqualTo("Schema 987654 not found");
            assertThat(versions.errorCode()).isEqualTo(40403);
            assertThat(versions.message()).isEqualTo("Schema not found");
            assertThat(subjects.errorCode()).isEqualTo(40403);
        }

        @Test
        void invalidSchemaIs42201() {
            String subject = subject();
            RegistryHttp.Reply unparseable = http.post("/subjects/" + subject + "/versions", Map.of("schema", "{\"type\":\"recrod\"}"));
            RegistryHttp.Reply notJson = http.post("/subjects/" + subject + "/versions", Map.of("schema", "not a schema"));
            RegistryHttp.Reply jsonSchema = http.post("/subjects/" + subject + "/versions",
                    Map.of("schema", "{\"type\":\"object\"}", "schemaType", "JSON"));
            RegistryHttp.Reply withReferences = http.post("/subjects/" + subject + "/versions", Map.of("schema", V1,
                    "references", List.of(Map.of("name", "x", "subject", "y", "version", 1))));
            RegistryHttp.Reply noSchema = http.post("/subjects/" + subject + "/versions", Map.of("schemaType", "AVRO"));

            for (RegistryHttp.Reply reply : List.of(unparseable, notJson, jsonSchema, withReferences, noSchema)) {
                assertThat(reply.status()).isEqualTo(422);
                assertThat(reply.errorCode()).isEqualTo(42201);
            }
            for (RegistryHttp.Reply reply : List.of(unparseable, notJson, jsonSchema, withReferences)) {
                assertThat(reply.message()).startsWith("Invalid schema");
            }
            // Confluent fills a missing schema from the subject's latest version; with none there is nothing to fill.
            assertThat(noSchema.message()).isEqualTo("Empty schema");
            assertThat(unparseable.message()).startsWith("Invalid schema {\"type\":\"recrod\"} with refs [] of type AVRO, details: ");
            assertThat(jsonSchema.message()).isEqualTo("Invalid schema type JSON");
            assertThat(http.get("/subjects/" + subject + "/versions").errorCode()).as("nothing registered").isEqualTo(40401);
        }

        @Test
        void invalidVersionIs42202() {
            String subject = subject();
            http.register(subject, V1);

            RegistryHttp.Reply word = http.get("/subjects/" + subject + "/versions/first");
            RegistryHttp.Reply zero = http.get("/subjects/" + subject + "/versions/0");
            RegistryHttp.Reply onDelete = http.delete("/subjects/" + subject + "/versions/-7");
            RegistryHttp.Reply onCompatibility = http.post("/compatibility/subjects/" + subject + "/versions/x", Map.of("schema", V1));

            assertThat(word.status()).isEqualTo(422);
            assertThat(word.errorCode()).isEqualTo(42202);
            assertThat(word.message()).isEqualTo("The specified version 'first' is not a valid version id. "
                    + "Allowed values are between [1, 2^31-1] and the string \"latest\"");
            assertThat(zero.errorCode()).isEqualTo(42202);
            assertThat(onDelete.errorCode()).isEqualTo(42202);
            assertThat(onCompatibility.errorCode()).isEqualTo(42202);
        }

        @Test
        void incompatibleSchemaIs409WithConfluentsMessage() {
            String subject = subject();
            http.register(subject, V1);

            RegistryHttp.Reply reply = http.post("/subjects/" + subject + "/versions", Map.of("schema", V2_REQUIRED_FIELD));

            assertThat(reply.status()).isEqualTo(409);
            assertThat(reply.errorCode()).isEqualTo(409);
            assertThat(reply.message())
                    .startsWith("Schema being registered is incompatible with an earlier schema for subject \"" + subject
                            + "\", details: [{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'age' "
                            + "at path '/fields/1' in the new schema has no default value and is missing in the old schema', "
                            + "additionalInfo:'age'}, {oldSchemaVersion: 1}, {oldSchema: '" + canonical(V1) + "'}")
                    .endsWith("{validateFields: 'false', compatibility: 'BACKWARD'}]");
            assertThat(http.get("/subjects/" + subject + "/versions").body()).isEqualTo("[1]");
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Deletes {

        @Test
        void softAndPermanentVersionDeletes() {
            String subject = subject();
            http.register(subject, V1);
            http.register(subject, V2_OPTIONAL_FIELD);

            RegistryHttp.Reply permanentFirst = http.delete("/subjects/" + subject + "/versions/2?permanent=true");
            assertThat(permanentFirst.status()).isEqualTo(404);
            assertThat(permanentFirst.errorCode()).isEqualTo(40407);
            assertThat(permanentFirst.message()).isEqualTo("Subject '" + subject + "' Version 2 was not deleted first before being permanently deleted");

            RegistryHttp.Reply soft = http.delete("/subjects/" + subject + "/versions/1");
            assertThat(soft.status()).isEqualTo(200);
            assertThat(soft.body()).isEqualTo("1");
            assertThat(http.get("/subjects/" + subject + "/versions").body()).isEqualTo("[2]");
            assertThat(http.get("/subjects/" + subject + "/versions?deleted=true").body()).isEqualTo("[1,2]");
            assertThat(http.get("/subjects/" + subject + "/versions/1").errorCode()).isEqualTo(40402);
            assertThat(http.get("/subjects/" + subject + "/versions/1?deleted=true").status()).isEqualTo(200);

            RegistryHttp.Reply softAgain = http.delete("/subjects/" + subject + "/versions/1");
            assertThat(softAgain.status()).isEqualTo(404);
            assertThat(softAgain.errorCode()).isEqualTo(40406);
            assertThat(softAgain.message()).isEqualTo("Subject '" + subject + "' Version 1 was soft deleted.Set permanent=true to delete permanently");

            RegistryHttp.Reply permanent = http.delete("/subjects/" + subject + "/versions/1?permanent=true");
            assertThat(permanent.status()).isEqualTo(200);
            assertThat(permanent.body()).isEqualTo("1");
            assertThat(http.get("/subjects/" + subject + "/versions?deleted=true").body()).isEqualTo("[2]");
            assertThat(http.get("/subjects/" + subject + "/versions/1?deleted=true").errorCode()).isEqualTo(40402);
        }

        @Test
        void softDeletedVersionsAreSkippedByCompatibilityChecks() {
            String subject = subject();
            http.register(subject, V1);
            http.delete("/subjects/" + subject + "/versions/1");

            RegistryHttp.Reply reply = http.post("/subjects/" + subject + "/versions", Map.of("schema", "\"string\""));

            assertThat(reply.status()).isEqualTo(200);
            assertThat(http.get("/subjects/" + subject + "/versions?deleted=true").body()).isEqualTo("[1,2]");
        }

        @Test
        void softAndPermanentSubjectDeletes() {
            String subject = subject();
            int id = http.register(subject, record("Gone" + Math.abs(subject.hashCode()), "{\"name\":\"a\",\"type\":\"int\"}"));
            http.register(subject, record("Gone" + Math.abs(subject.hashCode()),
                    "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"int\",\"default\":1}"));
            http.put("/config/" + subject, Map.of("compatibility", "NONE"));

            RegistryHttp.Reply permanentFirst = http.delete("/subjects/" + subject + "?permanent=true");
            assertThat(permanentFirst.status()).isEqualTo(404);
            assertThat(permanentFirst.errorCode()).isEqualTo(40405);
            assertThat(permanentFirst.message()).isEqualTo("Subject '" + subject + "' was not deleted first before being permanently deleted");

            RegistryHttp.Reply soft = http.delete("/subjects/" + subject);
            assertThat(soft.status()).isEqualTo(200);
            assertThat(soft.body()).isEqualTo("[1,2]");
            assertThat(http.get("/subjects").json()).extracting(JsonNode::asText).doesNotContain(subject);
            assertThat(http.get("/subjects?deleted=true").json()).extracting(JsonNode::asText).contains(subject);
            assertThat(http.get("/subjects/" + subject + "/versions").errorCode()).isEqualTo(40401);
            assertThat(http.get("/subjects/" + subject + "/versions?deleted=true").body()).isEqualTo("[1,2]");
            assertThat(http.get("/schemas/ids/" + id).status()).as("ids stay readable after a soft delete").isEqualTo(200);
            assertThat(http.get("/config/" + subject).errorCode()).as("the subject's level goes with it").isEqualTo(40408);

            RegistryHttp.Reply softAgain = http.delete("/subjects/" + subject);
            assertThat(softAgain.status()).isEqualTo(404);
            assertThat(softAgain.errorCode()).isEqualTo(40404);
            assertThat(softAgain.message()).isEqualTo("Subject '" + subject + "' was soft deleted.Set permanent=true to delete permanently");

            RegistryHttp.Reply permanent = http.delete("/subjects/" + subject + "?permanent=true");
            assertThat(permanent.status()).isEqualTo(200);
            assertThat(permanent.body()).isEqualTo("[1,2]");
            assertThat(http.get("/subjects?deleted=true").json()).extracting(JsonNode::asText).doesNotContain(subject);
            assertThat(http.get("/schemas/ids/" + id).errorCode()).isEqualTo(40403);
            assertThat(http.delete("/subjects/" + subject).errorCode()).isEqualTo(40401);
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Config {

        @Test
        void globalLevelDefaultsToBackwardAndCanBeChangedAndReset() {
            assertThat(http.get("/config").json().path("compatibilityLevel").asText()).isEqualTo("BACKWARD");

            RegistryHttp.Reply put = http.put("/config", Map.of("compatibility", "FULL"));
            try {
                assertThat(put.status()).isEqualTo(200);
                assertThat(put.body()).isEqualTo("{\"compatibility\":\"FULL\"}");
                assertThat(http.get("/config").body()).isEqualTo("{\"compatibilityLevel\":\"FULL\"}");
            } finally {
                RegistryHttp.Reply reset = http.delete("/config");
                assertThat(reset.json().path("compatibilityLevel").asText()).isEqualTo("FULL");
            }
            assertThat(http.get("/config").json().path("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        }

        @Test
        void subjectLevelIsSetReadAndDeleted() {
            String subject = subject();

            RegistryHttp.Reply unset = http.get("/config/" + subject);
            assertThat(unset.status()).isEqualTo(404);
            assertThat(unset.errorCode()).isEqualTo(40408);
            assertThat(unset.message()).isEqualTo("Subject '" + subject + "' does not have subject-level compatibility configured");
            assertThat(http.get("/config/" + subject + "?defaultToGlobal=true").body()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");

            RegistryHttp.Reply put = http.put("/config/" + subject, Map.of("compatibility", "forward_transitive"));
            assertThat(put.status()).isEqualTo(200);
            assertThat(put.body()).isEqualTo("{\"compatibility\":\"FORWARD_TRANSITIVE\"}");
            assertThat(http.get("/config/" + subject).body()).isEqualTo("{\"compatibilityLevel\":\"FORWARD_TRANSITIVE\"}");

            RegistryHttp.Reply deleted = http.delete("/config/" + subject);
            assertThat(deleted.status()).isEqualTo(200);
            assertThat(deleted.body()).isEqualTo("{\"compatibilityLevel\":\"FORWARD_TRANSITIVE\"}");
            assertThat(http.get("/config/" + subject).errorCode()).isEqualTo(40408);
            RegistryHttp.Reply deleteAgain = http.delete("/config/" + subject);
            assertThat(deleteAgain.status()).isEqualTo(404);
            assertThat(deleteAgain.errorCode()).isEqualTo(40401);
        }

        @Test
        void invalidLevelIs42203() {
            String subject = subject();
            // Confluent ignores unknown fields, so a body without a level changes nothing and is accepted.
            RegistryHttp.Reply noLevel = http.put("/config/" + subject, Map.of("something", "else"));
            assertThat(noLevel.status()).isEqualTo(200);
            assertThat(noLevel.body()).isEqualTo("{}");
            assertThat(http.get("/config/" + subject).errorCode()).isEqualTo(40408);
            for (RegistryHttp.Reply reply : List.of(
                    http.put("/config", Map.of("compatibility", "SIDEWAYS")),
                    http.put("/config/" + subject, Map.of("compatibility", "SIDEWAYS")),
                    http.put("/config/" + subject, Map.of("compatibility", 7)))) {
                assertThat(reply.status()).isEqualTo(422);
                assertThat(reply.errorCode()).isEqualTo(42203);
                assertThat(reply.message()).isEqualTo("Invalid compatibility level. Valid values are none, backward, "
                        + "forward, full, backward_transitive, forward_transitive, and full_transitive");
            }
            assertThat(http.get("/config").json().path("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        }

        @Test
        void subjectLevelGovernsRegistration() {
            String subject = subject();
            http.register(subject, V1);
            http.put("/config/" + subject, Map.of("compatibility", "NONE"));

            RegistryHttp.Reply reply = http.post("/subjects/" + subject + "/versions", Map.of("schema", V2_REQUIRED_FIELD));

            assertThat(reply.status()).isEqualTo(200);
            assertThat(http.get("/subjects/" + subject + "/versions").body()).isEqualTo("[1,2]");
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Compatibility {

        @Test
        void checkAgainstAVersion() {
            String subject = subject();
            http.register(subject, V1);

            RegistryHttp.Reply compatible = http.post("/compatibility/subjects/" + subject + "/versions/latest", Map.of("schema", V2_OPTIONAL_FIELD));
            RegistryHttp.Reply incompatible = http.post("/compatibility/subjects/" + subject + "/versions/1", Map.of("schema", V2_REQUIRED_FIELD));
            RegistryHttp.Reply verbose = http.post("/compatibility/subjects/" + subject + "/versions/1?verbose=true", Map.of("schema", V2_REQUIRED_FIELD));
            RegistryHttp.Reply missingVersion = http.post("/compatibility/subjects/" + subject + "/versions/9", Map.of("schema", V1));

            assertThat(compatible.status()).isEqualTo(200);
            assertThat(compatible.body()).isEqualTo("{\"is_compatible\":true}");
            assertThat(incompatible.body()).isEqualTo("{\"is_compatible\":false}");
            assertThat(verbose.json().path("is_compatible").asBoolean()).isFalse();
            List<String> messages = new ArrayList<>();
            verbose.json().path("messages").forEach(m -> messages.add(m.asText()));
            assertThat(messages).first().asString().contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("'age'");
            assertThat(messages).last().isEqualTo("{validateFields: 'false', compatibility: 'BACKWARD'}");
            assertThat(missingVersion.errorCode()).isEqualTo(40402);
            assertThat(http.get("/subjects/" + subject + "/versions").body()).as("checks register nothing").isEqualTo("[1]");
        }

        @Test
        void checkAgainstTheSubjectUsesItsLevel() {
            String subject = subject();
            String v1 = record("Event", "{\"name\":\"f\",\"type\":\"string\"}");
            String v2 = record("Event", "{\"name\":\"g\",\"type\":\"long\",\"default\":0}");
            String v3 = record("Event", "{\"name\":\"g\",\"type\":\"long\",\"default\":0},{\"name\":\"f\",\"type\":\"int\",\"default\":0}");
            http.register(subject, v1);
            http.register(subject, v2);

            RegistryHttp.Reply latestOnly = http.post("/compatibility/subjects/" + subject + "/versions", Map.of("schema", v3));
            http.put("/config/" + subject, Map.of("compatibility", "BACKWARD_TRANSITIVE"));
            RegistryHttp.Reply transitive = http.post("/compatibility/subjects/" + subject + "/versions?verbose=true", Map.of("schema", v3));

            assertThat(latestOnly.body()).isEqualTo("{\"is_compatible\":true}");
            assertThat(transitive.json().path("is_compatible").asBoolean()).isFalse();
            assertThat(transitive.json().path("messages").toString()).contains("TYPE_MISMATCH").contains("{oldSchemaVersion: 1}");
        }

        @Test
        void checksOnUnknownSubjectsAndBadSchemas() {
            String missing = subject();

            assertThat(http.post("/compatibility/subjects/" + missing + "/versions/latest", Map.of("schema", V1)).body())
                    .isEqualTo("{\"is_compatible\":true}");
            assertThat(http.post("/compatibility/subjects/" + missing + "/versions", Map.of("schema", V1)).body())
                    .isEqualTo("{\"is_compatible\":true}");
            RegistryHttp.Reply bad = http.post("/compatibility/subjects/" + missing + "/versions", Map.of("schema", "{oops"));
            assertThat(bad.status()).isEqualTo(422);
            assertThat(bad.errorCode()).isEqualTo(42201);
            RegistryHttp.Reply badVerbose = http.post("/compatibility/subjects/" + missing + "/versions?verbose=true", Map.of("schema", "{oops"));
            assertThat(badVerbose.status()).isEqualTo(200);
            assertThat(badVerbose.json().path("is_compatible").asBoolean()).isFalse();
            assertThat(badVerbose.json().path("messages").get(0).asText()).startsWith("Invalid schema {oops");
        }
    }
}
