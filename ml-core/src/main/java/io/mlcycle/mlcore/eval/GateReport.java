package io.mlcycle.mlcore.eval;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Every promotion gate's verdict; the candidate passes only if all passed.
 *
 * @param checks the gates in a fixed order
 * @param passed true when every check passed
 */
public record GateReport(List<GateCheck> checks, boolean passed) {
    public GateReport {
        checks = List.copyOf(checks);
    }

    public static GateReport of(List<GateCheck> checks) {
        return new GateReport(checks, checks.stream().allMatch(GateCheck::passed));
    }

    public List<GateCheck> failed() {
        return checks.stream().filter(c -> !c.passed()).toList();
    }

    /** One line per gate: "PASS beats_baseline: ...". */
    public String summary() {
        return checks.stream().map(c -> (c.passed() ? "PASS " : "FAIL ") + c.name() + ": " + c.explanation())
                .collect(Collectors.joining("\n"));
    }
}
