package io.mlcycle.cli.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The import's Kafka sink behind the pipelined sink (serialising on the reading thread, sending on the producer
 * thread) must hand the producer exactly what the sink alone does: the same records, bytes, keys, timestamps, in order.
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
