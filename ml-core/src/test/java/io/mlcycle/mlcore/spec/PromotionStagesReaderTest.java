package io.mlcycle.mlcore.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mlcycle.avro.Stage;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PromotionStagesReaderTest {

    private static final String BASE = """
            pipeline: churn
            data:
              record: Customer
              key: id
              event_time: ts
              fields:
                - {name: id, type: string}
                - {name: ts, type: timestamp}
                - {name: tenure, type: long, feature: true}
                - {name: churned, type: int}
            label:
              field: churned
              positive: 1
            promotion:
              significance: 0.05
            """;

    private static PipelineSpec parse(String promotionLines) throws SpecException {
        return PipelineSpecParser.parse(BASE + promotionLines, "churn.yaml");
    }

    @Test
    void withoutAPolicyPromotionIsDirect() throws Exception {
        CanarySpec canary = parse("").canary();

        assertThat(canary.policy()).isEqualTo(CanarySpec.Policy.DIRECT);
        assertThat(canary.entryStage()).isEqualTo(Stage.CHAMPION);
        assertThat(canary).isEqualTo(CanarySpec.defaults());
    }

    @Test
    void stagedWithoutStagesIsACanaryWithTheDefaults() throws Exception {
        CanarySpec canary = parse("  policy: staged\n").canary();

        assertThat(canary.staged()).isTrue();
        assertThat(canary.shadow()).isNull();
        assertThat(canary.canaryStage()).isTrue();
        assertThat(canary.entryStage()).isEqualTo(Stage.CANARY);
        assertThat(canary.nextStage(Stage.CANARY)).isEqualTo(Stage.CHAMPION);
        assertThat(canary.fraction()).isEqualTo(CanarySpec.DEFAULT_FRACTION);
        assertThat(canary.minLabeled()).isEqualTo(CanarySpec.DEFAULT_MIN_LABELED);
    }

    @Test
    void readsShadowThenCanary() throws Exception {
        CanarySpec canary = parse("""
                  policy: staged
                  stages:
                    shadow: {min_predictions: 500, duration: PT10M}
                    canary: {fraction: 0.2, min_labeled: 300, alpha: 0.01, margin: 0.02}
                """).canary();

        assertThat(canary.shadow()).isEqualTo(new CanarySpec.ShadowStage(500, Duration.ofMinutes(10)));
        assertThat(canary.entryStage()).isEqualTo(Stage.SHADOW);
        assertThat(canary.nextStage(Stage.SHADOW)).isEqualTo(Stage.CANARY);
        assertThat(canary.nextStage(Stage.CANARY)).isEqualTo(Stage.CHAMPION);
        assertThat(canary.fraction()).isEqualTo(0.2);
        assertThat(canary.minLabeled()).isEqualTo(300);
        assertThat(canary.alpha()).isEqualTo(0.01);
        assertThat(canary.margin()).isEqualTo(0.02);
    }

    @Test
    void aShadowOnlyPolicyPromotesTheShadowToChampion() throws Exception {
        CanarySpec canary = parse("""
                  policy: staged
                  stages:
                    shadow: {min_predictions: 50}
                """).canary();

        assertThat(canary.canaryStage()).isFalse();
        assertThat(canary.shadow().duration()).isEqualTo(Duration.ZERO);
        assertThat(canary.nextStage(Stage.SHADOW)).isEqualTo(Stage.CHAMPION);
    }

    @Test
    void namesTheLineOfEachProblem() {
        SpecException e = catchThrowableOfType(SpecException.class, () -> parse("""
                  policy: gradual
                  canary_alpha: 0.01
                  stages:
                    shadow: {min_predictions: -1, duration: 10 minutes}
                    canary: {alpha: 0.02, share: 0.1}
                """));

        assertThat(e.errors()).extracting(SpecError::path).contains("promotion.policy",
                "promotion.stages.canary.alpha", "promotion.stages.canary.share",
                "promotion.stages.shadow.min_predictions", "promotion.stages.shadow.duration");
        assertThat(e.getMessage()).contains("must be direct or staged, but is 'gradual'")
                .contains("is also given as promotion.canary_alpha")
                .doesNotContain("stages apply only to");
        assertThat(e.errors()).allSatisfy(error -> assertThat(error.line()).isGreaterThan(15));
    }

    @Test
    void stagesNeedTheStagedPolicy() {
        SpecException e = catchThrowableOfType(SpecException.class, () -> parse("""
                  stages:
                    canary: {fraction: 0.1}
                """));

        assertThat(e.getMessage()).contains("promotion.stages").contains("policy: staged");
    }
}
