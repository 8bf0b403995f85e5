package io.mlcycle.cli.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The import's Kafka sink behind the pipelined sink (serialising on the reading thread, sending on the producer
 * thread) must hand the producer exactly what the sink alone does: the same records, bytes, keys, timestamps, in order;
 * and a checkpoint becomes durable only when every send before its mark is acknowledged.
 */
class KafkaImportSinkTest {

    @Test
    void pipelinedSendsExactlyWhatTheSinkAloneSends() throws Exception {
        PipelineSpec spec = FileImporterTest.gmsc();
        PipelineSerdes serdes = new PipelineSerdes(new InMemorySchemaRegistryClient(), AvroSerdeConfig.defaults(),
                spec.pipeline(), spec.dataSchema());
        List<ProducerRecord<byte[], byte[]>> direct = run(spec, serdes, false);
        List<ProducerRecord<byte[], byte[]>> pipelined = run(spec, serdes, true);
        assertThat(direct).hasSize(16);
        assertThat(pipelined).hasSameSizeAs(direct);
        for (int i = 0; i < direct.size(); i++) {
            ProducerRecord<byte[], byte[]> a = direct.get(i);
            ProducerRecord<byte[], byte[]> b = pipelined.get(i);
            assertThat(b.topic()).isEqualTo(a.topic());
            assertThat(b.timestamp()).isEqualTo(a.timestamp());
            assertThat(b.key()).isEqualTo(a.key());
            assertThat(b.value()).isEqualTo(a.value());
        }
        assertThat(direct).extracting(ProducerRecord::topic).containsOnly(serdes.topicName(
                io.mlcycle.schemas.Topics.DATA_RAW), serdes.topicName(io.mlcycle.schemas.Topics.FEEDBACK));
    }

    @Test
    void pipelinedSendsTheSameOverManyPacksWithMarksAndAQuarantineEntryLargerThanAPack() {
        String huge = "x".repeat(300_000); // grows its pack beyond what is kept for reuse
        List<ProducerRecord<byte[], byte[]>> direct = sendMany(false, huge);
        List<ProducerRecord<byte[], byte[]>> pipelined = sendMany(true, huge);
        assertThat(direct).hasSize(6_002);
        assertThat(pipelined).hasSameSizeAs(direct);
        for (int i = 0; i < direct.size(); i++) {
            ProducerRecord<byte[], byte[]> a = direct.get(i);
            ProducerRecord<byte[], byte[]> b = pipelined.get(i);
            assertThat(b.topic()).as("record %d", i).isEqualTo(a.topic());
            assertThat(b.timestamp()).as("record %d", i).isEqualTo(a.timestamp());
            assertThat(b.key()).as("record %d", i).isEqualTo(a.key());
            if (a.topic().endsWith("quarantine")) {
                // the entry's quarantined_at is the clock's: compare its length, and that it carries the text
                assertThat(b.value()).as("record %d", i).hasSameSizeAs(a.value());
            } else {
                assertThat(b.value()).as("record %d", i).isEqualTo(a.value());
            }
        }
        assertThat(pipelined.get(3_001).value().length).isGreaterThan(huge.length());
    }

    private static List<ProducerRecord<byte[], byte[]>> sendMany(boolean pipelined, String huge) {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        KafkaImportSink kafka = sinkOn(producer);
        try (ImportSink sink = pipelined ? new PipelinedSink(kafka) : kafka) {
            for (int i = 0; i < 6_000; i++) {
                sink.feedback("e-" + i, i % 2 == 0 ? "1" : "0", 1_000L + i);
                if (i == 3_000) {
                    sink.quarantined("q-1", huge, List.of(new io.mlcycle.mlcore.gates.Violation(
                            io.mlcycle.mlcore.gates.ReasonCode.MALFORMED_ROW, null, "a test row")));
                    sink.quarantined("q-2", "short", List.of(new io.mlcycle.mlcore.gates.Violation(
                            io.mlcycle.mlcore.gates.ReasonCode.MALFORMED_ROW, null, "a test row")));
                }
                if (i % 1_000 == 999) {
                    sink.markCheckpoint(i + 1);
                }
            }
            sink.flush();
            assertThat(sink.durableRow()).isEqualTo(6_000);
        }
        return producer.history();
    }

    /** Keeps each send's callback, to acknowledge sends in any order (partitions answer independently). */
    private static final class CallbackKeepingProducer extends MockProducer<byte[], byte[]> {
        final List<Callback> callbacks = new ArrayList<>();

