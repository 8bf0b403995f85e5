package io.mlcycle.cli.models;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code mlcycle retrain}: asks the orchestrator for a run (admin token) and follows it with a progress bar until its
 * outcome; {@code --reproduce V} rebuilds a version from its recorded offsets, spec and seed and says whether the
 * SHA-256 is identical. Exit 0 on PROMOTED, REGISTERED (reproduced identically) or REJECTED by the gates; 1 otherwise.
 */
@Command(name = "retrain", mixinStandardHelpOptions = true,
        description = "Request a training run (or a reproduction) and follow its progress.")
public final class RetrainCommand implements Callable<Integer> {

    private static final Set<String> FINAL = Set.of("PROMOTED", "REJECTED", "FAILED", "SKIPPED", "REGISTERED");
    private static final int BAR = 30;

    @Mixin
    ModelsCommand.Target target;

    @Option(names = "--reason", defaultValue = "manual retrain", description = "Why (kept with the trigger)")
    String reason;

    @Option(names = "--reproduce", paramLabel = "VERSION",
            description = "Rebuild VERSION from the same offsets, spec and seed and compare its SHA-256")
    String reproduce;

    @Option(names = "--no-wait", description = "Return once the request is accepted")
    boolean noWait;

    @Option(names = "--timeout", defaultValue = "PT10M", description = "How long to follow the run (ISO-8601)")
    Duration timeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        OrchestratorClient client = target.client();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("reason", reason);
        if (reproduce != null) {
            body.put("reproduce", reproduce);
        }
        JsonNode accepted = client.post("/retrain", body);
        PrintWriter out = spec.commandLine().getOut();
        String triggerId = accepted.path("trigger_id").asText();
        if (noWait) {
            out.println(target.json ? ModelsCommand.JSON.writeValueAsString(accepted) : "accepted: trigger "
                    + triggerId + (accepted.path("coalesced").asBoolean() ? " (joined a request already waiting)" : ""));
            return 0;
        }
        Instant deadline = Instant.now().plus(timeout);
        JsonNode run = null;
        String lastLine = "";
        while (Instant.now().isBefore(deadline)) {
            run = find(client.get("/runs"), triggerId);
            if (run != null) {
                String line = bar(run);
                if (!target.json && !line.equals(lastLine)) {
                    out.print("\r" + line);
                    out.flush();
                    lastLine = line;
                }
                if (FINAL.contains(run.path("status").asText())) {
                    break;
                }
            }
            TimeUnit.MILLISECONDS.sleep(500); // polling interval of a person-facing progress bar
        }
        if (run == null || !FINAL.contains(run.path("status").asText())) {
            throw new IllegalStateException("the run for trigger " + triggerId + " did not finish within " + timeout);
        }
        if (target.json) {
            out.println(ModelsCommand.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(run));
        } else {
            out.println();
            out.println(run.path("status").asText() + ": " + run.path("message").asText());
        }
        String status = run.path("status").asText();
        return status.equals("PROMOTED") || status.equals("REGISTERED") || status.equals("REJECTED") ? 0 : 1;
    }

    private static JsonNode find(JsonNode runs, String triggerId) {
        for (JsonNode run : runs.path("runs")) {
            if (triggerId.equals(run.path("trigger_id").asText())) {
                return run;
            }
        }
        return null;
    }

    static String bar(JsonNode run) {
        double progress = Math.max(0, Math.min(1, run.path("progress").asDouble()));
        int filled = (int) Math.round(progress * BAR);
        String message = run.path("message").asText();
        if (message.length() > 60) {
            message = message.substring(0, 57) + "...";
        }
        return "[" + "#".repeat(filled) + " ".repeat(BAR - filled) + "] " + String.format(java.util.Locale.ROOT,
                "%3d%%", Math.round(progress * 100)) + " " + run.path("status").asText() + " " + message;
    }
}
