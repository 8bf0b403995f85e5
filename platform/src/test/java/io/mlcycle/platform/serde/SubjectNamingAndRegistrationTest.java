package io.mlcycle.platform.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.testavro.Widget;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SubjectNamingAndRegistrationTest {

    private static final String TOPIC = "demo.models";
    private static final String WIDGET = "io.mlcycle.platform.testavro.Widget";

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final Widget widget = Widget.newBuilder().setName("w").setCount(1).build();

    @ParameterizedTest(name = "{0} key={1} -> {2}")
    @CsvSource({
            "TOPIC, true, demo.models-key",
            "TOPIC, false, demo.models-value",
            "RECORD, true, " + WIDGET,
            "RECORD, false, " + WIDGET,
            "TOPIC_RECORD, true, demo.models-" + WIDGET,
            "TOPIC_RECORD, false, demo.models-" + WIDGET})
    void subjectFollowsTheStrategyForKeysAndValues(SubjectNameStrategy strategy, boolean isKey, String expectedSubject) {
        AvroSerdeConfig config = isKey ? AvroSerdeConfig.defaults().withKeySubjectNameStrategy(strategy)
                : AvroSerdeConfig.defaults().withValueSubjectNameStrategy(strategy);

        new ConfluentAvroSerializer<Widget>(registry, config, isKey).serialize(TOPIC, widget);

        assertThat(registry.getAllSubjects()).containsExactly(expectedSubject);
    }

    @Test
    void keySerializerUsesTheKeyStrategyNotTheValueOne() {
        AvroSerdeConfig config = AvroSerdeConfig.defaults()
                .withKeySubjectNameStrategy(SubjectNameStrategy.RECORD)
                .withValueSubjectNameStrategy(SubjectNameStrategy.TOPIC);

        new ConfluentAvroSerializer<Widget>(registry, config, true).serialize(TOPIC, widget);
        new ConfluentAvroSerializer<Widget>(registry, config, false).serialize(TOPIC, widget);

        assertThat(registry.getAllSubjects()).containsExactly("demo.models-value", WIDGET);
    }

    @ParameterizedTest
    @CsvSource({
            "io.confluent.kafka.serializers.subject.TopicNameStrategy, TOPIC",
            "io.confluent.kafka.serializers.subject.RecordNameStrategy, RECORD",
            "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy, TOPIC_RECORD",
            "io.confluent.kafka.serializers.subject.strategy.TopicRecordNameStrategy, TOPIC_RECORD",
            "topic, TOPIC", "record, RECORD", "topic_record, TOPIC_RECORD", "Topic-Record, TOPIC_RECORD"})
    void strategyNamesAreParsed(String name, SubjectNameStrategy expected) {
        assertThat(SubjectNameStrategy.parse(name)).isEqualTo(expected);
    }

    @Test
    void unknownStrategyNameIsRejectedWithTheChoices() {
        assertThatThrownBy(() -> SubjectNameStrategy.parse("com.example.Mine"))
                .hasMessageContaining("com.example.Mine").hasMessageContaining("topic_record");
    }

    @Test
    void autoRegisterOffUsesTheRegisteredId() {
        registry.register("other", Widget.getClassSchema().getField("name").schema()); // id 1 taken
        int id = registry.register(TOPIC + "-value", Widget.getClassSchema());
        ConfluentAvroSerializer<Widget> serializer = new ConfluentAvroSerializer<>(registry,
                AvroSerdeConfig.defaults().withAutoRegisterSchemas(false));

        byte[] wire = serializer.serialize(TOPIC, widget);

        assertThat(id).isEqualTo(2);
        assertThat(wire).startsWith(0, 0, 0, 0, 2);
        assertThat(registry.getAllVersions(TOPIC + "-value")).containsExactly(1);
    }

    @Test
    void autoRegisterOffAndNotRegisteredFailsNamingSubjectAndRecord() {
        ConfluentAvroSerializer<Widget> serializer = new ConfluentAvroSerializer<>(registry,
                AvroSerdeConfig.defaults().withAutoRegisterSchemas(false));

        assertThatThrownBy(() -> serializer.serialize(TOPIC, widget))
                .isInstanceOf(SchemaNotRegisteredException.class)
                .hasMessageContaining("'demo.models-value'").hasMessageContaining(WIDGET)
                .hasMessageContaining("auto.register.schemas");
        assertThat(registry.getAllSubjects()).isEmpty();
    }

    @Test
    void autoRegisterOffWithAnotherSchemaInTheSubjectFails() {
        registry.register(TOPIC + "-value", io.mlcycle.platform.testavro.Gadget.getClassSchema());
        ConfluentAvroSerializer<Widget> serializer = new ConfluentAvroSerializer<>(registry,
                AvroSerdeConfig.defaults().withAutoRegisterSchemas(false));

        assertThatThrownBy(() -> serializer.serialize(TOPIC, widget)).isInstanceOf(SchemaNotRegisteredException.class);
    }

    @Test
    void confluentPropertyNamesAreRead() {
        AvroSerdeConfig config = AvroSerdeConfig.fromConfluentProperties(Map.of(
                "schema.registry.url", "http://127.0.0.1:1",
                "auto.register.schemas", "false",
                "use.latest.version", true,
                "key.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy",
                "value.subject.name.strategy", "topic_record",
                "specific.avro.reader", "true",
                "specific.avro.value.type", Widget.class.getName()), false);

        assertThat(config.autoRegisterSchemas()).isFalse();
        assertThat(config.useLatestVersion()).isTrue();
        assertThat(config.keySubjectNameStrategy()).isEqualTo(SubjectNameStrategy.RECORD);
        assertThat(config.valueSubjectNameStrategy()).isEqualTo(SubjectNameStrategy.TOPIC_RECORD);
        assertThat(config.specificAvroReader()).isTrue();
        assertThat(config.specificReaderClass()).contains(Widget.class);
    }

    @Test
    void defaultsMatchConfluent() {
        AvroSerdeConfig config = AvroSerdeConfig.fromConfluentProperties(Map.of("schema.registry.url", "http://x:1"), false);

        assertThat(config).isEqualTo(AvroSerdeConfig.defaults());
        assertThat(config.autoRegisterSchemas()).isTrue();
        assertThat(config.useLatestVersion()).isFalse();
        assertThat(config.specificAvroReader()).isFalse();
    }

    @Test
    void readerSchemaPropertyIsParsed() {
        AvroSerdeConfig config = AvroSerdeConfig.fromConfluentProperties(Map.of(
                AvroSerdeConfig.READER_SCHEMA_CONFIG, io.mlcycle.platform.testavro.Gadget.getClassSchema().toString()), false);

        assertThat(config.readerSchema()).contains(io.mlcycle.platform.testavro.Gadget.getClassSchema());
    }

    @Test
    void badPropertyValuesNameTheKey() {
        assertThatThrownBy(() -> AvroSerdeConfig.fromConfluentProperties(Map.of("auto.register.schemas", "yes"), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auto.register.schemas").hasMessageContaining("yes");
        assertThatThrownBy(() -> AvroSerdeConfig.fromConfluentProperties(Map.of("specific.avro.value.type", "no.such.Type"), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("specific.avro.value.type");
        assertThatThrownBy(() -> AvroSerdeConfig.fromConfluentProperties(Map.of("value.subject.name.strategy", "bogus"), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("value.subject.name.strategy");
    }

    @Test
    void unconfiguredSerializerSaysHowToConfigureIt() {
        assertThatThrownBy(() -> new ConfluentAvroSerializer<Widget>().serialize(TOPIC, widget))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("configure");
    }

    @Test
    void configureWithoutRegistryUrlFailsNamingTheKey() {
        assertThatThrownBy(() -> new ConfluentAvroSerializer<Widget>().configure(Map.of(), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
    }
}
