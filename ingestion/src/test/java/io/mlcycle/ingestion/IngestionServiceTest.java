package io.mlcycle.ingestion;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.QuarantineStage;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP request handling of ingestion over a MockProducer: no broker needed. */
class IngestionServiceTest {

    private static final int MAX_BODY = 4096;
    private static final String GOOD = "{\"application_id\":\"a-1\",\"applied_at\":\"2025-06-01T10:00:00Z\","
            + "\"age\":41,\"income\":3200.5,\"employment\":\"employed\"}";

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private PipelineSpec spec;
    private PipelineSerdes serdes;
    private MockProducer<byte[], byte[]> producer;
    private IngestionService service;

    @BeforeEach
    void start() throws Exception {
        spec = PipelineSpecParser.parse(Path.of(getClass().getResource("/loans.yaml").toURI()));
        serdes = new PipelineSerdes(new InMemorySchemaRegistryClient(), AvroSerdeConfig.defaults(), "loans",
                spec.dataSchema());
        producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        service = IngestionService.start(config(Duration.ofSeconds(5)), serdes, producer);
    }

    private IngestionConfig config(Duration ackTimeout) {
        PlatformConfig platform = PlatformConfig.from(ConfigSource.of(Map.of("http.port", "0")),
                IngestionConfig.DEFAULT_HTTP_PORT);
        return new IngestionConfig(platform, spec, MAX_BODY, ackTimeout, 7, 2);
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void aSingleObjectIsAcceptedUnderItsIdempotencyKey() throws Exception {
        HttpResponse<String> response = post("loans", "application/json", GOOD, Map.of("Idempotency-Key", "key-1"));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json.readTree(response.body());
        assertThat(body.get("accepted").asInt()).isEqualTo(1);
        assertThat(body.get("rejected").asInt()).isZero();
        assertThat(body.at("/results/0/event_id").asText()).isEqualTo("key-1");
        assertThat(body.at("/results/0/status").asText()).isEqualTo("accepted");

        List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).topic()).isEqualTo("loans.data.raw");
        assertThat(new String(sent.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("key-1");
        GenericRecord record = serdes.valueSerde(Topics.DATA_RAW).deserializer()
                .deserialize("loans.data.raw", sent.get(0).value());
        assertThat(record.get("age")).isEqualTo(41);
        assertThat(record.get("applied_at")).isEqualTo(1748772000000L);
    }

    @Test
    void aBatchIsSplitIntoAcceptedAndQuarantinedRecordsAndNothingIsLost() throws Exception {
        String bad = "{\"application_id\": \"a-2\", \"age\": \"forty\", \"colour\": \"red\"}";
        String withId = "{\"event_id\":\"client-7\",\"application_id\":\"a-3\",\"age\":33}";
        String body = "[" + GOOD + ",\n  " + bad + ", " + withId + ", 42]";

        HttpResponse<String> response = post("loans", "application/json; charset=utf-8", body, Map.of());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode answer = json.readTree(response.body());
        assertThat(answer.get("accepted").asInt()).isEqualTo(2);
        assertThat(answer.get("rejected").asInt()).isEqualTo(2);
        assertThat(answer.at("/results/1/status").asText()).isEqualTo("rejected");
        assertThat(answer.at("/results/1/reasons").findValuesAsText("code"))
                .containsExactlyInAnyOrder("WRONG_TYPE", "UNKNOWN_FIELD");
        assertThat(answer.at("/results/1/reasons").findValuesAsText("field")).contains("age", "colour");
        assertThat(answer.at("/results/2/event_id").asText()).isEqualTo("client-7");
        assertThat(answer.at("/results/2/status").asText()).isEqualTo("accepted");
        assertThat(answer.at("/results/3/reasons/0/code").asText()).isEqualTo("MALFORMED_JSON");

        List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertThat(sent).extracting(ProducerRecord::topic)
                .containsExactly("loans.data.raw", "loans.data.quarantine", "loans.data.raw", "loans.data.quarantine");
        QuarantineRecord quarantined = quarantine(sent.get(1));
        assertThat(quarantined.getStage()).isEqualTo(QuarantineStage.INGESTION);
        assertThat(quarantined.getOriginalText()).isEqualTo(bad);
        assertThat(quarantined.getEventId()).isEqualTo(answer.at("/results/1/event_id").asText());
        assertThat(new String(sent.get(1).key(), StandardCharsets.UTF_8)).isEqualTo(quarantined.getEventId());
        assertThat(quarantined.getReasons()).extracting(r -> r.getCode()).contains("WRONG_TYPE", "UNKNOWN_FIELD");
        assertThat(quarantined.getSpecSha256()).isEqualTo(spec.sha256());
        assertThat(quarantine(sent.get(3)).getOriginalText()).isEqualTo("42");
        assertThat(new String(sent.get(2).key(), StandardCharsets.UTF_8)).isEqualTo("client-7");
        // Generated ids are distinct.
        assertThat(answer.findValuesAsText("event_id")).doesNotHaveDuplicates().hasSize(4);
    }

    @Test
    void ndjsonIsOneEventPerLine() throws Exception {
        String body = GOOD + "\r\n\n" + GOOD.replace("a-1", "a-2") + "\n";

        HttpResponse<String> response = post("loans", "application/x-ndjson", body, Map.of());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json.readTree(response.body()).get("accepted").asInt()).isEqualTo(2);
        assertThat(producer.history()).hasSize(2).allMatch(r -> r.topic().equals("loans.data.raw"));
    }

