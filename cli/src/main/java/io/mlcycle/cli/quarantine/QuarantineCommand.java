package io.mlcycle.cli.quarantine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import io.mlcycle.cli.common.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mlcycle quarantine --pipeline P}: what was quarantined and why, as counts by reason code with examples
 * (event id, source offset, field, offending value, detail); {@code --json} for scripts. The {@code replay}
 * subcommand re-submits originals.
 */
@Command(name = "quarantine", mixinStandardHelpOptions = true,
        description = "Counts of quarantined records by reason, with examples; 'replay' re-submits them.",
        subcommands = QuarantineReplayCommand.class)
public final class QuarantineCommand implements Callable<Integer> {

    private static final int MAX_EXAMPLE = 160;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    QuarantineOptions options = new QuarantineOptions();

    @Option(names = "--examples", defaultValue = "2", paramLabel = "N",
            description = "Examples per reason (default: ${DEFAULT-VALUE}).")
    int examples;

    @Override
    public Integer call() throws Exception {
        QuarantineOptions o = options.withDefaultsFrom(null, spec.commandLine());
        QuarantineSummary summary = new QuarantineSummary(Math.max(0, examples));
        new QuarantineTopic(o.bootstrapServers, o.registryUrl).readAll(o.pipeline, summary::add);
        PrintWriter out = spec.commandLine().getOut();
        if (o.json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(toJson(o.pipeline, summary)));
        } else {
            print(o.pipeline, summary, out);
        }
        out.flush();
        return 0;
    }

    private static Map<String, Object> toJson(String pipeline, QuarantineSummary summary) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("pipeline", pipeline);
        json.put("records", summary.total());
        List<Object> reasons = new ArrayList<>();
        for (QuarantineSummary.Row row : summary.rows()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("reason", row.reason());
            r.put("records", row.records());
            r.put("fields", row.fields());
            r.put("examples", row.examples());
            reasons.add(r);
        }
        json.put("reasons", reasons);
        return json;
    }

    private static void print(String pipeline, QuarantineSummary summary, PrintWriter out) {
        out.printf("Quarantine of pipeline %s: %d record(s)%n", pipeline, summary.total());
        if (summary.total() == 0) {
            return;
        }
        Table table = Table.of("REASON").right("RECORDS").left("FIELDS").left("EXAMPLES");
        for (QuarantineSummary.Row row : summary.rows()) {
            String fields = row.fields().isEmpty() ? "-" : String.join(",", row.fields());
            if (row.examples().isEmpty()) {
                table.row(row.reason(), row.records(), fields, "");
            }
            for (int i = 0; i < row.examples().size(); i++) {
                QuarantineSummary.Example e = row.examples().get(i);
                String example = oneLine((e.eventId() == null ? "(no id)" : e.eventId()) + " [" + e.source() + "] "
                        + e.detail());
                if (i == 0) {
                    table.row(row.reason(), row.records(), fields, example);
                } else {
                    table.row("", "", "", example);
                }
            }
        }
        table.print(out);
    }

    /** One line of at most {@value #MAX_EXAMPLE} characters: details can be long (CEL rules with their values). */
    private static String oneLine(String text) {
        String line = text.replace('\n', ' ');
        return line.length() <= MAX_EXAMPLE ? line : line.substring(0, MAX_EXAMPLE - 3) + "...";
    }
}
