package io.mlcycle.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The models and retrain commands against a stub orchestrator API (canned answers of the real endpoints' shape). */
class ModelsCommandsTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final List<String> stageBodies = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger requestReads = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger lateReads = new java.util.concurrent.atomic.AtomicInteger();
    private HttpServer server;
    private String url;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/pipelines/credit/models", exchange -> answer(exchange, 200, """
                {"pipeline":"credit","champion":"credit-v2","versions":[
                 {"version":"credit-v2","stage":"CHAMPION","gates_passed":true,"offline_metrics":{"roc_auc":0.8712,
                  "pr_auc":0.41},"trigger_reason":"MANUAL","parent_version":"credit-v1","created_at":"2026-12-01T06:00:00Z"},
                 {"version":"credit-v1","stage":"RETIRED","gates_passed":true,"offline_metrics":{"roc_auc":0.85},
                  "trigger_reason":"BOOTSTRAP","parent_version":null,"created_at":"2026-12-01T05:00:00Z"}]}"""));
        server.createContext("/v1/pipelines/credit/models/credit-v3", exchange -> answer(exchange, 200, """
                {"version":"credit-v3","stage":"CHAMPION","artifact_sha256":"ab12","artifact_format":"mlcycle.trees.v1",
                 "artifact_size_bytes":100,"offline_metrics":{"roc_auc":0.87,"simple_rule_lift_share":0.72,
                 "spec_rule_lift_share":0.4},"baseline_metrics":{"class_prior":{"roc_auc":0.5},
                 "spec_rule":{"roc_auc":0.648}},"slice_metrics":{"young":{"n":1200.0,"positives":90.0,"roc_auc":0.81,
                 "pr_auc":0.3,"brier":0.05,"accuracy":0.93}},"gate_report":[],"lineage":{"dataset":[]},
                 "history":[]}"""));
        server.createContext("/v1/pipelines/credit/retrain", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(String.valueOf(auth));
            if (!"Bearer secret-token-0123456789".equals(auth)) {
                answer(exchange, 403, "{\"error\":\"forbidden\",\"message\":\"The bearer token is not an admin token\"}");
            } else {
                answer(exchange, 202, "{\"trigger_id\":\"t-1\",\"status\":\"accepted\"}");
            }
        });
        server.createContext("/v1/pipelines/credit/runs", exchange -> answer(exchange, 200, """
                {"runs":[{"run_id":"r-1","trigger_id":"t-1","status":"PROMOTED","progress":1.0,
                 "message":"credit-v3 promoted to CHAMPION"}]}"""));
        server.createContext("/v1/pipelines/credit/models/credit-v1/stage", exchange -> {
            stageBodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            answer(exchange, 200, """
                    {"pipeline":"credit","by":"alice","champion":"credit-v2","changes":[
                     {"version":"credit-v1","stage":"CANARY"},{"version":"credit-v3","stage":"RETIRED"}]}""");
        });
        server.createContext("/v1/pipelines/credit/models/credit-v1/promote", exchange -> answer(exchange, 202, """
                {"request_id":"req-9","pipeline":"credit","by":"alice","status":"forwarded","note":"...",
                 "expected_changes":[{"version":"credit-v1","stage":"CHAMPION"},{"version":"credit-v2",
                 "stage":"RETIRED"}],"follow":"/v1/pipelines/credit/models/credit-v1"}"""));
        // the owner's answer to req-9 arrives after the standby's first look: pending, then refused and why
        server.createContext("/v1/pipelines/credit/requests/req-9", exchange -> answer(exchange, 200,
                requestReads.incrementAndGet() < 3 ? """
                {"request_id":"req-9","pipeline":"credit","status":"pending","reason":"waiting for the instance that
                 owns the pipeline to apply or refuse it","kind":"promote","model_version":"credit-v1"}"""
                        .replace("\n", "") : """
                {"request_id":"req-9","pipeline":"credit","status":"refused","reason":"stale request req-9 by alice
                 (forwarded by standby-b): the champion was credit-v2 when it was made, it is credit-v4 now",
                 "kind":"promote","model_version":"credit-v1"}""".replace("\n", "")));
        // another instance behind a load balancer: it does not know req-7 until it has read it from the topic
        server.createContext("/v1/pipelines/credit/requests/req-7", exchange -> {
            if (lateReads.incrementAndGet() < 3) {
                answer(exchange, 404, """
                        {"type":"about:blank","title":"Not Found","status":404,"code":"not_found",
                         "message":"Pipeline 'credit' has no forwarded request 'req-7' known to this instance"}"""
                        .replace("\n", ""));
            } else {
                answer(exchange, 200, """
                        {"request_id":"req-7","pipeline":"credit","status":"applied","reason":"request req-7 by alice:
                         rollback of credit-v2"}""".replace("\n", ""));
            }
        });
        server.createContext("/v1/pipelines/credit/requests/req-8", exchange -> answer(exchange, 200, """
                {"request_id":"req-8","pipeline":"credit","status":"applied","reason":"request req-8 by alice
                 (forwarded by standby-b): promote of credit-v1; champion now credit-v1"}""".replace("\n", "")));
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
            throws java.io.IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private int run(String... args) {
        CommandLine commandLine = Mlcycle.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void modelsPrintsAnAlignedTable() {
        assertThat(run("models", "--pipeline", "credit", "--url", url)).isZero();
        String[] lines = out.toString().split("\\R");
        assertThat(lines[0]).startsWith("VERSION    STAGE     ROC_AUC");
        assertThat(lines[1]).startsWith("credit-v2  CHAMPION  0.8712");
        assertThat(lines[2]).startsWith("credit-v1  RETIRED   0.8500");
        assertThat(lines[3]).isEqualTo("champion: credit-v2");
    }

    @Test
    void modelsShowPrintsTheLiftSharesAndTheSlices() {
        assertThat(run("models", "show", "credit-v3", "--pipeline", "credit", "--url", url)).isZero();
        assertThat(out.toString()).contains("share of the model's ROC AUC lift over the class prior already achieved "
                + "by: best simple rule 72%, spec rule 40%")
                .containsPattern("spec_rule +0\\.6480")
                .containsPattern("SLICE +N +POSITIVES +ROC_AUC")
                .containsPattern("young +1200 +90 +0\\.8100 +0\\.3000 +0\\.0500 +0\\.9300");
    }

    @Test
    void retrainSendsTheTokenAndFollowsTheRunToItsOutcome() {
        assertThat(run("retrain", "--pipeline", "credit", "--url", url, "--token", "secret-token-0123456789"))
                .isZero();
        assertThat(authorizations).containsExactly("Bearer secret-token-0123456789");
        assertThat(out.toString()).contains("[##############################] 100% PROMOTED")
                .contains("PROMOTED: credit-v3 promoted to CHAMPION");
    }

    @Test
    void aRefusedTokenIsOneLineAndANonZeroExit() {
        assertThat(run("retrain", "--pipeline", "credit", "--url", url, "--token", "wrong")).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("mlcycle retrain: The bearer token is not an admin token "
                + "(set the admin token with --token or MLCYCLE_ADMIN_TOKEN)");
    }

    @Test
    void aPromoteForwardedByAStandbyPrintsTheRequestToFollow() {
        assertThat(run("models", "promote", "credit-v1", "--pipeline", "credit", "--url", url, "--token",
                "secret-token-0123456789")).isZero();
        assertThat(out.toString().split("\\R")).containsExactly(
                "forwarded to the pipeline's owner as request req-9 (by alice); expected:",
                "  credit-v1 -> CHAMPION", "  credit-v2 -> RETIRED",
                "follow: mlcycle models request req-9 --wait PT1M (applied, or refused and why)",
                "        mlcycle models show credit-v1 (the applied change names the request id)");
        assertThat(requestReads).hasValue(0);
    }

    @Test
    void promoteWithWaitFollowsAForwardedRequestToTheOwnersRefusal() {
        assertThat(run("models", "promote", "credit-v1", "--wait", "PT30S", "--pipeline", "credit", "--url", url,
                "--token", "secret-token-0123456789")).isEqualTo(1);
        assertThat(out.toString().split("\\R")).containsExactly(
                "forwarded to the pipeline's owner as request req-9 (by alice); waiting up to PT30S for its answer",
                "request req-9 refused: stale request req-9 by alice (forwarded by standby-b): the champion was "
                        + "credit-v2 when it was made, it is credit-v4 now");
        assertThat(requestReads).hasValue(3);
    }

    @Test
    void waitingTreatsAnUnknownRequestAsNotSeenYet() {
        assertThat(run("models", "request", "req-7", "--wait", "PT30S", "--pipeline", "credit", "--url", url))
                .isZero();
        assertThat(out.toString().strip()).isEqualTo("request req-7 applied: request req-7 by alice: rollback of "
                + "credit-v2");
        assertThat(lateReads).hasValue(3);
        // an id no instance ever sees: one line after the wait, exit 1
        assertThat(run("models", "request", "req-x", "--wait", "PT1S", "--pipeline", "credit", "--url", url))
                .isEqualTo(1);
        assertThat(err.toString().strip()).startsWith("mlcycle models request: request req-x is not known to the "
                + "orchestrator at " + url + " after PT1S").doesNotContain("Exception");
    }

    @Test
    void modelsRequestShowsTheOutcomeAndExitsByIt() {
        assertThat(run("models", "request", "req-8", "--pipeline", "credit", "--url", url)).isZero();
        assertThat(out.toString().strip()).isEqualTo("request req-8 applied: request req-8 by alice (forwarded by "
                + "standby-b): promote of credit-v1; champion now credit-v1");
        // without --wait a pending request is said so, and is no failure
        out.getBuffer().setLength(0);
        assertThat(run("models", "request", "req-9", "--pipeline", "credit", "--url", url)).isZero();
        assertThat(out.toString().strip()).startsWith("request req-9 pending: waiting for the instance");
        // an unknown one is one line and exit 1
        assertThat(run("models", "request", "req-x", "--pipeline", "credit", "--url", url)).isEqualTo(1);
        assertThat(err.toString().strip()).doesNotContain("Exception").startsWith("mlcycle models request:");
    }

    @Test
    void stagePutsAVersionIntoCanaryAndPrintsTheChanges() throws Exception {
        assertThat(run("models", "stage", "credit-v1", "--stage", "canary", "--reason", "try it again",
                "--pipeline", "credit", "--url", url)).isZero();
        assertThat(stageBodies).singleElement().satisfies(body -> assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readValue(body, java.util.Map.class))
                .containsEntry("stage", "canary").containsEntry("reason", "try it again"));
        assertThat(out.toString().split("\\R")).containsExactly("credit-v1 -> CANARY", "credit-v3 -> RETIRED",
                "champion: credit-v2 (by alice)");
    }
}
