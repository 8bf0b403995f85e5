package io.mlcycle.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.mlcycle.avro.DataProfile;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.Lineage;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OffsetRange;
import io.mlcycle.avro.RunStatus;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageTransition;
import io.mlcycle.avro.TrainingRun;
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

/** The demo's canary act against a stub orchestrator: when outcomes are corrupted, the retrain, when it stops. */
class StageScriptTest {

    private static final Instant DRIFT = Instant.parse("2026-12-01T10:00:00Z");

    private final List<String> posted = new CopyOnWriteArrayList<>();
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final PipelineObservations observations = new PipelineObservations();
    private HttpServer orchestrator;

    @BeforeEach
    void start() throws Exception {
        orchestrator = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        orchestrator.createContext("/v1/pipelines/credit/retrain", exchange -> {
            posted.add(exchange.getRequestURI().getPath() + " " + exchange.getRequestHeaders().getFirst("Authorization")
                    + " " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] body = "{\"trigger_id\":\"t-7\",\"status\":\"accepted\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(202, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        orchestrator.start();
    }

    @AfterEach
    void stop() {
        orchestrator.stop(0);
    }

    private StageScript script;

    private StageScript script() {
        URI url = URI.create("http://127.0.0.1:" + orchestrator.getAddress().getPort());
        script = new StageScript(observations, "credit", url,
                (category, format, args) -> lines.add(category + " " + String.format(Locale.ROOT, format, args)),
                Duration.ofMinutes(3), 100);
        return script;
    }

    @Test
    void afterAnOnlinePromotionOutcomesAreCorruptedUntilTheRetrainReadThemThenTheActWaitsForTheRollback() {
        script();
        assertThat(script.moreTraffic(false)).isTrue();
        assertThat(script.corruptOutcomes()).as("nothing promoted on online evidence yet").isFalse();

        observations.model(version(2, Stage.CHAMPION, transition(null, Stage.CANARY, "all promotion gates passed"),
                transition(Stage.CANARY, Stage.CHAMPION,
                        "credit-v2 is significantly no worse [decision d-1 by serving-0, applied by orchestrator]")));
        assertThat(script.moreTraffic(false)).isTrue();
        assertThat(script.corruptOutcomes()).isTrue();
        assertThat(lines).anyMatch(line -> line.startsWith("scenario a bug in the loan book"));

        joinOutcomes(0, 150, false);
        joinOutcomes(150, 99, true);
        script.moreTraffic(false);
        assertThat(posted).as("not before the corrupted outcomes themselves have been joined").isEmpty();
        joinOutcomes(249, 1, true);
        script.moreTraffic(false);
        assertThat(posted).singleElement().satisfies(request -> assertThat(request)
                .startsWith("/v1/pipelines/credit/retrain Bearer " + AdminTokens.DEV_TOKEN));
        assertThat(script.corruptOutcomes()).as("until the run has read its dataset").isTrue();

        observations.run(run("t-7", RunStatus.QUEUED));
        script.moreTraffic(false);
        assertThat(script.corruptOutcomes()).isTrue();
        observations.run(run("t-7", RunStatus.TRAINING));
        script.moreTraffic(false);
        assertThat(script.corruptOutcomes()).isFalse();
        assertThat(lines).anyMatch(line -> line.equals("scenario the loan book is fixed: outcomes are right again"));

        // planned applications sent, the corrupted canary not yet rolled back: traffic goes on
        observations.run(TrainingRun.newBuilder(run("t-7", RunStatus.PROMOTED)).setModelVersion("credit-v4").build());
        observations.model(version(4, Stage.CANARY, transition(null, Stage.CANARY, "all promotion gates passed")));
        assertThat(script.moreTraffic(true)).isTrue();
        assertThat(lines).anyMatch(line -> line.startsWith("scenario planned applications sent; traffic goes on"));
        observations.model(version(3, Stage.REJECTED, transition(Stage.CANARY, Stage.REJECTED,
                "significantly worse [decision d-2 by serving-0, applied]")));
        assertThat(script.moreTraffic(true)).as("another version's rollback does not end the act").isTrue();
        observations.model(version(4, Stage.REJECTED, transition(Stage.CANARY, Stage.REJECTED,
                "significantly worse [decision d-3 by serving-0, applied]")));
        assertThat(script.moreTraffic(true)).isFalse();
        assertThat(script.moreTraffic(false)).as("finished for good").isFalse();
        assertThat(posted).hasSize(1);
    }

    @Test
    void handDecisionsAreNotOnlineEvidence() {
        ModelVersion byHand = version(3, Stage.CHAMPION,
                transition(Stage.CANARY, Stage.CHAMPION, "promoted by alice: reviewed"));
        ModelVersion online = version(4, Stage.REJECTED,
                transition(Stage.CANARY, Stage.REJECTED, "worse [decision d-9 by serving-1, applied]"));

        assertThat(StageScript.promotedOnline(byHand)).isFalse();
        assertThat(StageScript.rolledBackOnline(online)).isTrue();
        assertThat(StageScript.promotedOnline(online)).isFalse();
    }

    private void joinOutcomes(int from, int count, boolean corrupted) {
        for (int i = from; i < from + count; i++) {
            if (corrupted) {
                script.corrupted("e-" + i);
            }
            observations.labeled(LabeledExample.newBuilder().setEventId("e-" + i).setPipeline("credit")
                    .setLabel("true").setPositive(true).setEventTime(DRIFT).setObservedAt(DRIFT).build());
        }
    }

    private static TrainingRun run(String triggerId, RunStatus status) {
        return TrainingRun.newBuilder().setRunId("r-7").setPipeline("credit").setTriggerId(triggerId)
                .setTriggerReason(TriggerReason.MANUAL).setStatus(status).setProgress(0.5).setMessage("m")
                .setStartedAt(DRIFT).setUpdatedAt(DRIFT).build();
    }

    private static StageTransition transition(Stage from, Stage to, String reason) {
        return new StageTransition(from, to, DRIFT, "test", reason);
    }

    private static ModelVersion version(int number, Stage stage, StageTransition... history) {
        Lineage lineage = Lineage.newBuilder()
                .setDataset(List.of(new OffsetRange("credit.examples.labeled", 0, 0L, 10L)))
                .setSpecSha256("abc").setCodeVersion("dev").setTrainer("logistic_regression").setSeed(42L)
                .setTrainedAt(DRIFT).setTrainingDurationMs(5L).setRunId("run-" + number)
                .setTriggerId("t-" + number).setTriggerReason(TriggerReason.VOLUME).setTrainExamples(1000L)
                .setHoldoutExamples(400L).build();
        byte[] artifact = {1, 2, 3};
        return ModelVersion.newBuilder()
                .setPipeline("credit").setVersion("credit-v" + number).setVersionNumber(number).setStage(stage)
                .setHistory(new ArrayList<>(List.of(history)))
                .setArtifactFormat("test").setArtifact(ByteBuffer.wrap(artifact)).setArtifactSha256("00")
                .setArtifactSizeBytes(artifact.length).setLineage(lineage).setOfflineMetrics(Map.of("roc_auc", 0.8))
                .setGateReport(List.of()).setGatesPassed(true).setReferenceProfile(new DataProfile(10L, List.of()))
                .setDecisionThreshold(0.5).setCreatedAt(DRIFT).setUpdatedAt(DRIFT).build();
    }
}
