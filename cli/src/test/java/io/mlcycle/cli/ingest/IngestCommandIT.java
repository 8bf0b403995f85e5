package io.mlcycle.cli.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.cli.examples.RawDataProducer;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.kafka.PipelineBootstrap;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code mlcycle ingest} against a real broker and registry: a generated CSV with bad rows is imported and every row
 * is found where the report says (raw, feedback, quarantine); an Avro file of another schema is refused with a
 * quarantine entry; {@code --resume} after a complete import writes nothing; the README's producer example works.
 */
class IngestCommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalStack stack;
    private static PipelineSerdes serdes;
    private static PipelineSpec spec;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        stack = LocalStack.ephemeral();
        spec = FileImporterTest.gmsc();
        PlatformConfig platform = PlatformConfig.from(ConfigSource.of(Map.of(
                "bootstrap.servers", stack.bootstrapServers(), "schema.registry.url", stack.registryUrl(),
                "state.dir", dir.resolve("state").toString(), "instance.id", "ingest-it")), 0);
        serdes = PipelineBootstrap.prepare(platform, spec.pipeline(), spec.dataSchema()).serdes();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private record Run(int status, String out, String err) {
    }

    private static Run ingest(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--pipeline", "gmsc", "--spec", specPath().toString(), "--bootstrap-servers",
                stack.bootstrapServers(), "--registry-url", stack.registryUrl(), "--data-dir", dir.toString(), "--json"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new IngestCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int status = cli.execute(all.toArray(String[]::new));
        return new Run(status, out.toString(), err.toString());
    }

    private static Path specPath() {
        return FileImporterTest.GMSC_SPEC;
    }

    @Test
    void importsAGeneratedCsvAndEveryRowIsWhereTheReportSays() throws Exception {
        List<String> head = Files.readAllLines(FileImporterTest.gmscHead());
        StringBuilder csv = new StringBuilder(head.get(0)).append('\n');
        int good = 3000;
        for (int i = 0; i < good; i++) {
            csv.append(head.get(1 + i % 8)).append('\n');
            if (i == 100) {
                csv.append("0.1,2,3\n");                                 // wrong column count
            }
            if (i == 200) {
                csv.append("0.1,abc,0,0.2,100,1,0,0,0,0,1\n");           // wrong type
            }
        }
        Path file = dir.resolve("generated.csv");
        Files.writeString(file, csv);

        Run dry = ingest(file.toString(), "--dry-run");
        assertThat(dry.status()).as(dry.err()).isZero();
        JsonNode dryReport = JSON.readTree(dry.out());
        assertThat(dryReport.path("rejected").asLong()).isEqualTo(2);
        assertThat(count(Topics.DATA_RAW)).isZero();

        Run run = ingest(file.toString(), "--checkpoint-every", "1000");
        assertThat(run.status()).as(run.err()).isZero();
        JsonNode report = JSON.readTree(run.out());
        assertThat(report.path("rows_read").asLong()).isEqualTo(good + 2);
        assertThat(report.path("accepted").asLong()).isEqualTo(good);
        assertThat(report.path("rejected").asLong()).isEqualTo(2);
        assertThat(report.path("rejected_by_reason").path("MALFORMED_ROW").path("rows").asLong()).isEqualTo(1);
        assertThat(report.path("rejected_by_reason").path("WRONG_TYPE").path("rows").asLong()).isEqualTo(1);
        assertThat(count(Topics.DATA_RAW)).isEqualTo(good);
        assertThat(count(Topics.FEEDBACK)).isEqualTo(good);
        List<QuarantineRecord> quarantined = values(Topics.DATA_QUARANTINE);
        assertThat(quarantined).extracting(q -> q.getOriginalText())
                .containsExactlyInAnyOrder("0.1,2,3", "0.1,abc,0,0.2,100,1,0,0,0,0,1");
        assertThat(quarantined).allSatisfy(q -> assertThat(q.getStage().name()).isEqualTo("INGESTION"));

        Run resumed = ingest(file.toString(), "--resume");
        assertThat(resumed.status()).isZero();
        assertThat(resumed.err()).contains("already imported completely");
        assertThat(count(Topics.DATA_RAW)).isEqualTo(good);

        // An Avro file of another schema: refused whole, one quarantine entry, no crash.
        Schema other = SchemaBuilder.record("Weather").fields().requiredString("city").endRecord();
        Path avro = dir.resolve("weather.avro");
        try (DataFileWriter<GenericRecord> writer = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(other))) {
            writer.create(other, avro.toFile());
            GenericRecord r = new GenericData.Record(other);
            r.put("city", "Oslo");
            writer.append(r);
        }
        Run refused = ingest(avro.toString());
        assertThat(refused.status()).isEqualTo(1);
        assertThat(JSON.readTree(refused.out()).path("reason").asText()).isEqualTo("SCHEMA_MISMATCH");
        assertThat(values(Topics.DATA_QUARANTINE)).hasSize(3)
                .anySatisfy(q -> assertThat(q.getReasons().get(0).getDetail()).contains("weather.avro", "city"));

        // The README's producer example writes to the same topic with the platform serde.
        List<String> ids = RawDataProducer.send(spec, stack.bootstrapServers(), stack.registryUrl(), 5);
        assertThat(keys(Topics.DATA_RAW)).hasSize(good + 5).containsAll(ids);
    }

    private static long count(io.mlcycle.schemas.TopicDescriptor<?, ?> topic) {
        return keys(topic).size();
    }

    private static List<String> keys(io.mlcycle.schemas.TopicDescriptor<?, ?> topic) {
        List<String> keys = new ArrayList<>();
        read(topic, new StringDeserializer(), r -> keys.add(r.key()));
        return keys;
    }

    private static List<QuarantineRecord> values(io.mlcycle.schemas.TopicDescriptor<String, QuarantineRecord> topic) {
        List<QuarantineRecord> values = new ArrayList<>();
        read(topic, serdes.valueSerde(topic).deserializer(), r -> values.add(r.value()));
        return values;
    }

    private static <V> void read(io.mlcycle.schemas.TopicDescriptor<?, ?> topic, Deserializer<V> values,
                                 java.util.function.Consumer<ConsumerRecord<String, V>> each) {
        String name = serdes.topicName(topic);
        Map<String, Object> props = Map.of("bootstrap.servers", stack.bootstrapServers(),
                "isolation.level", "read_committed", "enable.auto.commit", "false");
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(props, new StringDeserializer(), values)) {
            List<TopicPartition> partitions = consumer.partitionsFor(name, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(name, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
    }
}
