package io.mlcycle.localstack;

import io.mlcycle.schemas.compat.CompatibilityLevel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Registry semantics without Kafka: the record sink is a list that is replayed to prove durability. */
class SchemaRegistryTest {

    record LogRecord(String key, String value) {
    }

    private final List<LogRecord> logRecords = new ArrayList<>();
    private SchemaRegistry registry;

    static String record(String name, String fields) {
        return "{\"type\":\"record\",\"name\":\"" + name + "\",\"namespace\":\"io.mlcycle.test\",\"fields\":[" + fields + "]}";
    }

    static final String V1 = record("User", "{\"name\":\"id\",\"type\":\"string\"}");
    static final String V2_OPTIONAL_FIELD = record("User",
            "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null}");
    static final String V2_REQUIRED_FIELD = record("User",
            "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"age\",\"type\":\"int\"}");
    static final String V2_WITHOUT_ID = record("User", "{\"name\":\"note\",\"type\":\"string\",\"default\":\"\"}");

    @BeforeEach
    void newRegistry() {
        registry = new SchemaRegistry();
        registry.attach((key, value) -> logRecords.add(new LogRecord(key, value)));
    }

    private SchemaRegistry replayed() {
        SchemaRegistry copy = new SchemaRegistry();
        logRecords.forEach(r -> copy.apply(r.key(), r.value()));
        return copy;
    }

    private void setLevel(String subject, CompatibilityLevel level) {
        registry.setSubjectLevel(subject, level);
    }

