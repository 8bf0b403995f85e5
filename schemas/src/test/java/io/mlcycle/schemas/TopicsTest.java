package io.mlcycle.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void topicNamesArePipelinePrefixedAndUnique() {
        Set<String> names = new HashSet<>();
        for (TopicDescriptor<?, ?> topic : Topics.all()) {
            String name = topic.name("credit");
            assertThat(name).startsWith("credit.");
            assertThat(names.add(name)).as("duplicate topic %s", name).isTrue();
        }
        assertThat(names).hasSize(14).contains("credit.data.raw", "credit.models", "credit.examples.labeled",
                "credit.models.decisions", "credit.monitoring.observations");
    }

    @Test
    void topicsJoinedByEventIdAreCoPartitioned() {
        List<TopicDescriptor<?, ?>> joined = List.of(Topics.DATA_VALIDATED, Topics.PREDICTIONS, Topics.FEEDBACK,
                Topics.EXAMPLES_LABELED, Topics.DATA_RAW);
        assertThat(joined).extracting(TopicDescriptor::partitions).containsOnly(Topics.EVENT_PARTITIONS);
    }

    @Test
    void modelRegistryIsCompactedAndDatasetTopicsAreKeptForever() {
        assertThat(Topics.MODELS.topicConfigs()).containsEntry("cleanup.policy", "compact")
                .doesNotContainKey("retention.ms");
        assertThat(Topics.EXAMPLES_LABELED.topicConfigs()).containsEntry("retention.ms", "-1");
        assertThat(Topics.DATA_RAW.topicConfigs()).containsEntry("retention.ms", String.valueOf(7L * 24 * 3600 * 1000));
    }

    @Test
    void invalidPipelineNamesAreRefusedWithTheRule() {
        assertThatThrownBy(() -> Topics.DATA_RAW.name("Credit Data"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Credit Data").hasMessageContaining("must match");
    }

    @Test
    void byNameFindsTheDescriptor() {
        assertThat(Topics.byName("credit", "credit.predictions")).contains(Topics.PREDICTIONS);
        assertThat(Topics.byName("credit", "other.predictions")).isEmpty();
    }

    @Test
    void everySpecificValueTypeIsAGeneratedAvroRecordAndEveryEnumHasADefault() throws Exception {
        for (TopicDescriptor<?, ?> topic : Topics.all()) {
            if (topic.valueFormat() != TopicDescriptor.ValueFormat.SPECIFIC_AVRO) {
                continue;
            }
            assertThat(SpecificRecord.class).isAssignableFrom(topic.valueType());
            Schema schema = SpecificData.get().getSchema(topic.valueType());
            assertEnumsHaveDefaults(schema, new HashSet<>());
        }
    }

    @Test
    void oldReaderSurvivesAnUnknownEnumSymbol() {
        Schema stage = ModelVersion.getClassSchema().getField("stage").schema();
        assertThat(stage.getEnumDefault()).isEqualTo(Stage.UNKNOWN.name());
        assertThat(Alert.getClassSchema().getField("severity").schema().getEnumDefault()).isEqualTo("WARNING");
    }

    private static void assertEnumsHaveDefaults(Schema schema, Set<String> seen) {
        switch (schema.getType()) {
            case RECORD -> {
                if (seen.add(schema.getFullName())) {
                    schema.getFields().forEach(field -> assertEnumsHaveDefaults(field.schema(), seen));
                }
            }
            case ENUM -> assertThat(schema.getEnumDefault()).as("default of enum %s", schema.getFullName()).isNotNull();
            case UNION -> schema.getTypes().forEach(type -> assertEnumsHaveDefaults(type, seen));
            case ARRAY -> assertEnumsHaveDefaults(schema.getElementType(), seen);
            case MAP -> assertEnumsHaveDefaults(schema.getValueType(), seen);
            default -> { }
        }
    }
}
