package io.mlcycle.mlcore.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.mlcycle.mlcore.features.EncodedFeature;
import io.mlcycle.mlcore.features.FeatureEncoder;
import io.mlcycle.mlcore.features.FeatureKind;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelArtifactsTest {
    static LinearModel model() {
        FeatureEncoder encoder = new FeatureEncoder(List.of(
                new EncodedFeature("age", FeatureKind.NUMERIC, List.of(), 30, 10),
                new EncodedFeature("colour", FeatureKind.CATEGORY, List.of("red", "blue"), 0, 1)));
        return new LinearModel(encoder, new double[] {1.0, 0.5, 0.25, -0.25}, -0.1, Map.of("seed", "42", "b", "x"));
    }

    @Test
    void scoresWithTheLogisticFunction() {
        Map<String, Object> features = new HashMap<>();
        features.put("age", 40);
        features.put("colour", "red");
        // z = -0.1 + 1.0 * (40 - 30) / 10 + 0.25 = 1.15
        assertThat(model().score(features)).isCloseTo(1 / (1 + Math.exp(-1.15)), within(1e-15));
        features.put("age", null);
        features.put("colour", null);
        // z = -0.1 + 0.5 (missing indicator)
        assertThat(model().score(features)).isCloseTo(1 / (1 + Math.exp(-0.4)), within(1e-15));
    }

    @Test
    void writesCanonicalJsonWithSortedKeys() {
        String json = new String(model().toBytes(), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"columns\":[\"age\",\"age__missing\",\"colour=red\",\"colour=blue\"],"
                + "\"features\":[{\"categories\":[],\"center\":30.0,\"kind\":\"numeric\",\"name\":\"age\",\"scale\":10.0},"
                + "{\"categories\":[\"red\",\"blue\"],\"center\":0.0,\"kind\":\"category\",\"name\":\"colour\",\"scale\":1.0}],"
                + "\"format\":\"mlcycle.logistic.v1\",\"intercept\":-0.1,\"metadata\":{\"b\":\"x\",\"seed\":\"42\"},"
                + "\"weights\":[1.0,0.5,0.25,-0.25]}");
    }

    @Test
    void roundTripsToIdenticalBytesAndEqualModel() {
        LinearModel original = new LinearModel(model().encoder(),
                new double[] {0.1 + 0.2, 1e-300, -123456.789e10, Math.PI}, Math.E, Map.of());
        byte[] bytes = original.toBytes();
        LinearModel loaded = ModelArtifacts.loadLinear(bytes);
        assertThat(loaded).isEqualTo(original);
        assertThat(loaded.toBytes()).isEqualTo(bytes);
        assertThat(ModelArtifacts.sha256(loaded.toBytes())).isEqualTo(ModelArtifacts.sha256(bytes)).hasSize(64);
        assertThat(ModelArtifacts.formatId(bytes)).isEqualTo("mlcycle.logistic.v1");
    }

    @Test
    void corruptArtifactsGiveClearErrors() {
        byte[] good = model().toBytes();
        assertThatThrownBy(() -> ModelArtifacts.load(new byte[0]))
                .isInstanceOf(ModelArtifactException.class).hasMessage("corrupt model artifact: it is empty");
        assertThatThrownBy(() -> ModelArtifacts.load(Arrays.copyOf(good, good.length / 2)))
                .isInstanceOf(ModelArtifactException.class).hasMessageStartingWith("corrupt model artifact: not readable as JSON");
        assertThatThrownBy(() -> ModelArtifacts.load(new byte[] {(byte) 0xCA, (byte) 0xFE, 0, 1}))
                .isInstanceOf(ModelArtifactException.class).hasMessageStartingWith("corrupt model artifact");
        String json = new String(good, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ModelArtifacts.load(json.replace("mlcycle.logistic.v1", "mlcycle.trees.v9")
                .getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ModelArtifactException.class)
                .hasMessage("unknown model artifact format 'mlcycle.trees.v9'; this build reads mlcycle.logistic.v1 and mlcycle.trees.v1");
        assertThatThrownBy(() -> ModelArtifacts.load(json.replace("[1.0,0.5,0.25,-0.25]", "[1.0,0.5]")
                .getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ModelArtifactException.class).hasMessageContaining("expected 4 weights");
        assertThatThrownBy(() -> ModelArtifacts.load(json.replace("\"scale\":10.0", "\"scale\":-1.0")
                .getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ModelArtifactException.class).hasMessageContaining("invalid encoding parameters");
        assertThatThrownBy(() -> ModelArtifacts.load("{\"weights\":[]}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ModelArtifactException.class).hasMessage("corrupt model artifact: no 'format' id");
    }
}
