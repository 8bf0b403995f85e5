package io.mlcycle.orchestrator;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.TrainingRun;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.platform.registry.SchemaRegistryClient;
import io.mlcycle.platform.registry.SchemaRegistryException;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.TopicDescriptor;
import io.mlcycle.schemas.Topics;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serializers the orchestrator's clients use, from platform's {@link PipelineSerdes}: string keys and
 * Confluent-wire-format Avro values of the generated contract classes. Also looks up the schema ids recorded in
 * lineage.
 */
final class OrchestratorSerdes {

    private static final Logger LOG = LoggerFactory.getLogger(OrchestratorSerdes.class);

    private final SchemaRegistryClient registry;
    private final PipelineSerdes serdes;

    OrchestratorSerdes(PipelineSerdes serdes) {
        this.serdes = Objects.requireNonNull(serdes, "serdes");
        this.registry = serdes.registry();
    }

    /**
     * The schema ids in use, by subject, for lineage: the labeled examples' value schema (what the dataset was read
     * with) and the pipeline's data schema. Subjects the registry does not know are left out.
     */
    Map<String, Integer> schemaIds() {
        Map<String, Integer> ids = new TreeMap<>();
        for (TopicDescriptor<?, ?> topic : List.of(Topics.EXAMPLES_LABELED, Topics.DATA_VALIDATED)) {
            String subject = serdes.valueSubject(topic);
            try {
                ids.put(subject, registry.lookup(subject, serdes.valueSchema(topic)).id());
            } catch (SchemaRegistryException e) {
                LOG.debug("No schema id for subject {}: {}", subject, e.getMessage());
            }
        }
        return ids;
    }

    Serializer<String> keySerializer() {
        return serdes.keySerde(Topics.MODELS).serializer();
    }

    Deserializer<String> keyDeserializer() {
        return serdes.keySerde(Topics.MODELS).deserializer();
    }

    Serializer<TrainingTrigger> triggerSerializer() {
        return serdes.valueSerde(Topics.TRAINING_TRIGGERS).serializer();
    }

    Serializer<TrainingRun> runSerializer() {
        return serdes.valueSerde(Topics.TRAINING_RUNS).serializer();
    }

    Serializer<ModelVersion> modelSerializer() {
        return serdes.valueSerde(Topics.MODELS).serializer();
    }

    Serializer<Alert> alertSerializer() {
        return serdes.valueSerde(Topics.MONITORING_ALERTS).serializer();
    }

    Deserializer<TrainingTrigger> triggerDeserializer() {
        return serdes.valueSerde(Topics.TRAINING_TRIGGERS).deserializer();
    }

    Deserializer<ModelVersion> modelDeserializer() {
        return serdes.valueSerde(Topics.MODELS).deserializer();
    }

    Deserializer<TrainingRun> runDeserializer() {
        return serdes.valueSerde(Topics.TRAINING_RUNS).deserializer();
    }

    Deserializer<Alert> alertDeserializer() {
        return serdes.valueSerde(Topics.MONITORING_ALERTS).deserializer();
    }

    Deserializer<LabeledExample> labeledDeserializer() {
        return serdes.valueSerde(Topics.EXAMPLES_LABELED).deserializer();
    }

    Serializer<io.mlcycle.avro.StageDecision> decisionSerializer() {
        return serdes.valueSerde(Topics.MODELS_DECISIONS).serializer();
    }

    public org.apache.kafka.common.serialization.Deserializer<io.mlcycle.avro.StageDecision> decisionDeserializer() {
        return serdes.valueSerde(Topics.MODELS_DECISIONS).deserializer();
    }
}
