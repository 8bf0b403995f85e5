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

    private static JoinState sample() {
        PredictionSummary prediction = PredictionSummary.newBuilder().setPredictionId("p1").setModelVersion("credit-v2")
                .setVariant(Variant.CANARY).setScore(0.25).setDecision(false).build();
        return new JoinState(1_000L, new JoinState.EventInfo("app-1", Map.of("age", 42), 900L, true),
                List.of(prediction), new JoinState.PendingFeedback("true", 1_100L, "crm"), false);
    }

    @Test
    void aCompatibleChangeOfThePublicContractsStillRestoresWhatWasWrittenBefore() throws Exception {
        // The stored schema embeds PredictionSummary: before the fingerprint, a field added to it (with a default,
        // a compatible change) made every changelog value unreadable and stopped the service on restore.
        byte[] writtenBefore = serde.write(sample());
        JoinStateSerde afterTheChange = new JoinStateSerde(evolvedSchema(), JoinStateSerde.shippedSchemas());

        JoinState restored = afterTheChange.read(writtenBefore);

        assertThat(restored).isEqualTo(sample());
    }

    @Test
    void valuesWrittenBeforeFingerprintsExistedAreStillRead() {
        byte[] framed = serde.write(sample());
        byte[] legacy = java.util.Arrays.copyOfRange(framed, 10, framed.length);

        assertThat(serde.read(legacy)).isEqualTo(sample());
    }

    @Test
    void theCurrentSchemaIsShippedSoAFutureChangeCanStillReadIt() {
        // Fails when a contract change alters the join-state schema without snapshotting it under
        // join-state-schemas/ (add the new file to JoinStateSerde.SHIPPED).
        long current = org.apache.avro.SchemaNormalization.parsingFingerprint64(JoinStateSerde.SCHEMA);
        assertThat(JoinStateSerde.shippedSchemas()).extracting(
                org.apache.avro.SchemaNormalization::parsingFingerprint64).contains(current);
    }

    @Test
    void anUnknownFingerprintIsAClearError() {
        byte[] framed = serde.write(sample());
        framed[2] ^= 0x5A;

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> serde.read(framed))
                .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class)
                .hasMessageContaining("cannot decode join state");
    }

    /** The join-state schema after a compatible change: PredictionSummary gained a field with a default. */
    private static org.apache.avro.Schema evolvedSchema() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root =
                (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(JoinStateSerde.SCHEMA.toString());
        for (com.fasterxml.jackson.databind.JsonNode field : root.get("fields")) {
            if (field.get("name").asText().equals("predictions")) {
                com.fasterxml.jackson.databind.node.ArrayNode fields =
                        (com.fasterxml.jackson.databind.node.ArrayNode) field.get("type").get("items").get("fields");
                fields.addObject().put("name", "calibrated_score").putArray("type").add("null").add("double");
                ((com.fasterxml.jackson.databind.node.ObjectNode) fields.get(fields.size() - 1)).putNull("default");
            }
        }
        return new org.apache.avro.Schema.Parser().parse(root.toString());
    }
}
