package io.mlcycle.cli.examples;

import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A Kafka-native producer writing a pipeline's data records straight to {@code <p>.data.raw} with the Confluent Avro
 * serde of platform (the README's example; it compiles in the build and {@code RawDataProducerIT} runs it against a
 * real broker and registry). Usage: {@code RawDataProducer SPEC BOOTSTRAP REGISTRY}.
 */
public final class RawDataProducer {

    private RawDataProducer() {
    }

    public static void main(String[] args) throws Exception {
        PipelineSpec spec = PipelineSpecParser.parse(Path.of(args[0]));
        send(spec, args[1], args[2], 10);
    }

    /** Sends {@code count} records of the gmsc example and returns their event ids. */
    public static java.util.List<String> send(PipelineSpec spec, String bootstrapServers, String registryUrl, int count) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");   // no duplicates from retries
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");               // batch for throughput
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "io.mlcycle.platform.serde.ConfluentAvroSerializer");
        props.put("schema.registry.url", registryUrl);                   // comma-separated list for fail-over
        props.put("auto.register.schemas", "false");                     // `mlcycle up` registered the schemas
        props.put("use.latest.version", "true");                         // write as the registered data schema

        Schema schema = spec.dataSchema();                               // or fetch <p>.data.raw-value from the registry
        String topic = spec.pipeline() + ".data.raw";
        java.util.List<String> ids = new java.util.ArrayList<>();
        try (KafkaProducer<String, GenericRecord> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < count; i++) {
                String eventId = UUID.randomUUID().toString();           // the key: the event id
                GenericRecord record = new GenericData.Record(schema);
                record.put("id", "borrower-" + i);
                record.put("row_time", Instant.now().toEpochMilli());   // timestamp-millis: epoch milliseconds
                record.put("age", 30 + i);
                record.put("MonthlyIncome", 4200.0);
                record.put("DebtRatio", 0.35);
                record.put("SeriousDlqin2yrs", 0);
                producer.send(new ProducerRecord<>(topic, eventId, record));
                ids.add(eventId);
            }
            producer.flush();
        }
        return ids;
    }
}
