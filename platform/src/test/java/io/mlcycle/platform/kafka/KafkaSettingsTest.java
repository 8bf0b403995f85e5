package io.mlcycle.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {

    private final PlatformConfig config = PlatformConfig.from(ConfigSource.of(Map.of(
            "bootstrap.servers", "b:9092", "instance.id", "svc-1", "state.dir", "/tmp/mlc-state",
            "kafka.security.protocol", "SASL_SSL", "kafka.sasl.mechanism", "PLAIN",
            "kafka.linger.ms", "20")), 0);

    @Test
    void producerIsIdempotentWithPassthroughWinning() {
        Properties props = KafkaClients.producerProperties(config, "ingest");

        assertThat(props).containsEntry("bootstrap.servers", "b:9092")
                .containsEntry("client.id", "svc-1-ingest")
                .containsEntry("enable.idempotence", "true")
                .containsEntry("acks", "all")
                .containsEntry("compression.type", "lz4")
                .containsEntry("linger.ms", "20")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN")
                .doesNotContainKeys("key.serializer", "value.serializer");
    }

    @Test
    void consumerReadsCommittedWithoutAutoCommit() {
        Properties props = KafkaClients.consumerProperties(config, "group-a", "reader");

        assertThat(props).containsEntry("group.id", "group-a")
                .containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", "false")
                .containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void streamsUseExactlyOnceAndNoDefaultSerdes() {
        Properties props = StreamsSettings.forApplication(config, "mlcycle-demo-validation");

        assertThat(props).containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "mlcycle-demo-validation")
                .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2")
                .containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100")
                .containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1")
                .containsEntry(StreamsConfig.REPLICATION_FACTOR_CONFIG, "-1")
                .containsEntry(StreamsConfig.STATE_DIR_CONFIG, Path.of("/tmp/mlc-state").toAbsolutePath().toString())
                .containsEntry(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, LoggingProductionExceptionHandler.class.getName())
                .containsEntry("security.protocol", "SASL_SSL")
                .doesNotContainKeys(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG);
        // The properties are accepted by Kafka Streams itself.
        assertThat(new StreamsConfig(props).getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
    }

    @Test
    void streamsProducersAreUncompressedUnlessThePassthroughSaysOtherwise() {
        Properties defaults = StreamsSettings.forApplication(config, "mlcycle-demo-serving-feedback");
        PlatformConfig compressing = PlatformConfig.from(ConfigSource.of(Map.of(
                "bootstrap.servers", "b:9092", "instance.id", "svc-1", "state.dir", "/tmp/mlc-state",
                "kafka.producer.compression.type", "zstd")), 0);
        Properties overridden = StreamsSettings.forApplication(compressing, "mlcycle-demo-serving-feedback");

        assertThat(new StreamsConfig(defaults).getProducerConfigs("c").get("compression.type")).isEqualTo("none");
        assertThat(new StreamsConfig(overridden).getProducerConfigs("c").get("compression.type")).isEqualTo("zstd");
    }
}
