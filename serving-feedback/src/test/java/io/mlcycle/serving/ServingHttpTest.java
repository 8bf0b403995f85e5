package io.mlcycle.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.avro.Feedback;
import io.mlcycle.avro.Prediction;
import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.http.HttpServerHost;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The predict, feedback and model endpoints, served by the platform's HTTP host on an ephemeral port. */
class ServingHttpTest {
    private static final PipelineSpec SPEC = TestFixtures.spec();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    private static final String VALID = "{\"application_id\":\"a-1\",\"applied_at\":\"2025-03-01T11:00:00Z\","
            + "\"age\":60,\"income\":\"2500\",\"employment\":\"employed\"}";

    private final AtomicReference<LoadedModel> champion = new AtomicReference<>();
    private final List<Prediction> logged = new CopyOnWriteArrayList<>();
    private final List<Feedback> sent = new CopyOnWriteArrayList<>();
    private final AtomicReference<Throwable> sendFailure = new AtomicReference<>();
    private final ServingMetrics metrics = ServingMetrics.inMemory(SPEC.pipeline());
    private final HttpClient client = HttpClient.newHttpClient();
    private HttpServerHost host;

    @BeforeEach
    void start() {
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        host = new HttpServerHost("127.0.0.1", 0, HttpServerHost.Options.defaults("serving-feedback-test"));
        host.route("POST", "/v1/pipelines/{pipeline}/predict", new PredictHandler(SPEC,
                () -> Optional.ofNullable(champion.get()), logged::add, metrics, clock, 10));
        host.route("POST", "/v1/pipelines/{pipeline}/feedback", new FeedbackHandler(SPEC, feedback -> {
            if (sendFailure.get() != null) {
                return CompletableFuture.failedFuture(sendFailure.get());
            }
            sent.add(feedback);
            return CompletableFuture.completedFuture(null);
        }, clock, 10, Duration.ofSeconds(1)));
        host.route("GET", "/v1/pipelines/{pipeline}/model", new ModelHandler(SPEC.pipeline(),
                () -> Optional.ofNullable(champion.get())));
        host.start();
    }

    @AfterEach
    void stop() {
        host.close();
    }

