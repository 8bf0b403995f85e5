package io.mlcycle.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.cli.common.TopicReader;
import io.mlcycle.cli.demo.DemoRun;
import io.mlcycle.cli.demo.DemoScenario;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.kafka.KafkaClients;
import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operating scenario, against whatever runs the system (the embedded local stack, or the docker-compose stack
 * from images): a champion is trained from labeled traffic, then one record goes in through ingestion, its
 * prediction comes out on {@code credit.predictions}, its outcome is posted as feedback and comes out joined on
 * {@code credit.examples.labeled}; {@code mlcycle status} and {@code mlcycle tail} show it all.
 */
abstract class PipelineScenario {

    static final String PIPELINE = "credit";
    static final List<String> SERVICES = List.of("ingestion", "validation", "serving-feedback", "training-orchestrator");
    private static final ObjectMapper JSON = new ObjectMapper();

    abstract String bootstrapServers();

    abstract String registryUrl();

    abstract URI serviceUrl(String service);

    @Test
    void aRecordGoesInAPredictionComesOutAndItsFeedbackIsJoined() throws Exception {
        trainAChampion();
        String champion = await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(this::champion, Optional::isPresent).orElseThrow();

        String eventId = ingest("""
                {"applicant_id": "scenario-1", "applied_at": "2026-11-22T10:00:00Z", "age": 35, "monthly_income": 2800,
                 "debt_ratio": 0.5, "open_credit_lines": 6, "late_payments_90d": 2, "loan_amount": 15000,
                 "employment": "unemployed", "email": "a@example.com"}""");
        JsonNode prediction = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> find("predictions", eventId), Optional::isPresent).orElseThrow();
        assertThat(prediction.path("model_version").asText()).isEqualTo(champion);

