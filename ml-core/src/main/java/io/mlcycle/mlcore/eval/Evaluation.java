package io.mlcycle.mlcore.eval;

import java.util.Objects;
import java.util.Optional;

/**
 * A candidate's evaluation on a time-ordered holdout: its metrics, the baseline's and the champion's on the same
 * examples, the paired tests, and the promotion gates.
 *
 * @param candidate         candidate metrics
 * @param baseline          class-prior baseline metrics
 * @param champion          champion metrics, when a champion exists
 * @param versusBaseline    DeLong test candidate (A) vs baseline (B)
 * @param versusChampion    DeLong test candidate (A) vs champion (B), when a champion exists
 * @param gates             the gate report
 */
public record Evaluation(BinaryMetrics candidate, BinaryMetrics baseline, Optional<BinaryMetrics> champion,
                         DeLongResult versusBaseline, Optional<DeLongResult> versusChampion, GateReport gates) {
    public Evaluation {
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(baseline, "baseline");
        champion = champion == null ? Optional.empty() : champion;
        Objects.requireNonNull(versusBaseline, "versusBaseline");
        versusChampion = versusChampion == null ? Optional.empty() : versusChampion;
        Objects.requireNonNull(gates, "gates");
    }
}