    @Test
    void backwardAcceptsAnOptionalFieldWithDefaultAndRejectsARequiredOne() {
        int first = registry.register("s", V1, null, null);
        int second = registry.register("s", V2_OPTIONAL_FIELD, null, null);

        assertThat(second).isEqualTo(first + 1);
        assertThat(registry.versions("s", false)).containsExactly(1, 2);
        assertThatThrownBy(() -> registry.register("s", record("User",
                "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null},"
                        + "{\"name\":\"age\",\"type\":\"int\"}"), null, null))
                .isInstanceOfSatisfying(RegistryError.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(409);
                    assertThat(e.getMessage()).startsWith(
                            "Schema being registered is incompatible with an earlier schema for subject \"s\", details: [")
                            .contains("{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'age' at path "
                                    + "'/fields/2' in the new schema has no default value and is missing in the old schema', "
                                    + "additionalInfo:'age'}")
                            .contains("{oldSchemaVersion: 2}")
                            .contains("{oldSchema: '")
                            .endsWith("{validateFields: 'false', compatibility: 'BACKWARD'}]");
                });
        assertThat(registry.versions("s", false)).containsExactly(1, 2);
    }

    @Test
    void forwardAcceptsARequiredFieldAndRejectsRemovingARequiredField() {
        setLevel("f", CompatibilityLevel.FORWARD);
        registry.register("f", V1, null, null);

        registry.register("f", V2_REQUIRED_FIELD, null, null);

        List<String> problems = registry.checkAgainstSubject("f", SchemaRegistry.parse(V2_WITHOUT_ID, null, null));
        assertThat(problems).anySatisfy(m -> assertThat(m).contains("READER_FIELD_MISSING_DEFAULT_VALUE")
                        .contains("in the old schema has no default value and is missing in the new schema"))
                .last().isEqualTo("{validateFields: 'false', compatibility: 'FORWARD'}");
    }

    @Test
    void fullAcceptsOnlyChangesReadableBothWays() {
        setLevel("full", CompatibilityLevel.FULL);
        registry.register("full", V1, null, null);

        assertThat(registry.checkAgainstSubject("full", SchemaRegistry.parse(V2_OPTIONAL_FIELD, null, null))).isEmpty();
        assertThat(registry.checkAgainstSubject("full", SchemaRegistry.parse(V2_REQUIRED_FIELD, null, null)))
                .isNotEmpty()
                .last().isEqualTo("{validateFields: 'false', compatibility: 'FULL'}");
        assertThatThrownBy(() -> registry.register("full", V2_WITHOUT_ID, null, null))
                .isInstanceOfSatisfying(RegistryError.class, e -> assertThat(e.errorCode()).isEqualTo(409));
    }

    @Test
    void noneAcceptsAnything() {
        setLevel("none", CompatibilityLevel.NONE);
        registry.register("none", V1, null, null);

        registry.register("none", "\"string\"", null, null);

        assertThat(registry.versions("none", false)).containsExactly(1, 2);
    }

    @Test
    void transitiveChecksEveryVersionWhereTheNonTransitiveLevelOnlyChecksTheLatest() {
        String v1 = record("Event", "{\"name\":\"f\",\"type\":\"string\"}");
        String v2 = record("Event", "{\"name\":\"g\",\"type\":\"long\",\"default\":0}");
        String v3 = record("Event", "{\"name\":\"g\",\"type\":\"long\",\"default\":0},{\"name\":\"f\",\"type\":\"int\",\"default\":0}");
        for (String subject : List.of("plain", "transitive")) {
            registry.register(subject, v1, null, null);
            registry.register(subject, v2, null, null);
        }
        setLevel("transitive", CompatibilityLevel.BACKWARD_TRANSITIVE);

        registry.register("plain", v3, null, null);

        assertThatThrownBy(() -> registry.register("transitive", v3, null, null))
                .isInstanceOfSatisfying(RegistryError.class, e -> assertThat(e.getMessage())
                        .contains("TYPE_MISMATCH")
                        .contains("{oldSchemaVersion: 1}")
                        .contains("compatibility: 'BACKWARD_TRANSITIVE'"));
        assertThat(registry.versions("plain", false)).containsExactly(1, 2, 3);
        assertThat(registry.versions("transitive", false)).containsExactly(1, 2);
    }

    @Test
    void identicalSchemaReusesIdAndVersionAcrossFormattingAndSubjects() {
        int id = registry.register("a", V1, null, null);
        String reformatted = V1.replace(",", " ,\n ").replace(":", " : ");

        assertThat(registry.register("a", reformatted, "AVRO", List.of())).isEqualTo(id);
        assertThat(registry.versions("a", false)).containsExactly(1);
        assertThat(registry.register("b", V1, null, null)).isEqualTo(id);
        assertThat(registry.subjectsById(id, false)).containsExactly("a", "b");
    }

    @Test
    void stateSurvivesAReplayOfTheLog() {
        int id1 = registry.register("r", V1, null, null);
        int id2 = registry.register("r", V2_OPTIONAL_FIELD, null, null);
        registry.setSubjectLevel("r", CompatibilityLevel.FULL);
        registry.setGlobalLevel(CompatibilityLevel.FORWARD);
        registry.deleteVersion("r", "1", false);

        SchemaRegistry copy = replayed();

        assertThat(copy.versions("r", true)).containsExactly(1, 2);
        assertThat(copy.versions("r", false)).containsExactly(2);
        assertThat(copy.version("r", 2, false).id()).isEqualTo(id2);
        assertThat(copy.schemaById(id1)).isEqualTo(SchemaRegistry.parse(V1, null, null).toString());
        assertThat(copy.subjectLevel("r")).contains(CompatibilityLevel.FULL);
        assertThat(copy.globalLevel()).isEqualTo(CompatibilityLevel.FORWARD);
        copy.attach((k, v) -> { });
        assertThat(copy.register("other", "\"long\"", null, null)).isEqualTo(id2 + 1);
    }

    @Test
    void aFailedWriteChangesNothing() {
        registry.attach((key, value) -> {
            throw new KafkaSchemaLog.WriteFailedException("broker down", null);
        });

        assertThatThrownBy(() -> registry.register("x", V1, null, null))
                .isInstanceOfSatisfying(RegistryError.class, e -> assertThat(e.errorCode()).isEqualTo(50001));
        assertThat(registry.subjects(true)).isEmpty();
    }

    @Test
    void malformedLogRecordsAreSkipped() {
        registry.apply("not json", "{}");
        registry.apply("{\"keytype\":\"SCHEMA\",\"subject\":\"m\",\"version\":1,\"magic\":1}", "{broken");
        registry.apply("{\"keytype\":\"NOOP\",\"magic\":0}", null);

        assertThat(registry.subjects(true)).isEmpty();
    }

    @Test
    void versionIdsFollowConfluentRules() {
        assertThat(SchemaRegistry.parseVersion("latest")).isEqualTo(-1);
        assertThat(SchemaRegistry.parseVersion("LATEST")).isEqualTo(-1);
        assertThat(SchemaRegistry.parseVersion("-1")).isEqualTo(-1);
        assertThat(SchemaRegistry.parseVersion("7")).isEqualTo(7);
        assertThatThrownBy(() -> SchemaRegistry.parseVersion("0"))
                .hasMessage("The specified version '0' is not a valid version id. "
                        + "Allowed values are between [1, 2^31-1] and the string \"latest\"");
        assertThatThrownBy(() -> SchemaRegistry.parseVersion("two"))
                .isInstanceOfSatisfying(RegistryError.class, e -> assertThat(e.errorCode()).isEqualTo(42202));
    }
}
