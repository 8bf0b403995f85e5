package io.mlcycle.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.PredictionSummary;
import io.mlcycle.avro.Variant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JoinStateSerdeTest {
    private final JoinStateSerde serde = new JoinStateSerde();

    @Test
    void roundTripsEveryPartKeepingFeatureTypes() {
        Map<String, Object> features = new LinkedHashMap<>();
        features.put("age", 42);
        features.put("big", 1L << 40);
        features.put("income", 1234.5);
        features.put("employed", true);
        features.put("employment", "student");
        features.put("missing", null);
        PredictionSummary prediction = PredictionSummary.newBuilder().setPredictionId("p1").setModelVersion("credit-v2")
                .setVariant(Variant.CHAMPION).setScore(0.25).setDecision(false).build();
        JoinState state = new JoinState(1_000L, new JoinState.EventInfo("app-1", features, 900L, true),
                List.of(prediction), new JoinState.PendingFeedback("true", 1_100L, "crm"), true);

        JoinState back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", state));

        assertThat(back).isEqualTo(state);
        assertThat(back.event().features().get("age")).isInstanceOf(Integer.class);
        assertThat(back.event().features().get("big")).isInstanceOf(Long.class);
        assertThat(back.event().features().get("employment")).isInstanceOf(String.class);
        assertThat(back.predictions().get(0)).isInstanceOf(PredictionSummary.class);
    }

    @Test
    void roundTripsAStateWithOnlyFeedback() {
        JoinState state = JoinState.empty(5L).withFeedback(new JoinState.PendingFeedback("no", 6L, null));

        JoinState back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", state));

        assertThat(back).isEqualTo(state);
        assertThat(back.event()).isNull();
        assertThat(back.readyToEmit()).isFalse();
    }
}