    private void loadChampion(double intercept) {
        byte[] artifact = TestFixtures.artifact(SPEC, intercept, 1.0);
        champion.set(new LoadedModel("credit-v3", 3, ModelArtifacts.sha256(artifact), "mlcycle.logistic.v1",
                ModelArtifacts.load(artifact), 0.5, NOW, Map.of("roc_auc", 0.81)));
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws IOException,
            InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(host.baseUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create(host.baseUrl() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void predictsOneRecordAndLogsThePrediction() throws Exception {
        loadChampion(0.0);

        HttpResponse<String> response = post("/v1/pipelines/credit/predict", VALID, "Idempotency-Key", "evt-42");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        double expected = TestFixtures.expectedScore(0.0, 1.0, 60);
        assertThat(body.get("score").doubleValue()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(body.get("decision").booleanValue()).isEqualTo(expected >= 0.5);
        assertThat(body.get("threshold").doubleValue()).isEqualTo(0.5);
        assertThat(body.get("model_version").textValue()).isEqualTo("credit-v3");
        assertThat(body.get("variant").textValue()).isEqualTo("CHAMPION");
        assertThat(body.get("event_id").textValue()).isEqualTo("evt-42");
        assertThat(body.get("prediction_id").textValue()).isNotBlank();

        assertThat(logged).singleElement().satisfies(p -> {
            assertThat(p.getSource()).isEqualTo("http");
            assertThat(p.getEventId()).isEqualTo("evt-42");
            assertThat(p.getPredictionId()).isEqualTo(body.get("prediction_id").textValue());
            assertThat(p.getEntityKey()).isEqualTo("a-1");
            assertThat(p.getFeatures()).containsEntry("age", 60).containsEntry("income", 2500.0);
            assertThat(p.getEventTime()).isEqualTo(Instant.parse("2025-03-01T11:00:00Z"));
        });
        assertThat(metrics.count(ServingMetrics.PREDICTIONS, "source", "http")).isEqualTo(1);
    }

    @Test
    void normalisationsOnPredictAreCountedPerFieldAndRule() throws Exception {
        loadChampion(0.0);

        HttpResponse<String> response = post("/v1/pipelines/credit/predict", VALID.replace("\"employed\"", "\"?\""));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(metrics.count(ServingMetrics.NORMALIZATIONS, "field", "employment", "rule", "missing_marker"))
                .isEqualTo(1);
        assertThat(metrics.count(ServingMetrics.NORMALIZATIONS)).isEqualTo(1);
    }

    @Test
    void aPredictionWithAnEventIdOver256CharactersIs422() throws Exception {
        loadChampion(0.0);

        HttpResponse<String> response = post("/v1/pipelines/credit/predict",
                VALID.replace("{", "{\"event_id\":\"" + "x".repeat(300) + "\","));

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.body()).contains("OUT_OF_RANGE").contains("at most 256");
        assertThat(logged).isEmpty();
    }

    @Test
    void predictsABatchUsingEachRecordsEventId() throws Exception {
        loadChampion(0.0);
        String second = VALID.replace("\"a-1\"", "\"a-2\"").replace("\"age\":60", "\"age\":20")
                .replace("{", "{\"event_id\":\"e-2\",");

        HttpResponse<String> response = post("/v1/pipelines/credit/predict", "{\"records\":[" + VALID + "," + second
                + "]}");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode predictions = JSON.readTree(response.body()).get("predictions");
        assertThat(predictions).hasSize(2);
        assertThat(predictions.get(1).get("event_id").textValue()).isEqualTo("e-2");
        assertThat(predictions.get(0).get("score").doubleValue())
                .isGreaterThan(predictions.get(1).get("score").doubleValue());
        assertThat(logged).extracting(Prediction::getEntityKey).containsExactly("a-1", "a-2");
    }

    @Test
    void rejectsInvalidRecordsWith422AndTheReasonsPerRecord() throws Exception {
        loadChampion(0.0);
        String tooYoung = VALID.replace("\"age\":60", "\"age\":7");
        String badCategory = VALID.replace("\"employed\"", "\"astronaut\"").replace("\"age\":60", "\"age\":\"old\"");

        HttpResponse<String> response = post("/v1/pipelines/credit/predict",
                "[" + VALID + "," + tooYoung + "," + badCategory + "]");

        assertThat(response.statusCode()).isEqualTo(422);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("error").textValue()).isEqualTo("invalid_records");
        JsonNode records = body.get("records");
        assertThat(records.get(0).get("valid").booleanValue()).isTrue();
        assertThat(records.get(1).get("reasons").get(0).get("code").textValue()).isEqualTo("OUT_OF_RANGE");
        assertThat(records.get(1).get("reasons").get(0).get("field").textValue()).isEqualTo("age");
        assertThat(records.get(2).get("reasons").findValuesAsText("code")).contains("WRONG_TYPE");
        assertThat(logged).as("nothing scored when any record is invalid").isEmpty();
    }

    @Test
    void answers503WithoutAChampion() throws Exception {
        HttpResponse<String> response = post("/v1/pipelines/credit/predict", VALID);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(response.body()).get("error").textValue()).isEqualTo("no_model");
    }

    @Test
    void answers404ForAnUnknownPipelineAnd400ForBrokenJson() throws Exception {
        loadChampion(0.0);
        HttpResponse<String> unknown = post("/v1/pipelines/fraud/predict", VALID);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).get("error").textValue()).isEqualTo("unknown_pipeline");

