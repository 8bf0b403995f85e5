package io.mlcycle.cli.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code mlcycle models}: the registry of a pipeline, one version's lineage and gates, promote, stage (a challenger
 * decided by online evidence) and rollback, and what became of a request a standby forwarded ({@code request}).
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List a pipeline's model versions; show, promote, stage or roll back one.",
        subcommands = {ModelsCommand.Show.class, ModelsCommand.Promote.class, ModelsCommand.Stage.class,
            ModelsCommand.Rollback.class, ModelsCommand.RequestOutcome.class})
public final class ModelsCommand implements Callable<Integer> {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Options every models/retrain command takes. */
    public static final class Target {
        // not required = true: picocli would then demand it of `models` too when a subcommand
        // (`models show V --pipeline P`) carries it; checked when the client is made instead
        @Option(names = "--pipeline", description = "Pipeline name, e.g. credit (required)")
        String pipeline;

        @Spec(Spec.Target.MIXEE)
        CommandSpec mixee;

        @Option(names = "--url", defaultValue = "http://127.0.0.1:8183",
                description = "The orchestrator's HTTP address (default: ${DEFAULT-VALUE})")
        String url;

        @Option(names = "--token", description = "Admin token for state-changing calls (default: $"
                + OrchestratorClient.TOKEN_ENV + ", else the local stack's development token)")
        String token;

        @Option(names = "--json", description = "Print the orchestrator's JSON answer")
        boolean json;

        OrchestratorClient client() {
            if (pipeline == null) {
                throw new picocli.CommandLine.ParameterException(mixee.commandLine(),
                        "Missing required option: '--pipeline=<pipeline>'");
            }
            return new OrchestratorClient(url, pipeline, token);
        }
    }

