package io.mlcycle.platform.kafka;

import io.mlcycle.platform.config.PlatformConfig;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Kafka Streams properties for an mlcycle service: exactly-once v2, 100 ms commits, one stream thread, uncompressed
 * producer batches, the configured state directory and replication factor, a logging production exception handler,
 * and the {@code kafka.*} passthrough. Default serdes are deliberately not set: every topology passes its serdes explicitly.
 */
public final class StreamsSettings {

    private StreamsSettings() {
    }

    public static Properties forApplication(PlatformConfig config, String applicationId) {
        if (applicationId == null || applicationId.isBlank()) {
            throw new IllegalArgumentException("applicationId must not be blank");
        }
        Properties props = KafkaClients.commonProperties(config, applicationId + "-" + config.instanceId());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, Short.toString(config.replicationFactor()));
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, LoggingProductionExceptionHandler.class.getName());
        // Global stores (the models mirror) get the same processing-error handling as tasks; the default from 5.0.
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        // No compression: with a commit every 100 ms, Streams' batches (changelogs, outputs) are small, and an lz4
        // batch costs its producer two fresh 64 KB block buffers whatever it holds. Under ./bench serving-http at
        // 1,000 predictions/s those buffers were most of the truth application's allocation, which G1's young pauses
        // then charged to every request. Deployments that pay for bytes on the wire set
        // kafka.producer.compression.type (the kafka.* passthrough is applied after these defaults).
        props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "none");
        return KafkaClients.withPassthrough(props, config);
    }
}