        HttpResponse<String> broken = post("/v1/pipelines/credit/predict", "{\"age\": ");
        assertThat(broken.statusCode()).isEqualTo(400);
        assertThat(broken.body()).doesNotContain("Exception").doesNotContain("at io.");
    }

    @Test
    void acceptsFeedbackAndWritesIt() throws Exception {
        HttpResponse<String> response = post("/v1/pipelines/credit/feedback",
                "[{\"event_id\":\"e-1\",\"label\":true},{\"event_id\":\"e-2\",\"label\":\"0\","
                        + "\"observed_at\":\"2025-03-01T10:00:00Z\",\"source\":\"crm\"}]");

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(response.body()).get("accepted").intValue()).isEqualTo(2);
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0).getLabel()).isEqualTo("true");
        assertThat(sent.get(0).getObservedAt()).isEqualTo(NOW);
        assertThat(sent.get(0).getSource()).isEqualTo("http");
        assertThat(sent.get(1).getLabel()).isEqualTo("0");
        assertThat(sent.get(1).getObservedAt()).isEqualTo(Instant.parse("2025-03-01T10:00:00Z"));
        assertThat(sent.get(1).getSource()).isEqualTo("crm");
    }

    @Test
    void rejectsFeedbackWithoutEventIdOrWithAnInvalidLabel() throws Exception {
        HttpResponse<String> response = post("/v1/pipelines/credit/feedback",
                "[{\"label\":true},{\"event_id\":\"e-2\",\"label\":\"perhaps\"},{\"event_id\":\"e-3\"}]");

        assertThat(response.statusCode()).isEqualTo(422);
        JsonNode records = JSON.readTree(response.body()).get("records");
        assertThat(records).hasSize(3);
        assertThat(records.get(0).get("reasons").get(0).get("field").textValue()).isEqualTo("event_id");
        assertThat(records.get(1).get("reasons").get(0).get("code").textValue()).isEqualTo("INVALID_LABEL");
        assertThat(records.get(2).get("reasons").get(0).get("field").textValue()).isEqualTo("label");
        assertThat(sent).isEmpty();
    }

    @Test
    void rejectsAnObservedAtOutsideTheEpochMillisecondRangeAs422() throws Exception {
        // Such an instant parses, but cannot be written as timestamp-millis: before the fix the serializer failed
        // in the sink and the client got 503 "retry later" for a request that can never succeed.
        HttpResponse<String> response = post("/v1/pipelines/credit/feedback",
                "{\"event_id\":\"e-9\",\"label\":true,\"observed_at\":\"+999999999-12-31T23:59:59Z\"}");

        assertThat(response.statusCode()).isEqualTo(422);
        JsonNode reason = JSON.readTree(response.body()).get("records").get(0).get("reasons").get(0);
        assertThat(reason.get("field").textValue()).isEqualTo("observed_at");
        assertThat(reason.get("code").textValue()).isEqualTo("OUT_OF_RANGE");
        assertThat(sent).isEmpty();
    }

    @Test
    void feedbackWithAHugeEventIdIsAClientErrorNot503() throws Exception {
        // A 900 KB event id made the producer fail with RecordTooLargeException, answered 503 "retry later",
        // though no retry can succeed.
        String huge = "x".repeat(900 * 1024);

        HttpResponse<String> response = post("/v1/pipelines/credit/feedback",
                "{\"event_id\":\"" + huge + "\",\"label\":\"true\"}");

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.body()).contains("OUT_OF_RANGE").contains("at most 256");
        assertThat(response.body().length()).isLessThan(10_000);
        assertThat(sent).isEmpty();
    }

    @Test
    void feedbackTheBrokerRefusesAsTooLargeIs413() throws Exception {
        sendFailure.set(new org.apache.kafka.common.errors.RecordTooLargeException("the record is too large"));

        HttpResponse<String> response = post("/v1/pipelines/credit/feedback",
                "{\"event_id\":\"e-1\",\"label\":\"true\"}");

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("record_too_large");
    }

    @Test
    void predictRefusesAnEventTimeBeyondTheSpecsMaxFutureAndScoresNothing() throws Exception {
        // The test spec sets data.max_future: PT5M; a year-3025 event time would move the truth topology's stored
        // progress for good if it were logged.
        loadChampion(0.0);
        String farFuture = VALID.replace("2025-03-01T11:00:00Z", "3025-03-01T11:00:00Z")
                .replace("{", "{\"event_id\":\"e-future\",");

        HttpResponse<String> response = post("/v1/pipelines/credit/predict", "[" + VALID + "," + farFuture + "]");

        assertThat(response.statusCode()).isEqualTo(422);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("error").textValue()).isEqualTo("invalid_records");
        JsonNode records = body.get("records");
        assertThat(records.get(0).get("valid").booleanValue()).isTrue();
        assertThat(records.get(0).get("reasons")).isEmpty();
        assertThat(records.get(1).get("event_id").textValue()).isEqualTo("e-future");
        assertThat(records.get(1).get("valid").booleanValue()).isFalse();
        JsonNode reason = records.get(1).get("reasons").get(0);
        assertThat(records.get(1).get("reasons")).hasSize(1);
        assertThat(reason.get("code").textValue()).isEqualTo("EVENT_TIME_IN_FUTURE");
        assertThat(reason.get("field").textValue()).isEqualTo("applied_at");
        assertThat(reason.get("detail").textValue()).isEqualTo("applied_at = 3025-03-01T11:00:00Z is in the future:"
                + " more than PT5M after now (2025-03-01T12:00:00Z)");
        assertThat(logged).as("nothing of the batch is scored or logged").isEmpty();
        assertThat(metrics.count(ServingMetrics.PREDICTIONS)).isZero();
    }

    @Test
    void predictAcceptsAnEventTimeAtTheLimitAndRefusesOneMillisecondBeyond() throws Exception {
        loadChampion(0.0);
        String atLimit = VALID.replace("2025-03-01T11:00:00Z", "2025-03-01T12:05:00Z");
        String beyond = VALID.replace("\"2025-03-01T11:00:00Z\"",
                Long.toString(NOW.plus(Duration.ofMinutes(5)).toEpochMilli() + 1));

        HttpResponse<String> accepted = post("/v1/pipelines/credit/predict", atLimit);
        HttpResponse<String> refused = post("/v1/pipelines/credit/predict", beyond);

        assertThat(accepted.statusCode()).isEqualTo(200);
        assertThat(logged).singleElement().extracting(Prediction::getEventTime)
                .isEqualTo(Instant.parse("2025-03-01T12:05:00Z"));
        assertThat(refused.statusCode()).isEqualTo(422);
        JsonNode reason = JSON.readTree(refused.body()).get("records").get(0).get("reasons").get(0);
        assertThat(reason.get("code").textValue()).isEqualTo("EVENT_TIME_IN_FUTURE");
        assertThat(reason.get("detail").textValue()).contains("2025-03-01T12:05:00.001Z").contains("PT5M");
        assertThat(logged).hasSize(1);
    }

    @Test
    void feedbackRefusesAnObservedAtBeyondTheSpecsMaxFutureAndWritesNothing() throws Exception {
        HttpResponse<String> response = post("/v1/pipelines/credit/feedback",
                "[{\"event_id\":\"e-1\",\"label\":true},"
                        + "{\"event_id\":\"e-2\",\"label\":false,\"observed_at\":\"3025-03-01T12:00:00Z\"}]");

        assertThat(response.statusCode()).isEqualTo(422);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("error").textValue()).isEqualTo("invalid_feedback");
        JsonNode records = body.get("records");
        assertThat(records).as("only the refused record is listed").hasSize(1);
        assertThat(records.get(0).get("index").intValue()).isEqualTo(1);
        assertThat(records.get(0).get("reasons")).hasSize(1);
        JsonNode reason = records.get(0).get("reasons").get(0);
        assertThat(reason.get("code").textValue()).isEqualTo("EVENT_TIME_IN_FUTURE");
        assertThat(reason.get("field").textValue()).isEqualTo("observed_at");
        assertThat(reason.get("detail").textValue()).isEqualTo("observed_at = 3025-03-01T12:00:00Z is in the future:"
                + " more than PT5M after now (2025-03-01T12:00:00Z)");
        assertThat(sent).as("nothing of the batch is written").isEmpty();
    }

    @Test
    void feedbackAcceptsAnObservedAtAtTheLimitAndRefusesOneMillisecondBeyond() throws Exception {
        long limit = NOW.plus(Duration.ofMinutes(5)).toEpochMilli();

        HttpResponse<String> accepted = post("/v1/pipelines/credit/feedback",
                "{\"event_id\":\"e-1\",\"label\":true,\"observed_at\":\"2025-03-01T12:05:00Z\"}");
        HttpResponse<String> refused = post("/v1/pipelines/credit/feedback",
                "{\"event_id\":\"e-2\",\"label\":true,\"observed_at\":" + (limit + 1) + "}");

        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(sent).singleElement().extracting(Feedback::getObservedAt)
                .isEqualTo(Instant.parse("2025-03-01T12:05:00Z"));
        assertThat(refused.statusCode()).isEqualTo(422);
        JsonNode reason = JSON.readTree(refused.body()).get("records").get(0).get("reasons").get(0);
        assertThat(reason.get("code").textValue()).isEqualTo("EVENT_TIME_IN_FUTURE");
        assertThat(reason.get("field").textValue()).isEqualTo("observed_at");
        assertThat(reason.get("detail").textValue()).contains("2025-03-01T12:05:00.001Z").contains("PT5M");
        assertThat(sent).hasSize(1);
    }

    @Test
    void showsTheChampionOr404() throws Exception {
        HttpResponse<String> none = get("/v1/pipelines/credit/model");
        assertThat(none.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(none.body()).get("error").textValue()).isEqualTo("no_model");

        loadChampion(0.0);
        JsonNode model = JSON.readTree(get("/v1/pipelines/credit/model").body());
        assertThat(model.get("version").textValue()).isEqualTo("credit-v3");
        assertThat(model.get("sha256").textValue()).hasSize(64);
        assertThat(model.get("threshold").doubleValue()).isEqualTo(0.5);
        assertThat(model.get("loaded_at").textValue()).isEqualTo(NOW.toString());
        assertThat(model.get("offline_metrics").get("roc_auc").doubleValue()).isEqualTo(0.81);
    }
}