    @Mixin
    Target target;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        JsonNode body = target.client().get("/models");
        PrintWriter out = spec.commandLine().getOut();
        if (target.json) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body));
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"VERSION", "STAGE", "ROC_AUC", "PR_AUC", "GATES", "TRIGGER", "PARENT", "CREATED"});
        for (JsonNode v : body.path("versions")) {
            JsonNode m = v.path("offline_metrics");
            rows.add(new String[] {v.path("version").asText(), v.path("stage").asText(), number(m.path("roc_auc")),
                number(m.path("pr_auc")), v.path("gates_passed").asBoolean() ? "passed" : "failed",
                v.path("trigger_reason").asText(), v.path("parent_version").asText("-"),
                v.path("created_at").asText()});
        }
        printTable(out, rows);
        out.println("champion: " + body.path("champion").asText("none"));
        return 0;
    }

    static String number(JsonNode node) {
        return node.isNumber() ? String.format(Locale.ROOT, "%.4f", node.doubleValue()) : "-";
    }

    static void printTable(PrintWriter out, List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c] == null ? 1 : row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                String cell = row[c] == null ? "-" : row[c];
                line.append(cell).append(" ".repeat(widths[c] - cell.length() + (c < columns - 1 ? 2 : 0)));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /** {@code mlcycle models show V}: lineage, metrics, baselines, gate report and history. */
    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one version: lineage and gates.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "VERSION", description = "e.g. credit-v3")
        String version;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            JsonNode v = target.client().get("/models/" + version);
            PrintWriter out = spec.commandLine().getOut();
            if (target.json) {
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(v));
                return 0;
            }
            out.println(v.path("version").asText() + "  " + v.path("stage").asText() + "  sha256 "
                    + v.path("artifact_sha256").asText() + "  (" + v.path("artifact_format").asText() + ", "
                    + v.path("artifact_size_bytes").asText() + " bytes)");
            JsonNode lineage = v.path("lineage");
            out.println("lineage: trainer " + lineage.path("trainer").asText() + ", seed " + lineage.path("seed")
                    .asText() + ", spec " + lineage.path("spec_sha256").asText() + ", code " + lineage
                    .path("code_version").asText() + ", parent " + lineage.path("parent_version").asText("-"));
            out.println("trigger: " + lineage.path("trigger_reason").asText() + " " + lineage.path("trigger_id")
                    .asText() + ", run " + lineage.path("run_id").asText() + ", " + lineage.path("train_examples")
                    .asText() + " train / " + lineage.path("holdout_examples").asText() + " holdout examples");
            for (JsonNode range : lineage.path("dataset")) {
                out.println("  data " + range.path("topic").asText() + "-" + range.path("partition").asText() + " ["
                        + range.path("start_offset").asText() + ", " + range.path("end_offset").asText() + ")");
            }
            List<String[]> metrics = new ArrayList<>();
            metrics.add(new String[] {"MODEL", "ROC_AUC", "PR_AUC", "LOG_LOSS", "BRIER", "ECE", "ACCURACY"});
            metrics.add(metricRow(v.path("version").asText(), v.path("offline_metrics")));
            v.path("baseline_metrics").fields().forEachRemaining(e -> metrics.add(metricRow(e.getKey(), e.getValue())));
            if (v.path("champion_metrics").isObject()) {
                metrics.add(metricRow("champion", v.path("champion_metrics")));
            }
            printTable(out, metrics);
            JsonNode offline = v.path("offline_metrics");
            List<String> shares = new ArrayList<>();
            if (offline.has("simple_rule_lift_share")) {
                shares.add("best simple rule " + percent(offline.path("simple_rule_lift_share")));
            }
            if (offline.has("spec_rule_lift_share")) {
                shares.add("spec rule " + percent(offline.path("spec_rule_lift_share")));
            }
            if (!shares.isEmpty()) {
                out.println("share of the model's ROC AUC lift over the class prior already achieved by: "
                        + String.join(", ", shares));
            }
            if (v.path("slice_metrics").size() > 0) {
                List<String[]> slices = new ArrayList<>();
                slices.add(new String[] {"SLICE", "N", "POSITIVES", "ROC_AUC", "PR_AUC", "BRIER", "ACCURACY"});
                v.path("slice_metrics").fields().forEachRemaining(e -> slices.add(new String[] {e.getKey(),
                    count(e.getValue().path("n")), count(e.getValue().path("positives")),
                    number(e.getValue().path("roc_auc")), number(e.getValue().path("pr_auc")),
                    number(e.getValue().path("brier")), number(e.getValue().path("accuracy"))}));
                printTable(out, slices);
            }
            List<String[]> gates = new ArrayList<>();
            gates.add(new String[] {"GATE", "RESULT", "VALUE", "THRESHOLD", "WHY"});
            for (JsonNode g : v.path("gate_report")) {
                gates.add(new String[] {g.path("name").asText(), g.path("passed").asBoolean() ? "pass" : "FAIL",
                    number(g.path("value")), number(g.path("threshold")), g.path("explanation").asText()});
            }
            printTable(out, gates);
            for (JsonNode t : v.path("history")) {
                out.println("  " + t.path("at").asText() + "  " + t.path("from").asText("-") + " -> "
                        + t.path("to").asText() + "  by " + t.path("by").asText() + ": "
                        + t.path("reason").asText());
            }
            return 0;
        }

        private static String percent(JsonNode share) {
            return Math.round(100 * share.asDouble()) + "%";
        }

        private static String count(JsonNode n) {
            return n.isNumber() ? Long.toString(Math.round(n.asDouble())) : "-";
        }

        private static String[] metricRow(String name, JsonNode m) {
            return new String[] {name, number(m.path("roc_auc")), number(m.path("pr_auc")), number(m.path("log_loss")),
                number(m.path("brier")), number(m.path("ece")), number(m.path("accuracy"))};
        }
    }

    /** {@code mlcycle models promote V}. */
    @Command(name = "promote", mixinStandardHelpOptions = true, description = "Make a version the champion.")
    static final class Promote implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "VERSION")
        String version;

        @Option(names = "--reason", defaultValue = "promoted by hand", description = "Why (kept in the history)")
        String reason;

        @Mixin
        Wait wait;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return printChange(spec, target, wait, target.client().post("/models/" + version + "/promote",
                    Map.of("reason", reason)));
        }
    }

    /** {@code mlcycle models stage V --stage canary}: a challenger of the champion, decided by online evidence. */
    @Command(name = "stage", mixinStandardHelpOptions = true,
            description = "Put a version into CANARY or SHADOW (serving's sequential test then promotes or rolls it "
                    + "back on online evidence), or withdraw a challenger (RETIRED).")
    static final class Stage implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "VERSION")
        String version;

        @Option(names = "--stage", required = true, description = "canary, shadow or retired")
        String stage;

        @Option(names = "--reason", defaultValue = "put into a stage by hand",
                description = "Why (kept in the history)")
        String reason;

        @Mixin
        Wait wait;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return printChange(spec, target, wait, target.client().post("/models/" + version + "/stage",
                    Map.of("stage", stage, "reason", reason)));
        }
    }

    /** {@code mlcycle models rollback}. */
    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Retire the champion and restore the previous one.")
    static final class Rollback implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--reason", defaultValue = "rolled back by hand", description = "Why (kept in the history)")
        String reason;

        @Mixin
        Wait wait;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return printChange(spec, target, wait, target.client().post("/rollback", Map.of("reason", reason)));
        }
    }

    /** {@code --wait}: how long to wait for the owner's answer when a standby forwarded the request. */
    static final class Wait {
        @Option(names = "--wait", paramLabel = "DURATION",
                description = "When a standby instance forwards the request to the pipeline's owner, wait up to "
                        + "DURATION (ISO-8601, e.g. PT1M) for the owner's answer: applied, or refused and why "
                        + "(exit 1 if refused or still pending)")
        Duration duration;
    }

    /**
     * {@code mlcycle models request ID}: what became of a request a standby forwarded (its 202 names the id):
     * pending, applied, or refused with the owner's reason. Exit 0 when applied (or pending without --wait), 1 when
     * refused or still pending after --wait.
     */
    @Command(name = "request", mixinStandardHelpOptions = true,
            description = "Show what became of a promote, rollback or stage change a standby forwarded: pending, "
                    + "applied, or refused and why.")
    static final class RequestOutcome implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "REQUEST_ID", description = "the request_id of the 202 answer")
        String requestId;

        @Mixin
        Wait wait;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return follow(spec, target, target.client(), requestId, wait.duration);
        }
    }

    /**
     * Reads the request's outcome, waiting up to {@code wait} (null: not at all) while it is pending; prints it and
     * returns the exit code: 0 applied (or pending when not waiting), 1 refused or still pending after the wait.
     */
    static int follow(CommandSpec spec, Target target, OrchestratorClient client, String requestId, Duration wait)
            throws Exception {
        String path = "/requests/" + java.net.URLEncoder.encode(requestId, java.nio.charset.StandardCharsets.UTF_8);
        if (wait == null) {
            return print(spec, target, requestId, null, client.get(path));
        }
        // While waiting, a 404 is "not seen yet": an instance other than the one that forwarded the request (behind a
        // load balancer) knows it only once it has read it from the decisions topic.
        Instant deadline = Instant.now().plus(wait);
        java.util.Optional<JsonNode> outcome = client.getIfFound(path);
        while ((outcome.isEmpty() || "pending".equals(outcome.get().path("status").asText()))
                && Instant.now().isBefore(deadline)) {
            TimeUnit.MILLISECONDS.sleep(500); // polling interval of a person waiting for an answer
            outcome = client.getIfFound(path);
        }
        if (outcome.isEmpty()) {
            throw new IllegalStateException("request " + requestId + " is not known to the orchestrator at "
                    + target.url + " after " + wait + " (not seen yet: the instance answering has not read it, or the"
                    + " id is wrong)");
        }
        return print(spec, target, requestId, wait, outcome.get());
    }

    /** Prints a request's outcome and returns the exit code of {@link #follow}. */
    private static int print(CommandSpec spec, Target target, String requestId, Duration wait, JsonNode outcome)
            throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String status = outcome.path("status").asText();
        if (target.json) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(outcome));
        } else {
            out.println("request " + requestId + " " + status + (wait != null && status.equals("pending")
                    ? " after " + wait : "") + ": " + outcome.path("reason").asText());
        }
        return status.equals("applied") || (wait == null && status.equals("pending")) ? 0 : 1;
    }

    static int printChange(CommandSpec spec, Target target, Wait wait, JsonNode body) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        boolean forwarded = "forwarded".equals(body.path("status").asText());
        if (forwarded && wait.duration != null) {
            if (!target.json) {
                out.println("forwarded to the pipeline's owner as request " + body.path("request_id").asText()
                        + " (by " + body.path("by").asText() + "); waiting up to " + wait.duration
                        + " for its answer");
            }
            return follow(spec, target, target.client(), body.path("request_id").asText(), wait.duration);
        }
        if (target.json) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body));
            return 0;
        }
        if (forwarded) {
            // A standby orchestrator instance answered 202: the owner applies the request if nothing changed.
            String id = body.path("request_id").asText();
            out.println("forwarded to the pipeline's owner as request " + id
                    + " (by " + body.path("by").asText() + "); expected:");
            for (JsonNode change : body.path("expected_changes")) {
                out.println("  " + change.path("version").asText() + " -> " + change.path("stage").asText());
            }
            out.println("follow: mlcycle models request " + id + " --wait PT1M (applied, or refused and why)");
            out.println("        mlcycle models show " + body.path("follow").asText().replaceFirst(".*/", "")
                    + " (the applied change names the request id)");
            return 0;
        }
        for (JsonNode change : body.path("changes")) {
            out.println(change.path("version").asText() + " -> " + change.path("stage").asText());
        }
        out.println("champion: " + body.path("champion").asText("none") + " (by " + body.path("by").asText() + ")");
        return 0;
    }
}