        CallbackKeepingProducer() {
            super(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
            callbacks.add(callback);
            return new CompletableFuture<>();
        }

        void ack(int send) {
            callbacks.get(send).onCompletion(null, null);
        }
    }

    private static KafkaImportSink sink(CallbackKeepingProducer producer) {
        return sinkOn(producer);
    }

    private static KafkaImportSink sinkOn(org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer) {
        PipelineSpec spec;
        try {
            spec = FileImporterTest.gmsc();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        PipelineSerdes serdes = new PipelineSerdes(new InMemorySchemaRegistryClient(), AvroSerdeConfig.defaults(),
                spec.pipeline(), spec.dataSchema());
        return new KafkaImportSink(spec, serdes, producer, false);
    }

    private static ProducerRecord<byte[], byte[]> record(int n) {
        return new ProducerRecord<>("t", new byte[] {(byte) n}, new byte[] {(byte) n});
    }

    @Test
    void aCheckpointIsDurableOnlyWhenItsSendsAndAllEarlierOnesAreAcknowledgedInAnyOrder() {
        CallbackKeepingProducer producer = new CallbackKeepingProducer();
        KafkaImportSink sink = sink(producer);
        sink.send(record(0));
        sink.send(record(1));
        sink.send(record(2));
        sink.markCheckpoint(10);
        sink.send(record(3));
        sink.markCheckpoint(20);
        sink.send(record(4)); // after the last mark: belongs to no checkpoint yet
        assertThat(sink.durableRow()).isZero();
        producer.ack(3);
        producer.ack(2);
        producer.ack(0);
        assertThat(sink.durableRow()).as("send 1 of checkpoint 10 is pending").isZero();
        producer.ack(1);
        assertThat(sink.durableRow()).isEqualTo(20);
        producer.ack(4);
        assertThat(sink.durableRow()).isEqualTo(20);
    }

    @Test
    void throughThePipelinedSinkAMarkIsSealedAfterTheSendsHandedOverBeforeIt() {
        CallbackKeepingProducer producer = new CallbackKeepingProducer();
        try (PipelinedSink sink = new PipelinedSink(sink(producer))) {
            sink.feedback("e-1", "1", 1L);
            sink.feedback("e-2", "0", 2L);
            sink.markCheckpoint(2);
            sink.feedback("e-3", "1", 3L);
            sink.markCheckpoint(3);
            sink.flush(); // hands everything to the worker; the callback-keeping producer acknowledges nothing
            assertThat(producer.callbacks).hasSize(3);
            assertThat(sink.durableRow()).isZero();
            producer.ack(2);
            producer.ack(1);
            assertThat(sink.durableRow()).as("the first send of mark 2 is pending").isZero();
            producer.ack(0);
            assertThat(sink.durableRow()).isEqualTo(3);
        }
    }

    @Test
    void aFailedSendStopsCheckpointsBeforeIt() {
        CallbackKeepingProducer producer = new CallbackKeepingProducer();
        KafkaImportSink sink = sink(producer);
        sink.send(record(0));
        sink.markCheckpoint(10);
        sink.send(record(1));
        sink.markCheckpoint(20);
        producer.ack(0);
        assertThat(sink.durableRow()).isEqualTo(10);
        producer.callbacks.get(1).onCompletion(null, new RecordTooLargeException("big"));
        assertThatThrownBy(sink::durableRow).isInstanceOf(KafkaImportSink.ImportFailedException.class)
                .hasMessageContaining("big");
    }

    private static List<ProducerRecord<byte[], byte[]>> run(PipelineSpec spec, PipelineSerdes serdes, boolean pipelined)
            throws Exception {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        FileImporter importer = new FileImporter(spec, ImportIds.sha256(FileImporterTest.gmscHead()),
                new FileImporter.Settings(Map.of(), FileImporterTest.BASE, Duration.ofMillis(1000), 0, 3));
        KafkaImportSink kafka = new KafkaImportSink(spec, serdes, producer, false);
        try (RowSource source = RowSources.open(FileImporterTest.gmscHead(), RowSources.Format.AUTO,
                FileImporterTest.CSV);
             ImportSink sink = pipelined ? new PipelinedSink(kafka) : kafka) {
            ImportReport report = importer.run("head", source, sink, false, FileImporterTest.NO_PROGRESS);
            assertThat(report.accepted).isEqualTo(8);
        }
        return producer.history();
    }
}
