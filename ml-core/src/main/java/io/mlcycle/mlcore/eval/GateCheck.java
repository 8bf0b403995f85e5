package io.mlcycle.mlcore.eval;

import java.util.Objects;

/**
 * One promotion gate's verdict.
 *
 * @param name        stable gate name: beats_baseline, non_inferior_to_champion, latency_p99, artifact_size
 * @param value       the measured value (lift, metric, milliseconds or bytes)
 * @param threshold   what it was compared with
 * @param passed      whether the gate passed
 * @param explanation the verdict in plain words, with the numbers
 */
public record GateCheck(String name, double value, double threshold, boolean passed, String explanation) {
    public GateCheck {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(explanation, "explanation");
    }
}
