package io.mlcycle.cli.ingest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.mlcore.normalize.NormalizationTally;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an import did: rows read = accepted + rejected (rows skipped by {@code --resume} are counted apart), the
 * rejections by reason with examples, outcomes written, and the normalisations by field and rule.
 */
final class ImportReport {

    static final int EXAMPLES_PER_REASON = 3;

    /** One rejection example. */
    record Example(long row, String field, String detail) {
    }

    private static final class Reason {
        long count;
        final List<Example> examples = new ArrayList<>();
    }

    final String file;
    final String pipeline;
    final boolean dryRun;
    long rowsRead;
    long accepted;
    long rejected;
    long skipped;
    long outcomes;
    String generatedKey;
    String generatedEventTime;
    Duration duration = Duration.ZERO;
    private final Map<ReasonCode, Reason> reasons = new TreeMap<>();
    private final NormalizationTally normalizations;

    ImportReport(String file, String pipeline, boolean dryRun, NormalizationTally normalizations) {
        this.file = file;
        this.pipeline = pipeline;
        this.dryRun = dryRun;
        this.normalizations = normalizations;
    }

    void rejected(long row, List<Violation> violations) {
        rejected++;
        java.util.Set<ReasonCode> seen = java.util.EnumSet.noneOf(ReasonCode.class);
        for (Violation v : violations) {
            Reason reason = reasons.computeIfAbsent(v.code(), c -> new Reason());
            if (seen.add(v.code())) {
                reason.count++;
            }
            if (reason.examples.size() < EXAMPLES_PER_REASON) {
                reason.examples.add(new Example(row, v.field(), v.detail()));
            }
        }
    }

    /** Rows with each reason (a row with two reasons counts under both). */
    Map<ReasonCode, Long> rejectionsByReason() {
        Map<ReasonCode, Long> result = new TreeMap<>();
        reasons.forEach((code, reason) -> result.put(code, reason.count));
        return result;
    }

    List<NormalizationTally.Count> normalizations() {
        return normalizations.counts();
    }

    boolean balanced() {
        return rowsRead == accepted + rejected;
    }

    void print(PrintWriter out) {
        double seconds = Math.max(duration.toMillis(), 1) / 1000.0;
        out.printf("%s %s into pipeline '%s' in %.1f s (%,.0f rows/s)%n", dryRun ? "Dry run of" : "Imported", file,
                pipeline, seconds, (rowsRead + skipped) / seconds);
        out.printf("  rows read          %,10d  = accepted %,d + rejected %,d%s%n", rowsRead, accepted, rejected,
                dryRun ? " (nothing written)" : "");
        if (skipped > 0) {
            out.printf("  skipped (resume)   %,10d  already imported before%n", skipped);
        }
        out.printf("  outcomes           %,10d  %s%n", outcomes, dryRun ? "would be written to " + pipeline + ".feedback"
                : "written to " + pipeline + ".feedback");
        if (generatedKey != null) {
            out.printf("  generated key      %s%n", generatedKey);
        }
        if (generatedEventTime != null) {
            out.printf("  generated time     %s%n", generatedEventTime);
        }
        if (reasons.isEmpty()) {
            out.println("  rejected by reason none");
        } else {
            out.println("  rejected by reason" + (dryRun ? " (would be quarantined)" : " (quarantined, stage INGESTION)"));
            int width = reasons.keySet().stream().mapToInt(c -> c.name().length()).max().orElse(10);
            reasons.forEach((code, reason) -> {
                out.printf("    %-" + width + "s %,8d%n", code.name(), reason.count);
                for (Example e : reason.examples) {
                    out.printf("      e.g. %s%n", e.detail());
                }
            });
        }
        List<NormalizationTally.Count> counts = normalizations.counts();
        if (counts.isEmpty()) {
            out.println("  normalisations     none");
        } else {
            out.println("  normalisations by field and rule");
            int width = counts.stream().mapToInt(c -> c.field().length()).max().orElse(10);
            for (NormalizationTally.Count c : counts) {
                out.printf("    %-" + width + "s %-20s %,10d%n", c.field(), c.rule().key(), c.count());
            }
        }
        out.flush();
    }

    ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("file", file);
        root.put("pipeline", pipeline);
        root.put("dry_run", dryRun);
        root.put("rows_read", rowsRead);
        root.put("accepted", accepted);
        root.put("rejected", rejected);
        root.put("skipped", skipped);
        root.put("outcomes", outcomes);
        root.put("duration_ms", duration.toMillis());
        if (generatedKey != null) {
            root.put("generated_key", generatedKey);
        }
        if (generatedEventTime != null) {
            root.put("generated_event_time", generatedEventTime);
        }
        ObjectNode byReason = root.putObject("rejected_by_reason");
        reasons.forEach((code, reason) -> {
            ObjectNode r = byReason.putObject(code.name());
            r.put("rows", reason.count);
            ArrayNode examples = r.putArray("examples");
            for (Example e : reason.examples) {
                ObjectNode example = examples.addObject();
                example.put("row", e.row());
                if (e.field() != null) {
                    example.put("field", e.field());
                }
                example.put("detail", e.detail());
            }
        });
        ArrayNode norms = root.putArray("normalizations");
        for (NormalizationTally.Count c : normalizations.counts()) {
            norms.addObject().put("field", c.field()).put("rule", c.rule().key()).put("count", c.count());
        }
        return root;
    }
}
