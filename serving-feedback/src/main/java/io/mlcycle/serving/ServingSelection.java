package io.mlcycle.serving;

import io.mlcycle.avro.Stage;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which registered versions serving runs, from a list of (version, stage): the one place this is decided.
 * <ul>
 *   <li>champion: the highest-numbered version in stage CHAMPION;</li>
 *   <li>canary: the highest-numbered version in stage CANARY above the champion's number (an older canary than
 *       the champion is stale);</li>
 *   <li>shadows: every version in stage SHADOW, newest first, at most {@link #MAX_SHADOWS}.</li>
 * </ul>
 */
final class ServingSelection {
    static final int MAX_SHADOWS = 3;

    private ServingSelection() {
    }

    /** A version's number and stage as the registry holds it. */
    record Candidate(String version, int number, Stage stage) {
    }

    /** The versions to serve, by role. */
    record Targets(Optional<String> champion, Optional<String> canary, List<String> shadows) {
    }

    static Targets select(Collection<Candidate> candidates) {
        Comparator<Candidate> newestFirst = Comparator.comparingInt(Candidate::number).reversed();
        Optional<Candidate> champion = candidates.stream().filter(c -> c.stage() == Stage.CHAMPION)
                .sorted(newestFirst).findFirst();
        int championNumber = champion.map(Candidate::number).orElse(Integer.MIN_VALUE);
        Optional<String> canary = candidates.stream()
                .filter(c -> c.stage() == Stage.CANARY && c.number() > championNumber)
                .sorted(newestFirst).findFirst().map(Candidate::version);
        List<String> shadows = candidates.stream().filter(c -> c.stage() == Stage.SHADOW).sorted(newestFirst)
                .limit(MAX_SHADOWS).map(Candidate::version).toList();
        return new Targets(champion.map(Candidate::version), canary, shadows);
    }
}
