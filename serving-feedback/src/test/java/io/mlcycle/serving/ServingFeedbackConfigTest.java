package io.mlcycle.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.platform.config.ConfigException;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServingFeedbackConfigTest {

    @Test
    void defaultsComeFromTheSpecAndTheServiceConstants() {
        ServingFeedbackConfig config = ServingFeedbackConfig.from(ConfigSource.of(Map.of(
                PlatformConfig.PIPELINE_SPEC, TestFixtures.specPath().toString(),
                PlatformConfig.STATE_DIR, "/tmp/mlcycle-state",
                PlatformConfig.INSTANCE_ID, "i1")));

        assertThat(config.pipeline()).isEqualTo("credit");
        assertThat(config.platform().httpPort()).isEqualTo(ServingFeedbackConfig.DEFAULT_HTTP_PORT);
        assertThat(config.joinWindow()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.punctuateInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.unmatchedAlertInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.maxRecordsPerRequest()).isEqualTo(1000);
        assertThat(config.applicationId()).isEqualTo("mlcycle-credit-serving-feedback");
        assertThat(config.maxRecordBytes()).isEqualTo(ServingFeedbackConfig.DEFAULT_MAX_RECORD_BYTES);
        assertThat(config.registryReplayTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.metricsWindow()).isEqualTo(Duration.ofMinutes(15));
        assertThat(config.truthWindow()).isEqualTo(Duration.ofHours(1));
        assertThat(config.truthEmitInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.predictionLogCapacity()).isEqualTo(10_000);
        assertThat(config.stateDir()).isEqualTo(Path.of("/tmp/mlcycle-state/serving-feedback-i1"));
    }

    @Test
    void environmentVariablesOverrideTheDefaults() {
        ConfigSource source = ConfigSource.builder()
                .defaults(Map.of(PlatformConfig.PIPELINE_SPEC, TestFixtures.specPath().toString()))
                .environment(Map.of("MLCYCLE_SERVING_JOIN_WINDOW", "PT2H", "MLCYCLE_HTTP_PORT", "0",
                        "MLCYCLE_SERVING_TRUTH_WINDOW", "PT15S", "MLCYCLE_SERVING_HTTP_PREDICTION_LOG_CAPACITY", "50000"))
                .build();

        ServingFeedbackConfig config = ServingFeedbackConfig.from(source);

        assertThat(config.joinWindow()).isEqualTo(Duration.ofHours(2));
        assertThat(config.truthWindow()).isEqualTo(Duration.ofSeconds(15));
        assertThat(config.predictionLogCapacity()).isEqualTo(50_000);
        assertThat(config.platform().httpPort()).isZero();
    }

    @Test
    void badValuesNameTheirKeys() {
        assertThatThrownBy(() -> ServingFeedbackConfig.from(ConfigSource.of(Map.of(
                PlatformConfig.PIPELINE_SPEC, TestFixtures.specPath().toString(),
                ServingFeedbackConfig.PUNCTUATE_INTERVAL, "soon",
                ServingFeedbackConfig.PREDICT_MAX_RECORDS, "0",
                ServingFeedbackConfig.TRUTH_WINDOW, "PT0S",
                ServingFeedbackConfig.PREDICTION_LOG_CAPACITY, "0"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(ServingFeedbackConfig.PREDICTION_LOG_CAPACITY)
                .hasMessageContaining(ServingFeedbackConfig.PUNCTUATE_INTERVAL)
                .hasMessageContaining(ServingFeedbackConfig.PREDICT_MAX_RECORDS)
                .hasMessageContaining(ServingFeedbackConfig.TRUTH_WINDOW);

        assertThatThrownBy(() -> ServingFeedbackConfig.from(ConfigSource.of(Map.of())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(PlatformConfig.PIPELINE_SPEC);
    }
}