        HttpResponse<String> feedback = post(serviceUrl("serving-feedback").resolve("/v1/pipelines/credit/feedback"),
                "[{\"event_id\": \"" + eventId + "\", \"label\": true}]");
        assertThat(feedback.statusCode()).as(feedback.body()).isBetween(200, 299);
        JsonNode labeled = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> find("examples.labeled", eventId), Optional::isPresent).orElseThrow();
        assertThat(labeled.path("positive").asBoolean()).isTrue();
        assertThat(labeled.path("predictions").get(0).path("model_version").asText()).isEqualTo(champion);

        // The operator's view of the same.
        CliRun tail = CliRun.run(connection("tail", "credit.predictions", "--from-beginning", "--where", "key=" + eventId));
        assertThat(tail.exitCode).as(tail.toString()).isZero();
        assertThat(tail.out.lines().toList()).hasSize(1);
        JsonNode line = JSON.readTree(tail.out);
        assertThat(line.path("key").asText()).isEqualTo(eventId);
        assertThat(line.path("value").path("model_version").asText()).isEqualTo(champion);

        CliRun status = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> CliRun.run(statusArgs(true)), run -> run.exitCode == 0 && lagSettled(run.out));
        JsonNode report = JSON.readTree(status.out);
        assertThat(report.path("services").findValuesAsText("state")).containsOnly("READY").hasSize(4);
        JsonNode credit = report.path("pipelines").get(0);
        assertThat(credit.path("pipeline").asText()).isEqualTo(PIPELINE);
        assertThat(credit.path("models").get(0).path("version").asText()).isEqualTo(champion);
        assertThat(credit.path("models").get(0).path("stage").asText()).isEqualTo("CHAMPION");
        assertThat(credit.path("stages").findValuesAsText("service"))
                .containsExactly("validation", "serving-feedback", "training-orchestrator");
        assertThat(credit.path("lastQualityWindow").path("records").asLong()).isPositive();

        CliRun table = CliRun.run(statusArgs(false));
        assertThat(table.exitCode).as(table.toString()).isZero();
        assertThat(table.out).containsPattern("validation\\s+mlcycle-credit-validation\\s+Stable\\s+1\\s+\\d+")
                .containsPattern(champion + "\\s+CHAMPION").contains("QUALITY window");
    }

    @Test
    void specCheckAsksTheRunningRegistry(@TempDir Path dir) throws Exception {
        String credit = bundledCreditSpec();
        CliRun same = CliRun.run(connection("spec", "check", Files.writeString(dir.resolve("credit.yaml"), credit)
                .toString()));
        assertThat(same.exitCode).as(same.toString()).isZero();
        assertThat(same.out).containsPattern("credit\\.data\\.raw-value\\s+\\d+ \\(latest \\d+\\)\\s+BACKWARD\\s+yes")
                .containsPattern("credit\\.data\\.validated-value\\s+.*\\s+yes")
                .contains("The registry will accept this spec's data schema.");

        Path narrowed = Files.writeString(dir.resolve("narrowed.yaml"), SpecCommandTest.narrowIncome(credit));
        CliRun refused = CliRun.run(connection("spec", "check", "--json", narrowed.toString()));
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(1);
        JsonNode report = JSON.readTree(refused.out);
        assertThat(report.path("compatible").asBoolean()).isFalse();
        assertThat(report.path("subjects").findValuesAsText("subject"))
                .containsExactly("credit.data.raw-value", "credit.data.validated-value");
        assertThat(report.path("subjects").get(0).path("problems").get(0).asText()).contains("monthly_income");
    }

    /** Labeled, drift-free traffic through ingestion and the feedback topic, enough for the bootstrap training. */
    private void trainAChampion() throws Exception {
        var spec = PipelineSpecParser.parse(bundledCreditSpec(), "credit.yaml");
        PipelineSerdes serdes = new PipelineSerdes(new RestSchemaRegistryClient(
                io.mlcycle.platform.registry.RegistryClientSettings.forUrls(registryUrl())), AvroSerdeConfig.defaults(),
                PIPELINE, spec.dataSchema());
        DemoScenario.Settings settings = new DemoScenario.Settings(1200, 1200, 1.0, 0.0, 1.0, Duration.ofMillis(200),
                100, 11L);
        ByteArrayOutputStream timeline = new ByteArrayOutputStream();
        DemoRun run = new DemoRun(serdes, bootstrapServers(), serviceUrl("ingestion"), settings,
                new PrintStream(timeline, true, StandardCharsets.UTF_8));
        DemoRun.Result result = run.run();
        assertThat(result.sent().accepted()).as(timeline.toString(StandardCharsets.UTF_8)).isPositive();
    }

    private static String bundledCreditSpec() throws java.io.IOException {
        try (InputStream in = PipelineScenario.class.getResourceAsStream("/specs/credit.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private Optional<String> champion() {
        try (TopicReader reader = reader()) {
            return PipelineStatus.models(reader, PIPELINE, 10).stream().filter(m -> m.stage().equals("CHAMPION"))
                    .map(PipelineStatus.ModelRow::version).findFirst();
        }
    }

    private Optional<JsonNode> find(String suffix, String eventId) {
        try (TopicReader reader = reader()) {
            return reader.readAll(PIPELINE + "." + suffix).stream().filter(r -> eventId.equals(r.key()))
                    .map(TopicReader.Decoded::value).findFirst();
        }
    }

    private TopicReader reader() {
        PlatformConfig config = PlatformConfig.from(ConfigSource.of(Map.of(PlatformConfig.BOOTSTRAP_SERVERS,
                bootstrapServers(), PlatformConfig.SCHEMA_REGISTRY_URL, registryUrl(), PlatformConfig.INSTANCE_ID,
                "scenario")), 0);
        return new TopicReader(KafkaClients.consumerProperties(config, null, "scenario"),
                new RestSchemaRegistryClient(config.registryClientSettings()));
    }

    private String ingest(String event) throws Exception {
        HttpResponse<String> response = post(serviceUrl("ingestion").resolve("/v1/pipelines/credit/events"), event);
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        return JSON.readTree(response.body()).path("event_id").asText();
    }

    private String[] connection(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-servers", bootstrapServers(), "--registry-url", registryUrl()));
        return all.toArray(String[]::new);
    }

    private String[] statusArgs(boolean json) {
        List<String> args = new ArrayList<>(List.of(connection("status", "--pipeline", PIPELINE)));
        for (String service : SERVICES) {
            args.add("--service-url");
            args.add(service + "=" + serviceUrl(service));
        }
        if (json) {
            args.add("--json");
        }
        return args.toArray(String[]::new);
    }

    /** Every stage's group is stable with a member: the services are consuming. */
    private static boolean lagSettled(String json) {
        try {
            JsonNode stages = JSON.readTree(json).path("pipelines").get(0).path("stages");
            for (JsonNode stage : stages) {
                if (stage.path("members").asInt() < 1) {
                    return false;
                }
            }
            return stages.size() == 3;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static HttpResponse<String> post(URI uri, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
