package io.mlcycle.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import io.mlcycle.cli.demo.DemoRun;
import io.mlcycle.cli.demo.DemoScenario;
import io.mlcycle.cli.demo.PipelineObservations;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.platform.config.ConfigSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop on a real (embedded) Kafka broker: applications in over HTTP, validation with quarantine, a model
 * trained on joined outcomes, evaluated, registered and promoted, then picked up by serving without a restart, its
 * predictions logged and joined with later outcomes.
 */
class EndToEndLoopIT {

    private static LocalStack stack;
    private static PipelineStack pipeline;

    @TempDir
    static Path workDir;

    @BeforeAll
    static void startPipeline() throws Exception {
        stack = LocalStack.ephemeral();
        pipeline = PipelineStack.start(new PipelineStack.Settings(BundledSpecs.extract(BundledSpecs.CREDIT, workDir),
                stack.bootstrapServers(), stack.registryUrl(), workDir.resolve("state"), 0, ConfigSource.of(Map.of())),
                Duration.ofSeconds(90));
    }

    @AfterAll
    static void stopPipeline() {
        if (pipeline != null) {
            pipeline.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void dataFlowsThroughTheWholeLoopAndEveryRecordIsAccountedFor() throws Exception {
        ByteArrayOutputStream timeline = new ByteArrayOutputStream();
        DemoScenario.Settings settings = new DemoScenario.Settings(3000, 400, 0.6, 0.03, 0.97,
                Duration.ofMillis(500), 25, 21L);
        DemoRun run = new DemoRun(pipeline.serdes(), stack.bootstrapServers(), pipeline.httpBaseUrl("ingestion"),
                settings, new PrintStream(timeline, true, StandardCharsets.UTF_8));

        DemoRun.Result result = run.run();
        String printed = timeline.toString(StandardCharsets.UTF_8);

        assertThat(result.loopClosed()).as("loop closed; timeline:%n%s", printed).isTrue();
        PipelineObservations.Snapshot observed = result.observed();
        assertThat(result.sent().accepted() + result.sent().rejectedAtIngestion()).isEqualTo(3000);
        assertThat(result.sent().rejectedAtIngestion()).isPositive();
        assertThat(observed.quarantineByReason()).containsKeys("OUT_OF_RANGE", "NOT_ALLOWED", "WRONG_TYPE",
                "MISSING_REQUIRED", "BAD_MAGIC_BYTE");

        String champion = observed.champion();
        assertThat(champion).isNotNull();
        ModelVersion model = observed.models().get(champion);
        assertThat(model.getOfflineMetrics().get("roc_auc")).isGreaterThan(0.65);
        assertThat(model.getGatesPassed()).isTrue();
        assertThat(model.getLineage().getDataset()).isNotEmpty();
        assertThat(model.getLineage().getSpecSha256()).isEqualTo(pipeline.spec().sha256());
        assertThat(model.getArtifactSha256()).hasSize(64);
        assertThat(observed.models().values()).extracting(ModelVersion::getStage).contains(Stage.CHAMPION);
        assertThat(printed).contains("promoted to CHAMPION").contains("quarantine");

        // Exactly once: every record of data.raw ends in validated or in quarantine, once (ingestion's rejections
        // never reached data.raw, so they are counted apart).
        assertThat(observed.rawRecords()).isEqualTo(result.sent().accepted() + result.sent().garbage());
        assertThat(observed.validated() + observed.quarantinedFromRaw()).isEqualTo(observed.rawRecords());
        assertThat(observed.quarantineByStage()).containsKeys("INGESTION", "DESERIALIZATION", "VALIDATION");

        assertThat(observed.labeled()).isGreaterThan(result.sent().feedback() * 9 / 10);

        // The champion also answers over HTTP, through the same record gates.
        JsonNode prediction = predict(pipeline.httpBaseUrl("serving-feedback"), """
                {"applicant_id": "A-test", "applied_at": "2026-11-22T10:00:00Z", "age": 35, "monthly_income": 2800,
                 "debt_ratio": 0.5, "open_credit_lines": 6, "late_payments_90d": 2, "loan_amount": 15000,
                 "employment": "unemployed", "email": "a@example.com"}""", 200);
        // The bundled spec's staged policy may have a canary by now: the answer comes from the champion or, for
        // the entities the canary's hash assigns to it, from the canary, and says which; never from a shadow.
        String servedBy = prediction.get("model_version").asText();
        String variant = prediction.get("variant").asText();
        if (servedBy.equals(champion)) {
            assertThat(variant).isEqualTo("CHAMPION");
        } else {
            assertThat(variant).as("answered by %s, not the champion %s", servedBy, champion).isEqualTo("CANARY");
            ModelVersion canary = observed.models().get(servedBy);
            if (canary != null) { // a version registered after the snapshot is not known to it
                assertThat(canary.getStage()).isEqualTo(Stage.CANARY);
            }
            assertThat(servedBy).startsWith("credit-v");
        }
        predict(pipeline.httpBaseUrl("serving-feedback"), """
                {"applicant_id": "A-bad", "applied_at": "2026-11-22T10:00:00Z", "age": 7, "monthly_income": 2800,
                 "loan_amount": 15000, "employment": "employed"}""", 422);
    }

    private static JsonNode predict(URI servingBaseUrl, String body, int expectedStatus) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(servingBaseUrl.resolve("/v1/pipelines/credit/predict"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
        return new ObjectMapper().readTree(response.body());
    }
}
