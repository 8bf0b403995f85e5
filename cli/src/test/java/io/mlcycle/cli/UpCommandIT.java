package io.mlcycle.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code mlcycle up} as a user runs it: everything starts, prints where it is, accepts data, stops cleanly, and comes
 * back over the same data directory with its topics, schemas and records.
 */
class UpCommandIT {

    private static final Pattern URL_LINE = Pattern.compile("^\\s{2}(\\S[\\w -]*?)\\s{2,}(\\S+)$", Pattern.MULTILINE);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    @Test
    void startsEverythingStopsCleanlyAndKeepsItsStateAcrossARestart() throws Exception {
        String firstEventId;
        int dataSchemaId;
        try (Running up = Running.start(dataDir)) {
            Map<String, String> urls = up.urls();
            assertThat(urls).containsKeys("bootstrap servers", "schema registry", "ingestion", "validation",
                    "serving-feedback", "training-orchestrator");
            for (String service : new String[] {"ingestion", "validation", "serving-feedback", "training-orchestrator"}) {
                assertThat(get(URI.create(urls.get(service)).resolve("/health/ready")).statusCode())
                        .as("%s ready", service).isEqualTo(200);
            }
            JsonNode answer = JSON.readTree(post(URI.create(urls.get("ingestion")).resolve("/v1/pipelines/credit/events"),
                    """
                    {"applicant_id": "a-1", "applied_at": "2026-11-22T10:00:00Z", "age": 41, "monthly_income": 3200,
                     "loan_amount": 5000, "employment": "employed"}""").body());
            assertThat(answer.path("accepted").asInt()).isEqualTo(1);
            firstEventId = answer.path("event_id").asText();
            String eventId = firstEventId;
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    PipelineRecords.keys(urls.get("bootstrap servers"), "credit.data.validated").contains(eventId));
            dataSchemaId = latestSchemaId(urls.get("schema registry"), "credit.data.raw-value");
            assertThat(up.stop()).isZero();
            assertThat(up.output()).contains("Stopping...");
        }

        // Back with a second pipeline on the same stack (--spec repeated).
        Path credit = dataDir.resolve("specs").resolve("credit.yaml");
        Path loans = java.nio.file.Files.writeString(dataDir.resolve("loans.yaml"),
                java.nio.file.Files.readString(credit).replace("pipeline: credit", "pipeline: loans"));
        try (Running again = Running.start(dataDir, "--spec", credit.toString(), "--spec", loans.toString())) {
            Map<String, String> urls = again.urls();
            assertThat(latestSchemaId(urls.get("schema registry"), "credit.data.raw-value")).isEqualTo(dataSchemaId);
            assertThat(PipelineRecords.keys(urls.get("bootstrap servers"), "credit.data.validated"))
                    .as("the event validated before the restart is still there").contains(firstEventId);
            for (String pipeline : new String[] {"credit", "loans"}) {
                for (String service : new String[] {"ingestion", "validation", "serving-feedback", "training-orchestrator"}) {
                    assertThat(get(URI.create(urls.get(pipeline + " " + service)).resolve("/health/ready")).statusCode())
                            .as("%s %s ready", pipeline, service).isEqualTo(200);
                }
            }
            JsonNode answer = JSON.readTree(post(URI.create(urls.get("loans ingestion")).resolve("/v1/pipelines/loans/events"),
                    """
                    {"applicant_id": "l-1", "applied_at": "2026-11-22T10:00:00Z", "age": 41, "monthly_income": 3200,
                     "loan_amount": 5000, "employment": "employed"}""").body());
            String loanEvent = answer.path("event_id").asText();
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    PipelineRecords.keys(urls.get("bootstrap servers"), "loans.data.validated").contains(loanEvent));
            assertThat(PipelineRecords.keys(urls.get("bootstrap servers"), "credit.data.validated"))
                    .as("pipelines keep to their own topics").doesNotContain(loanEvent);
            assertThat(again.stop()).isZero();
        }
    }

    private int latestSchemaId(String registryUrl, String subject) throws Exception {
        HttpResponse<String> response = get(URI.create(registryUrl + "/subjects/" + subject + "/versions/latest"));
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body()).path("id").asInt();
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(URI uri, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A running {@code mlcycle up} on free ports, in a thread of this JVM. */
    private static final class Running implements AutoCloseable {
        private final UpCommand command = new UpCommand();
        private final StringWriter out = new StringWriter();
        private final CompletableFuture<Integer> exit;

        private Running(Path dataDir, String... extraArgs) {
            CommandLine commandLine = new CommandLine(command);
            commandLine.setOut(new PrintWriter(out, true));
            commandLine.setErr(new PrintWriter(out, true));
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--data-dir", dataDir.toString(),
                    "--kafka-port", "0", "--registry-port", "0", "--http-base-port", "0"));
            args.addAll(java.util.List.of(extraArgs));
            exit = CompletableFuture.supplyAsync(() -> commandLine.execute(args.toArray(String[]::new)));
        }

        static Running start(Path dataDir, String... extraArgs) {
            Running running = new Running(dataDir, extraArgs);
            await().atMost(Duration.ofSeconds(120)).until(() -> running.output().contains("Press Ctrl-C")
                    || running.exit.isDone());
            assertThat(running.exit).as("up exited early:%n%s", running.output()).isNotDone();
            return running;
        }

        String output() {
            return out.toString();
        }

        Map<String, String> urls() {
            Matcher matcher = URL_LINE.matcher(output());
            Map<String, String> urls = new java.util.LinkedHashMap<>();
            while (matcher.find()) {
                urls.put(matcher.group(1).trim(), matcher.group(2));
            }
            return urls.entrySet().stream().filter(entry -> !entry.getKey().equals("data directory"))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        }

        int stop() throws Exception {
            command.requestStop();
            return exit.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            command.requestStop();
            exit.orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).exceptionally(error -> -1).join();
        }
    }
}
