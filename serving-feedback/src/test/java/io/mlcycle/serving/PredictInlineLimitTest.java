package io.mlcycle.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A predict is answered on the event loop only while its scoring stays short: the limit shrinks per model scoring. */
class PredictInlineLimitTest {
    private static final PipelineSpec SPEC = TestFixtures.spec();

    private static LoadedModel model(String version) {
        byte[] artifact = TestFixtures.artifact(SPEC, 0.1, 1.0);
        return new LoadedModel(version, 1, ModelArtifacts.sha256(artifact), "mlcycle.logistic.v1",
                ModelArtifacts.load(artifact), SPEC.objective().decisionThreshold(), TestFixtures.T0, Map.of());
    }

    @Test
    void theLimitIsSharedOutAmongTheModelsThatScoreEachRecord() {
        LoadedModel champion = model("credit-v1");
        assertThat(PredictHandler.inlineMaxBodyBytes(ServingModels.NONE)).isEqualTo(4096);
        assertThat(PredictHandler.inlineMaxBodyBytes(new ServingModels(champion, null, List.of()))).isEqualTo(4096);
        assertThat(PredictHandler.inlineMaxBodyBytes(new ServingModels(champion, model("credit-v2"), List.of())))
                .isEqualTo(2048);
        assertThat(PredictHandler.inlineMaxBodyBytes(new ServingModels(champion, model("credit-v2"),
                List.of(model("credit-v3"), model("credit-v4"))))).isEqualTo(1024);
    }
}
