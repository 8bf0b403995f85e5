package io.mlcycle.mlcore.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mlcycle.mlcore.eval.SpecEvaluation;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluationSpecReaderTest {

    private static final String BASE = MonitoringAndReplaySpecTest.BASE;

    @Test
    void noSectionMeansNoSlicesNoRuleAndNoSchedule() throws SpecException {
        PipelineSpec spec = PipelineSpecParser.parse(BASE, "elec.yaml");
        assertThat(spec.evaluation()).isEqualTo(EvaluationSpec.DEFAULTS);
        assertThat(spec.triggers().schedule()).isEmpty();
    }

    @Test
    void readsSlicesTheRuleBaselineAndTheSchedule() throws SpecException {
        PipelineSpec spec = PipelineSpecParser.parse(BASE + """
                triggers:
                  schedule: PT6H
                evaluation:
                  rule_baseline: "previous == 'UP' && price > 0.1"
                  slices:
                    - {name: cheap, expr: "price < 0.05"}
                    - {name: after_up, expr: "previous == 'UP'"}
                """, "elec.yaml");
        assertThat(spec.triggers().schedule()).contains(Duration.ofHours(6));
        assertThat(spec.evaluation().ruleBaseline()).hasValueSatisfying(r -> {
            assertThat(r.expression()).isEqualTo("previous == 'UP' && price > 0.1");
            assertThat(r.line()).isEqualTo(19);
        });
        assertThat(spec.evaluation().slices()).extracting(EvaluationSpec.Slice::name)
                .containsExactly("cheap", "after_up");
    }

    @Test
    void badExpressionsFailTheSpecNamingTheirLine() {
        SpecException e = catchThrowableOfType(() -> PipelineSpecParser.parse(BASE + """
                evaluation:
                  rule_baseline: "price >"
                  slices:
                    - {name: s, expr: "price * 2"}
                    - {name: t, expr: "id == 'x'"}
                    - {name: s, expr: "price > 1"}
                """, "elec.yaml"), SpecException.class);
        assertThat(e.errors()).extracting(SpecError::line, SpecError::path).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(17, "evaluation.rule_baseline"),
                org.assertj.core.groups.Tuple.tuple(19, "evaluation.slices[0].expr"),
                org.assertj.core.groups.Tuple.tuple(20, "evaluation.slices[1].expr"),
                org.assertj.core.groups.Tuple.tuple(21, "evaluation.slices[2].name"));
        assertThat(e.getMessage()).contains("must give true or false, but gives double")
                .contains("'id' is not a feature field").contains("used twice");
    }

    @Test
    void theCompiledRuleScoresAndTheSlicesMeasureTheirRecordsOnly() throws SpecException {
        PipelineSpec spec = PipelineSpecParser.parse(BASE + """
                evaluation:
                  rule_baseline: "price > 0.5"
                  slices:
                    - {name: after_up, expr: "previous == 'UP'"}
                    - {name: none, expr: "price > 100"}
                """, "elec.yaml");
        SpecEvaluation evaluation = SpecEvaluation.compile(spec);
        List<Map<String, Object>> records = List.of(record(0.9, "UP"), record(0.1, "UP"), record(0.7, "DOWN"),
                record(null, "DOWN"));
        assertThat(evaluation.ruleScores(records)).as("a record missing the rule's field scores 0")
                .containsExactly(1, 0, 1, 0);
        boolean[] labels = {true, false, false, true};
        double[] scores = {0.8, 0.3, 0.6, 0.4};
        Map<String, Map<String, Double>> slices = evaluation.sliceMetrics(records, labels, scores);
        assertThat(slices).containsOnlyKeys("after_up", "none");
        assertThat(slices.get("after_up")).containsEntry("n", 2.0).containsEntry("positives", 1.0)
                .containsEntry("roc_auc", 1.0).containsEntry("accuracy", 1.0);
        assertThat(slices.get("none")).containsEntry("n", 0.0).doesNotContainKey("roc_auc");
    }

    private static Map<String, Object> record(Double price, String previous) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("price", price);
        record.put("previous", previous);
        return record;
    }
}
