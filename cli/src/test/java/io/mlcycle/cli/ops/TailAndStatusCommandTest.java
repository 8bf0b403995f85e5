package io.mlcycle.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.cli.common.TopicReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TailAndStatusCommandTest {

    private static TopicReader.Decoded record(String key, String json) throws Exception {
        return new TopicReader.Decoded("credit.data.quarantine", 0, 7, Instant.EPOCH, key,
                json == null ? null : new ObjectMapper().readTree(json), null, json == null ? "bad magic byte" : null);
    }

    @Test
    void whereMatchesDottedPathsArrayIndexesAndTheKey() throws Exception {
        TopicReader.Decoded quarantined = record("e-1",
                "{\"stage\": \"VALIDATION\", \"reasons\": [{\"code\": \"OUT_OF_RANGE\", \"field\": \"age\"}], \"n\": 3}");
        assertThat(TailCommand.matches(quarantined, TailCommand.parseWhere(List.of("stage=VALIDATION")))).isTrue();
        assertThat(TailCommand.matches(quarantined,
                TailCommand.parseWhere(List.of("stage=VALIDATION", "reasons.0.code=OUT_OF_RANGE", "n=3")))).isTrue();
        assertThat(TailCommand.matches(quarantined, TailCommand.parseWhere(List.of("key=e-1")))).isTrue();
        assertThat(TailCommand.matches(quarantined, TailCommand.parseWhere(List.of("stage=INGESTION")))).isFalse();
        assertThat(TailCommand.matches(quarantined, TailCommand.parseWhere(List.of("missing=x")))).isFalse();
        assertThat(TailCommand.matches(record("e-2", null), TailCommand.parseWhere(List.of("stage=VALIDATION"))))
                .as("an undecodable record has no fields").isFalse();
    }

    @Test
    void anUndecodableRecordPrintsItsErrorInsteadOfAValue() throws Exception {
        assertThat(record("e-2", null).toMap()).containsEntry("error", "bad magic byte").doesNotContainKey("value")
                .containsEntry("offset", 7L);
    }

    @Test
    void badTailArgumentsAreUsageErrorsInOneLine() {
        CliRun where = CliRun.run("tail", "credit.feedback", "--where", "no-equals-sign");
        assertThat(where.exitCode).isEqualTo(2);
        assertThat(where.err.strip()).isEqualTo("mlcycle tail: --where 'no-equals-sign': expected FIELD=VALUE");
        CliRun both = CliRun.run("tail", "credit.feedback", "--from-beginning", "--offset", "3");
        assertThat(both.exitCode).isEqualTo(2);
        assertThat(both.err).contains("--from-beginning and --offset");
        CliRun suffix = CliRun.run("tail", "predictionz", "--pipeline", "credit");
        assertThat(suffix.exitCode).isEqualTo(2);
        assertThat(suffix.err).contains("'predictionz' is not a pipeline topic").contains("predictions");
    }

    @Test
    void anUnknownServiceUrlIsAUsageError() {
        CliRun run = CliRun.run("status", "--service-url", "validaton=http://x:1");
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.err).contains("unknown service 'validaton'").contains("validation");
    }

    @Test
    void aServiceThatIsNotListeningIsDown() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        var health = PipelineStatus.health(ServiceEndpoints.resolve(Map.of("validation", "http://127.0.0.1:" + port)),
                java.time.Duration.ofSeconds(2));
        assertThat(health).filteredOn(h -> h.name().equals("validation")).singleElement()
                .satisfies(h -> assertThat(h.state()).isEqualTo("DOWN"))
                .satisfies(h -> assertThat(h.detail()).isEqualTo("not reachable (connection refused)"));
    }

    @Test
    void statusPrintsAlignedSections() {
        PipelineStatus.Report report = new PipelineStatus.Report("k:9092",
                List.of(new PipelineStatus.ServiceHealth("validation", "http://h:8181", "NOT_READY", List.of("streams"), null),
                        new PipelineStatus.ServiceHealth("ingestion", "http://h:8180", "DOWN", List.of(), "Connection refused")),
                List.of(new PipelineStatus.Pipeline("credit",
                        List.of(new PipelineStatus.StageLag("validation", "mlcycle-credit-validation", "Stable", 1, 42,
                                Map.of("credit.data.raw", 42L))),
                        List.of(new PipelineStatus.ModelRow("credit-v2", "CHAMPION", "2026-11-22T10:00:00Z", 900L, 450L,
                                Map.of("roc_auc", 0.8123456))),
                        new PipelineStatus.Quality("w1", "a", "b", 400, 390, 10, List.of("age")),
                        List.of(new PipelineStatus.AlertRow("2026-11-22T10:00:00Z", "WARNING", "DRIFT", "age",
                                "validation", "PSI 0.31 > 0.25")))));
        StringWriter out = new StringWriter();
        StatusCommand.print(new PrintWriter(out), report);
        assertThat(out.toString())
                .contains("validation  http://h:8181  NOT_READY  failing: streams")
                .contains("ingestion   http://h:8180  DOWN       Connection refused")
                .containsPattern("validation\\s+mlcycle-credit-validation\\s+Stable\\s+1\\s+42\\s+credit.data.raw=42")
                .containsPattern("credit-v2\\s+CHAMPION\\s+2026-11-22T10:00:00Z\\s+900\\s+450\\s+roc_auc=0.8123")
                .contains("400 records, 390 passed, 10 quarantined, drifted: age")
                .containsPattern("WARNING\\s+DRIFT\\s+age\\s+validation\\s+PSI 0.31 > 0.25");
    }
}
