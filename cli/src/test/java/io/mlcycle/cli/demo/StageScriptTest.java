package io.mlcycle.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.mlcycle.avro.DataProfile;
import io.mlcycle.avro.Lineage;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OffsetRange;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageTransition;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.platform.http.AdminTokens;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The demo's canary act against a stub orchestrator: when it stages the pre-drift champion, and when it stops. */
class StageScriptTest {

    private static final Instant DRIFT = Instant.parse("2026-12-01T10:00:00Z");

    private final List<String> posted = new CopyOnWriteArrayList<>();
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final PipelineObservations observations = new PipelineObservations();
    private HttpServer orchestrator;

    @BeforeEach
    void start() throws Exception {
        orchestrator = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        orchestrator.createContext("/v1/pipelines/credit/models/", exchange -> {
            posted.add(exchange.getRequestURI().getPath() + " " + exchange.getRequestHeaders().getFirst("Authorization")
                    + " " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        orchestrator.start();
    }

    @AfterEach
    void stop() {
        orchestrator.stop(0);
    }

    private StageScript script() {
        URI url = URI.create("http://127.0.0.1:" + orchestrator.getAddress().getPort());
        return new StageScript(observations, "credit", url,
                (category, format, args) -> lines.add(category + " " + String.format(Locale.ROOT, format, args)),
                Duration.ofMinutes(3), 10.0, () -> DRIFT);
    }

    @Test
    void stagesThePreDriftChampionOnceAChampionLearntTheNewWorldAndStopsWhenBothDecisionsAreIn() {
        observations.model(version(1, Stage.RETIRED, DRIFT.minusSeconds(60), DRIFT.minusSeconds(70),
                transition(null, Stage.CHAMPION, "all gates passed"), transition(Stage.CHAMPION, Stage.RETIRED,
                        "superseded by credit-v2")));
        // 1,000 training examples at 10/s span about 100 s before the holdout: half of them after the drift
        observations.model(version(2, Stage.CHAMPION, DRIFT.plusSeconds(130), DRIFT.plusSeconds(120),
                transition(null, Stage.CANARY, "all promotion gates passed"), transition(Stage.CANARY, Stage.CHAMPION,
                        "credit-v2 is significantly no worse [decision d-1 by serving-0, applied by orchestrator]")));
        StageScript script = script();

        assertThat(script.moreTraffic(false)).isTrue();
        assertThat(posted).singleElement().satisfies(request -> assertThat(request)
                .startsWith("/v1/pipelines/credit/models/credit-v1/stage Bearer " + AdminTokens.DEV_TOKEN)
                .contains("\"stage\":\"CANARY\""));
        assertThat(lines).anyMatch(line -> line.startsWith("operator credit-v2 learnt the changed world; puts "
                + "credit-v1 (the pre-drift champion) back as a CANARY"));

        // the planned applications are sent, the canary is still undecided: traffic goes on, nothing staged again
        observations.model(version(1, Stage.CANARY, DRIFT.minusSeconds(60), DRIFT.minusSeconds(70),
                transition(Stage.RETIRED, Stage.CANARY, "put into CANARY by demo")));
        assertThat(script.moreTraffic(true)).isTrue();
        assertThat(posted).hasSize(1);
        assertThat(lines).anyMatch(line -> line.startsWith("scenario planned applications sent; post-drift traffic "
                + "goes on"));

        observations.model(version(1, Stage.REJECTED, DRIFT.minusSeconds(60), DRIFT.minusSeconds(70),
                transition(Stage.CANARY, Stage.REJECTED, "significantly worse [decision d-2 by serving-0, applied]")));
        assertThat(script.moreTraffic(true)).isFalse();
        assertThat(script.moreTraffic(false)).as("finished for good").isFalse();
    }

    @Test
    void aChampionTrainedMostlyBeforeTheDriftDoesNotStageTheOldOne() {
        observations.model(version(1, Stage.RETIRED, DRIFT.minusSeconds(60), DRIFT.minusSeconds(70),
                transition(null, Stage.CHAMPION, "all gates passed")));
        // its holdout starts 20 s after the drift: most of its 1,000 training examples (100 s) came before it
        observations.model(version(2, Stage.CHAMPION, DRIFT.plusSeconds(30), DRIFT.plusSeconds(20),
                transition(Stage.CANARY, Stage.CHAMPION, "no worse [decision d-1 by serving-0]")));

        assertThat(script().moreTraffic(false)).isTrue();
        assertThat(posted).isEmpty();
    }

    @Test
    void handDecisionsAreNotOnlineEvidence() {
        ModelVersion byHand = version(3, Stage.CHAMPION, DRIFT, DRIFT,
                transition(Stage.CANARY, Stage.CHAMPION, "promoted by alice: reviewed"));
        ModelVersion online = version(4, Stage.REJECTED, DRIFT, DRIFT,
                transition(Stage.CANARY, Stage.REJECTED, "worse [decision d-9 by serving-1, applied]"));

        assertThat(StageScript.promotedOnline(byHand)).isFalse();
        assertThat(StageScript.rolledBackOnline(online)).isTrue();
        assertThat(StageScript.promotedOnline(online)).isFalse();
    }

    private static StageTransition transition(Stage from, Stage to, String reason) {
        return new StageTransition(from, to, DRIFT, "test", reason);
    }

    private static ModelVersion version(int number, Stage stage, Instant createdAt, Instant holdoutStart,
                                        StageTransition... history) {
        Lineage lineage = Lineage.newBuilder()
                .setDataset(List.of(new OffsetRange("credit.examples.labeled", 0, 0L, 10L)))
                .setSpecSha256("abc").setCodeVersion("dev").setTrainer("logistic_regression").setSeed(42L)
                .setTrainedAt(createdAt).setTrainingDurationMs(5L).setRunId("run-" + number)
                .setTriggerId("t-" + number).setTriggerReason(TriggerReason.VOLUME).setTrainExamples(1000L)
                .setHoldoutExamples(400L).setHoldoutStartEventTime(holdoutStart.toEpochMilli()).build();
        byte[] artifact = {1, 2, 3};
        return ModelVersion.newBuilder()
                .setPipeline("credit").setVersion("credit-v" + number).setVersionNumber(number).setStage(stage)
                .setHistory(new ArrayList<>(List.of(history)))
                .setArtifactFormat("test").setArtifact(ByteBuffer.wrap(artifact)).setArtifactSha256("00")
                .setArtifactSizeBytes(artifact.length).setLineage(lineage).setOfflineMetrics(Map.of("roc_auc", 0.8))
                .setGateReport(List.of()).setGatesPassed(true).setReferenceProfile(new DataProfile(10L, List.of()))
                .setDecisionThreshold(0.5).setCreatedAt(createdAt).setUpdatedAt(createdAt).build();
    }
}
