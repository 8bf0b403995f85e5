package io.mlcycle.ingestion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
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
        assertThat(body.get("event_id").asText()).isEqualTo("key-1");
        assertThat(body.get("rejections")).isEmpty();

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
        // Only the rejected events are listed, so the answer to a large batch stays small.
        assertThat(answer.get("rejections")).hasSize(2);
        assertThat(answer.at("/rejections/0/index").asInt()).isEqualTo(1);
        assertThat(answer.at("/rejections/0/reasons").findValuesAsText("code"))
                .containsExactlyInAnyOrder("WRONG_TYPE", "UNKNOWN_FIELD");
        assertThat(answer.at("/rejections/0/reasons").findValuesAsText("field")).contains("age", "colour");
        assertThat(answer.at("/rejections/1/index").asInt()).isEqualTo(3);
        assertThat(answer.at("/rejections/1/reasons/0/code").asText()).isEqualTo("MALFORMED_JSON");

        List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertThat(sent).extracting(ProducerRecord::topic)
                .containsExactly("loans.data.raw", "loans.data.quarantine", "loans.data.raw", "loans.data.quarantine");
        QuarantineRecord quarantined = quarantine(sent.get(1));
        assertThat(quarantined.getStage()).isEqualTo(QuarantineStage.INGESTION);
        assertThat(quarantined.getOriginalText()).isEqualTo(bad);
        assertThat(quarantined.getEventId()).isEqualTo(answer.at("/rejections/0/event_id").asText());
        assertThat(new String(sent.get(1).key(), StandardCharsets.UTF_8)).isEqualTo(quarantined.getEventId());
        assertThat(quarantined.getReasons()).extracting(r -> r.getCode()).contains("WRONG_TYPE", "UNKNOWN_FIELD");
        assertThat(quarantined.getSpecSha256()).isEqualTo(spec.sha256());
        assertThat(quarantine(sent.get(3)).getOriginalText()).isEqualTo("42");
        assertThat(new String(sent.get(2).key(), StandardCharsets.UTF_8)).isEqualTo("client-7");
        // Generated ids are distinct.
        assertThat(sent).extracting(r -> new String(r.key(), StandardCharsets.UTF_8)).doesNotHaveDuplicates();
    }

    @Test
    void everyNormalisationIsCountedPerFieldAndRuleInTheMetrics() throws Exception {
        String markers = "{\"application_id\":\"a-1\",\"applied_at\":\"2025-06-01T10:00:00\",\"age\":41,"
                + "\"employment\":\"?\"}";
        String body = markers + "\n" + markers.replace("a-1", "a-2") + "\n" + GOOD.replace("a-1", "a-3") + "\n";

        HttpResponse<String> response = post("loans", "application/x-ndjson", body, Map.of());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json.readTree(response.body()).get("accepted").asInt()).isEqualTo(3);
        String metrics = http.send(HttpRequest.newBuilder(service.httpBaseUrl().resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics.lines().filter(l -> l.startsWith("mlcycle_ingestion_normalizations_total{")))
                .anySatisfy(l -> assertThat(l).contains("field=\"employment\"", "rule=\"missing_marker\"")
                        .endsWith(" 2.0"))
                .anySatisfy(l -> assertThat(l).contains("field=\"applied_at\"", "rule=\"zone_assumed\"")
                        .endsWith(" 2.0"))
                .hasSize(2);
    }

    @Test
    void normalisationsAreCountedOnlyForEventsIngestedNotForRefusedOrReplayedBodies() throws Exception {
        String marker = "{\"application_id\":\"a-1\",\"applied_at\":\"2025-06-01T10:00:00Z\",\"age\":41,"
                + "\"employment\":\"?\"}";
        // Converted in the body's one pass, then refused whole at the end: no normalisation was applied.
        assertThat(post("loans", "application/json", "[" + marker + "," + marker + ", oops]", Map.of())
                .statusCode()).isEqualTo(400);
        assertThat(post("loans", "application/json", marker, Map.of("Idempotency-Key", "n-1")).statusCode())
                .isEqualTo(200);
        // Answered from the first use of the key: nothing ingested again.
        assertThat(post("loans", "application/json", marker, Map.of("Idempotency-Key", "n-1")).statusCode())
                .isEqualTo(200);

        String metrics = http.send(HttpRequest.newBuilder(service.httpBaseUrl().resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics.lines().filter(l -> l.startsWith("mlcycle_ingestion_normalizations_total{")))
                .singleElement().satisfies(l -> assertThat(l).contains("field=\"employment\"",
                        "rule=\"missing_marker\"").endsWith(" 1.0"));
        assertThat(producer.history()).hasSize(1);
    }

    @Test
    void theLanesProducersLingerUntilTheCommitFlushesUnlessKafkaSettingsSayOtherwise() {
        Properties defaults = IngestionService.producerProperties(config(Duration.ofSeconds(5)));
        assertThat(defaults.getProperty(ProducerConfig.LINGER_MS_CONFIG))
                .isEqualTo(Integer.toString(IngestionService.LANE_LINGER_MS));
        assertThat(defaults.getProperty(ProducerConfig.BATCH_SIZE_CONFIG))
                .isEqualTo(Integer.toString(IngestionService.LANE_BATCH_BYTES));

        PlatformConfig platform = PlatformConfig.from(ConfigSource.of(Map.of("http.port", "0", "kafka.linger.ms", "0",
                "kafka.batch.size", "16384")), IngestionConfig.DEFAULT_HTTP_PORT);
        Properties overridden = IngestionService.producerProperties(new IngestionConfig(platform, spec, MAX_BODY,
                Duration.ofSeconds(5), 7, 2));
        assertThat(overridden.getProperty(ProducerConfig.LINGER_MS_CONFIG)).isEqualTo("0");
        assertThat(overridden.getProperty(ProducerConfig.BATCH_SIZE_CONFIG)).isEqualTo("16384");
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
    void whenKafkaDoesNotConfirmTheCommitTheAnswerIs503WithRetryAfterAndSaysSo() throws Exception {
        producer.commitTransactionException = new org.apache.kafka.common.errors.TimeoutException("no answer");

        HttpResponse<String> response = post("loans", "application/json", GOOD, Map.of());

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).contains("7");
        JsonNode problem = json.readTree(response.body());
        assertThat(problem.get("error").asText()).isEqualTo("outcome_unknown");
        assertThat(problem.get("message").asText()).contains("resend the same body");
    }

    @Test
    void aBatchThatFailsPartWayWritesNothing() throws Exception {
        service.close();
        AtomicInteger sends = new AtomicInteger();
        producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(
                    ProducerRecord<byte[], byte[]> record) {
                if (sends.incrementAndGet() == 3) {
                    throw new org.apache.kafka.common.KafkaException("broker went away");
                }
                return super.send(record);
            }
        };
        service = IngestionService.start(config(Duration.ofSeconds(5)), serdes, producer);
        String batch = "[" + String.join(",", java.util.Collections.nCopies(5, GOOD)) + "]";

        HttpResponse<String> failed = post("loans", "application/json", batch, Map.of());

        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(json.readTree(failed.body()).get("message").asText()).contains("nothing of this request was written");
        assertThat(producer.transactionAborted()).isTrue();
        assertThat(producer.history()).as("two records were sent, then the transaction was aborted").isEmpty();

        HttpResponse<String> retried = post("loans", "application/json", batch, Map.of());
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(producer.history()).hasSize(5);
    }

    @Test
    void anIdempotencyKeyWithTheSameBodyGetsTheFirstAnswerAndIsWrittenOnce() throws Exception {
        HttpResponse<String> first = post("loans", "application/json", GOOD, Map.of("Idempotency-Key", "k-1"));
        HttpResponse<String> again = post("loans", "application/json", GOOD, Map.of("Idempotency-Key", "k-1"));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(producer.history()).hasSize(1);
    }

    @Test
    void anIdempotencyKeyReusedWithAnotherBodyIs409AndNotWritten() throws Exception {
        assertThat(post("loans", "application/json", GOOD, Map.of("Idempotency-Key", "k-2")).statusCode())
                .isEqualTo(200);

        HttpResponse<String> reused = post("loans", "application/json", GOOD.replace("41", "42"),
                Map.of("Idempotency-Key", "k-2"));

        assertThat(reused.statusCode()).isEqualTo(409);
        assertThat(json.readTree(reused.body()).get("error").asText()).isEqualTo("idempotency_key_reused");
        assertThat(producer.history()).hasSize(1);
        GenericRecord written = serdes.valueSerde(Topics.DATA_RAW).deserializer()
                .deserialize("loans.data.raw", producer.history().get(0).value());
        assertThat(written.get("age")).isEqualTo(41);
    }

    @Test
    void anEventIdRepeatedInOneBatchIsWrittenOnceAndTheRepeatRejected() throws Exception {
        String first = GOOD.replace("{", "{\"event_id\":\"dup\",");
        String second = GOOD.replace("{", "{\"event_id\":\"dup\",").replace("a-1", "a-9");

        HttpResponse<String> response = post("loans", "application/json", "[" + first + "," + second + "]", Map.of());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode answer = json.readTree(response.body());
        assertThat(answer.get("accepted").asInt()).isEqualTo(1);
        assertThat(answer.get("rejected").asInt()).isEqualTo(1);
        assertThat(answer.at("/rejections/0/index").asInt()).isEqualTo(1);
        assertThat(answer.at("/rejections/0/reasons/0/code").asText()).isEqualTo("DUPLICATE_EVENT_ID");
        List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertThat(sent).filteredOn(r -> r.topic().equals("loans.data.raw"))
                .extracting(r -> new String(r.key(), StandardCharsets.UTF_8)).containsExactly("dup");
        assertThat(sent).filteredOn(r -> r.topic().equals("loans.data.quarantine")).hasSize(1)
                .allSatisfy(r -> assertThat(quarantine(r).getOriginalText()).isEqualTo(second));
    }

    @Test
    void moreRecordsThanTheCapIs413AndNothingIsWritten() throws Exception {
        service.close();
        service = IngestionService.start(config(Duration.ofSeconds(5)).withMaxRecordsPerRequest(3), serdes, producer);

        HttpResponse<String> array = post("loans", "application/json",
                "[" + String.join(",", java.util.Collections.nCopies(4, GOOD)) + "]", Map.of());
        HttpResponse<String> ndjson = post("loans", "application/x-ndjson", "{}\n{}\n{}\n{}\n", Map.of());

        assertThat(array.statusCode()).isEqualTo(413);
        assertThat(json.readTree(array.body()).get("error").asText()).isEqualTo("too_many_records");
        assertThat(ndjson.statusCode()).isEqualTo(413);
        assertThat(producer.history()).isEmpty();
        assertThat(post("loans", "application/x-ndjson", "{}\n{}\n{}\n", Map.of()).statusCode())
                .as("three events are within the cap (missing fields are the validation gates' to judge)")
                .isEqualTo(200);
    }

    @Test
    void whenEveryEventIsRejectedTheAnswerIs422AndTheyAreQuarantined() throws Exception {
        String missing = "{\"application_id\":\"m-1\",\"age\":\"thirty\"}";
        String notFinite = "{\"application_id\":\"m-2\",\"applied_at\":\"2025-06-01T10:00:00Z\",\"age\":30,"
                + "\"income\":\"NaN\"}";

        HttpResponse<String> response = post("loans", "application/json", "[" + missing + "," + notFinite + "]",
                Map.of());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        JsonNode answer = json.readTree(response.body());
        assertThat(answer.get("error").asText()).isEqualTo("rejected");
        assertThat(answer.get("rejected").asInt()).isEqualTo(2);
        assertThat(answer.at("/rejections/0/reasons").findValuesAsText("code")).contains("WRONG_TYPE");
        assertThat(answer.at("/rejections/1/reasons").findValuesAsText("field")).contains("income");
        assertThat(producer.history()).extracting(r -> quarantine(r).getOriginalText())
                .containsExactly(missing, notFinite);
    }

    @Test
    void bareNaNIsMalformedJsonAndDeepNestingIsRefusedWhileTheServiceStaysUp() throws Exception {
        HttpResponse<String> nan = post("loans", "application/json",
                "{\"application_id\":\"n\",\"age\":NaN}", Map.of());
        HttpResponse<String> deep = post("loans", "application/json",
                "{\"a\":" + "[".repeat(1500) + "]".repeat(1500) + "}", Map.of());

        assertThat(nan.statusCode()).isEqualTo(400);
        assertThat(json.readTree(nan.body()).get("error").asText()).isEqualTo("malformed_json");
        assertThat(deep.statusCode()).isEqualTo(400);
        JsonNode problem = json.readTree(deep.body());
        assertThat(problem.get("error").asText()).isEqualTo("malformed_json");
        assertThat(problem.get("message").asText()).contains("nesting").hasSizeLessThan(1000);
        assertThat(producer.history()).isEmpty();
        assertThat(post("loans", "application/json", GOOD, Map.of()).statusCode()).isEqualTo(200);
    }

    @Test
    void bodiesThatAreNotUtf8AreRefused() throws Exception {
        URI uri = service.httpBaseUrl().resolve("/v1/pipelines/loans/events");
        byte[] utf16 = GOOD.getBytes(StandardCharsets.UTF_16LE);
        byte[] invalid = GOOD.replace("a-1", "a-\u00e9").getBytes(StandardCharsets.ISO_8859_1);

        HttpResponse<String> wide = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(utf16)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> latin = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(invalid)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(wide.statusCode()).isEqualTo(400);
        assertThat(json.readTree(wide.body()).get("error").asText()).isEqualTo("invalid_utf8");
        assertThat(latin.statusCode()).isEqualTo(400);
        assertThat(json.readTree(latin.body()).get("message").asText()).contains("not valid UTF-8");
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void whenMoreArrivesThanKafkaTakesRequestsGet429AtOnceAnd503OnceKafkaHasStalled() throws Exception {
        service.close();
        CountDownLatch release = new CountDownLatch(1);
        producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public void commitTransaction() {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.commitTransaction();
            }
        };
        IngestionConfig base = config(Duration.ofSeconds(5));
        IngestionConfig oneQueued = new IngestionConfig(base.platform(), spec, MAX_BODY, Duration.ofSeconds(5), 7, 2,
                100, 1, 1, 1024 * 1024, 100, Duration.ofMinutes(1));
        service = IngestionService.start(oneQueued, serdes, producer);
        URI uri = service.httpBaseUrl().resolve("/v1/pipelines/loans/events");
        HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GOOD)).build();

        var writing = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.transactionInFlight());
        var queued = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> refused = await().atMost(Duration.ofSeconds(10)).until(
                () -> http.send(request, HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() != 200);

        // Kafka completed its last transaction moments ago: the clients are sending too fast (429).
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).contains("7");
        assertThat(json.readTree(refused.body()).get("error").asText()).isEqualTo("overloaded");
        // Nothing completes for longer than the ack timeout (5 s here) while events wait: Kafka is stalled (503).
        HttpResponse<String> stalled = await().atMost(Duration.ofSeconds(30)).until(
                () -> http.send(request, HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() == 503);
        assertThat(stalled.headers().firstValue("Retry-After")).contains("7");
        assertThat(json.readTree(stalled.body()).get("error").asText()).isEqualTo("kafka_stalled");
        release.countDown();
        assertThat(writing.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(queued.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(producer.history()).hasSize(2);
    }

    @Test
    void aBearerTokenWhenConfiguredIsRequiredExceptForHealth() throws Exception {
        service.close();
        PlatformConfig platform = PlatformConfig.from(ConfigSource.of(Map.of("http.port", "0",
                "http.auth.token", "s3cret")), IngestionConfig.DEFAULT_HTTP_PORT);
        service = IngestionService.start(new IngestionConfig(platform, spec, MAX_BODY, Duration.ofSeconds(5), 7, 2),
                serdes, producer);

        HttpResponse<String> none = post("loans", "application/json", GOOD, Map.of());
        HttpResponse<String> wrong = post("loans", "application/json", GOOD, Map.of("Authorization", "Bearer nope"));
        HttpResponse<String> right = post("loans", "application/json", GOOD, Map.of("Authorization", "Bearer s3cret"));
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(service.httpBaseUrl().resolve("/health/live"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer");
        assertThat(json.readTree(none.body()).get("error").asText()).isEqualTo("unauthorized");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(producer.history()).hasSize(1);
    }

    @Test
    void theAnswerToALargeBatchHoldsOnlyCounts() throws Exception {
        service.close();
        service = IngestionService.start(new IngestionConfig(config(Duration.ofSeconds(5)).platform(), spec,
                1024 * 1024, Duration.ofSeconds(5), 7, 2), serdes, producer);
        StringBuilder ndjson = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            ndjson.append(GOOD.replace("a-1", "a-" + i)).append('\n');
        }

        HttpResponse<String> response = post("loans", "application/x-ndjson", ndjson.toString(), Map.of());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).hasSizeLessThan(100);
        assertThat(json.readTree(response.body()).get("accepted").asInt()).isEqualTo(2000);
        assertThat(producer.history()).hasSize(2000);
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
