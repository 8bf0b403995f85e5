package io.mlcycle.mlcore.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.mlcore.monitoring.PrequentialEvaluator.Observation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrequentialEvaluatorTest {

    /** Outcome known one step (10 ms) after the event. */
    static Observation at(int t, boolean label, String version, boolean decision) {
        return new Observation("e" + t, t * 10L, t * 10L + 10, label, version, decision ? 0.8 : 0.2, decision);
    }

    @Test
    void handComputedSequence() {
        // labels:   T T F F T T    (event times 0..50, each known 10 ms later)
        // model:    - T T F F T    (no model at t=0)
        // no-change at t=1..5 predicts the previous label: T T F F T  -> right at t=1, 3, 5
        // class prior at t=1..5: known {T} -> T; {T,T} -> T; {T,T,F} -> T; {T,T,F,F} tie -> F; {..,T} -> T
        List<Observation> events = List.of(
                at(3, false, "v1", false), at(0, true, null, false), at(1, true, "v1", true),
                at(2, false, "v1", true), at(4, true, "v2", false), at(5, true, "v2", true));
        PrequentialEvaluator.Result result = new PrequentialEvaluator(30, 2).evaluate(events);

        assertThat(result.events()).isEqualTo(6);
        assertThat(result.unscored()).isEqualTo(1);
        assertThat(result.model()).isEqualTo(new PrequentialEvaluator.Tally(3, 5));
        assertThat(result.noChange()).isEqualTo(new PrequentialEvaluator.Tally(3, 5));
        // prior: t1 T right, t2 T vs F wrong, t3 T vs F wrong, t4 F vs T wrong, t5 T right
        assertThat(result.classPrior()).isEqualTo(new PrequentialEvaluator.Tally(2, 5));
        assertThat(result.perVersion()).isEqualTo(Map.of(
                "v1", new PrequentialEvaluator.Tally(2, 3), "v2", new PrequentialEvaluator.Tally(1, 2)));
        // periods of 30 ms: [0, 30) has t=1, 2; [30, 60) has t=3, 4, 5
        assertThat(result.periods()).hasSize(2);
        assertThat(result.periods().get(0).model()).isEqualTo(new PrequentialEvaluator.Tally(1, 2));
        assertThat(result.periods().get(1).noChange()).isEqualTo(new PrequentialEvaluator.Tally(2, 3));
        // rolling over 2: model right at t=1, 3, 5 -> 1, .5, .5, .5, .5
        assertThat(result.rolling()).extracting(PrequentialEvaluator.Point::model)
                .containsExactly(1.0, 0.5, 0.5, 0.5, 0.5);
    }

    @Test
    void baselinesSeeOnlyOutcomesObservedByTheEventTime() {
        // outcomes arrive 25 ms late: at t=20 only the outcome of t=0 is known, so no-change predicts it
        List<Observation> events = List.of(
                new Observation("a", 0, 25, true, "v1", 0.9, true),
                new Observation("b", 10, 35, false, "v1", 0.9, true),
                new Observation("c", 20, 45, true, "v1", 0.9, true),
                new Observation("d", 30, 55, false, "v1", 0.9, true));
        PrequentialEvaluator.Result result = new PrequentialEvaluator(1000, 10).evaluate(events);
        // no-change: a none -> F (wrong), b none -> F (right), c none -> F (wrong), d knows a -> T (wrong)
        assertThat(result.noChange()).isEqualTo(new PrequentialEvaluator.Tally(1, 4));
    }

    @Test
    void prequentialRuleReportsModelsThatLearntFromTheFuture() {
        List<PrequentialRule.Scored> scored = List.of(
                new PrequentialRule.Scored("a", 100, "v1"), new PrequentialRule.Scored("b", 200, "v2"),
                new PrequentialRule.Scored("c", 300, "v3"));
        List<PrequentialRule.Violation> violations =
                PrequentialRule.check(scored, Map.of("v1", 100L, "v2", 250L));
        assertThat(violations).extracting(PrequentialRule.Violation::eventId).containsExactly("b", "c");
    }
}
