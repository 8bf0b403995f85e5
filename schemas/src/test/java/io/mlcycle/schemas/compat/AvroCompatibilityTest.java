package io.mlcycle.schemas.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** The one checker, in both wordings, over the same Avro resolution rules. */
class AvroCompatibilityTest {

    private static Schema schema(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Loan\",\"namespace\":\"t\",\"fields\":["
                + fields + "]}");
    }

    private static final Schema V1 = schema("{\"name\":\"amount\",\"type\":\"double\"}");
    /** Adds a field without a default: the new schema cannot read V1's data. */
    private static final Schema ADDS_REQUIRED = schema("{\"name\":\"amount\",\"type\":\"double\"},"
            + "{\"name\":\"term\",\"type\":\"int\"}");
    /** Adds a field with a default: compatible both ways. */
    private static final Schema ADDS_OPTIONAL = schema("{\"name\":\"amount\",\"type\":\"double\"},"
            + "{\"name\":\"term\",\"type\":[\"null\",\"int\"],\"default\":null}");
    /** Changes a type: incompatible both ways. */
    private static final Schema RETYPED = schema("{\"name\":\"amount\",\"type\":\"string\"}");

    @Test
    void levelsNameTheirDirectionsAndParseCaseInsensitively() {
        assertThat(CompatibilityLevel.parse(" full_transitive ")).isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
        assertThat(CompatibilityLevel.FULL_TRANSITIVE.checksBackward()).isTrue();
        assertThat(CompatibilityLevel.FULL_TRANSITIVE.checksForward()).isTrue();
        assertThat(CompatibilityLevel.FULL_TRANSITIVE.isTransitive()).isTrue();
        assertThat(CompatibilityLevel.FORWARD.checksBackward()).isFalse();
        assertThat(CompatibilityLevel.BACKWARD.isTransitive()).isFalse();
        assertThat(CompatibilityLevel.DEFAULT).isEqualTo(CompatibilityLevel.BACKWARD);
        assertThat(CompatibilityLevel.fromName("sideways")).isEmpty();
        assertThat(CompatibilityLevel.fromName(null)).isEmpty();
        assertThatThrownBy(() -> CompatibilityLevel.parse("sideways")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'sideways'").hasMessageContaining("FULL_TRANSITIVE");
    }

    @Test
    void violationsNameTheFieldAndTheDirectionThatBreaks() {
        assertThat(AvroCompatibility.violations(CompatibilityLevel.BACKWARD, ADDS_OPTIONAL, List.of(V1))).isEmpty();
        assertThat(AvroCompatibility.violations(CompatibilityLevel.FORWARD, ADDS_REQUIRED, List.of(V1))).isEmpty();
        assertThat(AvroCompatibility.violations(CompatibilityLevel.BACKWARD, ADDS_REQUIRED, List.of(V1)))
                .singleElement().asString()
                .startsWith("the new schema cannot read data written with an earlier one: field 'term'")
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE");
        assertThat(AvroCompatibility.violations(CompatibilityLevel.FULL, RETYPED, List.of(V1))).hasSize(2)
                .anySatisfy(p -> assertThat(p).startsWith("an earlier schema cannot read data written with the new one"))
                .allSatisfy(p -> assertThat(p).contains("field 'amount'"));
        assertThat(AvroCompatibility.violations(CompatibilityLevel.NONE, RETYPED, List.of(V1))).isEmpty();
    }

    @Test
    void onlyTransitiveLevelsLookPastTheLatestVersion() {
        // RETYPED reads the latest version but not V1: only a transitive level looks that far back.
        Schema latest = schema("{\"name\":\"amount\",\"type\":\"string\"},"
                + "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}");
        assertThat(AvroCompatibility.violations(CompatibilityLevel.BACKWARD, RETYPED, List.of(V1, latest))).isEmpty();
        assertThat(AvroCompatibility.violations(CompatibilityLevel.BACKWARD_TRANSITIVE, RETYPED, List.of(V1, latest)))
                .singleElement().asString().contains("field 'amount'");
        assertThat(AvroCompatibility.confluentMessages(CompatibilityLevel.BACKWARD, RETYPED,
                List.of(new AvroCompatibility.Previous(1, V1), new AvroCompatibility.Previous(2, latest)))).isEmpty();
        assertThat(AvroCompatibility.confluentMessages(CompatibilityLevel.BACKWARD_TRANSITIVE, RETYPED,
                List.of(new AvroCompatibility.Previous(1, V1), new AvroCompatibility.Previous(2, latest))))
                .contains("{oldSchemaVersion: 1}");
    }

    @Test
    void confluentMessagesAreWordedAsConfluentsRegistryWordsThem() {
        List<String> messages = AvroCompatibility.confluentMessages(CompatibilityLevel.BACKWARD, ADDS_REQUIRED,
                List.of(new AvroCompatibility.Previous(1, V1)));
        assertThat(messages).containsExactly(
                "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'term' at path '/fields/1' in"
                        + " the new schema has no default value and is missing in the old schema', additionalInfo:'term'}",
                "{oldSchemaVersion: 1}",
                "{oldSchema: '" + V1 + "'}",
                "{validateFields: 'false', compatibility: 'BACKWARD'}");
        assertThat(AvroCompatibility.confluentMessages(CompatibilityLevel.BACKWARD, ADDS_OPTIONAL,
                List.of(new AvroCompatibility.Previous(1, V1)))).isEmpty();
    }
}