    @Test
    void malformedJsonIsRefusedNamingLineAndColumnAndNothingIsWritten() throws Exception {
        HttpResponse<String> response = post("loans", "application/json", "[" + GOOD + ",\n {\"age\": 4", Map.of());

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode problem = json.readTree(response.body());
        assertThat(problem.get("error").asText()).isEqualTo("malformed_json");
        assertThat(problem.get("message").asText()).contains("line 2, column");
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void aMalformedNdjsonLineIsNamed() throws Exception {
        HttpResponse<String> response = post("loans", "application/x-ndjson", GOOD + "\n" + GOOD + "\n{oops}\n",
                Map.of());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json.readTree(response.body()).get("message").asText()).contains("line 3");
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void anotherContentTypeIs415() throws Exception {
        assertThat(post("loans", "text/csv", "age\n41\n", Map.of()).statusCode()).isEqualTo(415);
        assertThat(post("loans", "application/json; charset=latin-1", GOOD, Map.of()).statusCode()).isEqualTo(415);
        HttpResponse<String> response = post("loans", "text/plain", GOOD, Map.of());
        assertThat(json.readTree(response.body()).get("error").asText()).isEqualTo("unsupported_media_type");
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void anOversizedBodyIs413() throws Exception {
        String body = "[" + String.join(",", java.util.Collections.nCopies(MAX_BODY / GOOD.length() + 1, GOOD)) + "]";

        HttpResponse<String> response = post("loans", "application/json", body, Map.of());

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void anUnknownPipelineIs404() throws Exception {
        HttpResponse<String> response = post("mortgages", "application/json", GOOD, Map.of());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json.readTree(response.body()).get("message").asText()).contains("mortgages", "loans");
    }

    @Test
    void anEmptyBodyIs400() throws Exception {
        HttpResponse<String> response = post("loans", "application/json", "  \n", Map.of());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json.readTree(response.body()).get("error").asText()).isEqualTo("empty_body");
    }

    @Test
    void anIdempotencyKeyOnABatchIs400() throws Exception {
        HttpResponse<String> response = post("loans", "application/json", "[" + GOOD + "," + GOOD + "]",
                Map.of("Idempotency-Key", "k"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json.readTree(response.body()).get("error").asText()).isEqualTo("idempotency_key_for_batch");
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void whenKafkaDoesNotAcknowledgeTheAnswerIs503WithRetryAfter() throws Exception {
        service.close();
        producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        service = IngestionService.start(config(Duration.ofMillis(200)), serdes, producer);

        HttpResponse<String> response = post("loans", "application/json", GOOD, Map.of());

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).contains("7");
        assertThat(json.readTree(response.body()).get("error").asText()).isEqualTo("unavailable");
    }

    @Test
    void theSchemaEndpointServesTheDataSchema() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                service.httpBaseUrl().resolve("/v1/pipelines/loans/schema")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode schema = json.readTree(response.body());
        assertThat(schema.get("name").asText()).isEqualTo("LoanApplication");
        assertThat(schema.get("fields").findValuesAsText("name")).contains("application_id", "age");
    }

    private QuarantineRecord quarantine(ProducerRecord<byte[], byte[]> record) {
        return serdes.valueSerde(Topics.DATA_QUARANTINE).deserializer().deserialize(record.topic(), record.value());
    }

    private HttpResponse<String> post(String pipeline, String contentType, String body, Map<String, String> headers)
            throws Exception {
        URI uri = service.httpBaseUrl().resolve("/v1/pipelines/" + pipeline + "/events");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
