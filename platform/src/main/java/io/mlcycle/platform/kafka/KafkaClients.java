package io.mlcycle.platform.kafka;

import io.mlcycle.platform.config.PlatformConfig;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Producer, consumer and admin client properties from {@link PlatformConfig}: safe defaults (idempotent producer,
 * acks=all, lz4; read_committed consumer without auto commit), then the {@code kafka.*} passthrough settings (SASL,
 * SSL, tuning), which win. Serializers are not set: callers pass serializer instances to the client constructors.
 */
public final class KafkaClients {

    private KafkaClients() {
    }

    /** Properties every client gets: bootstrap servers, a client id, and the passthrough settings. */
    public static Properties commonProperties(PlatformConfig config, String clientId) {
        Properties props = new Properties();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    /** An idempotent producer: acks=all, linger 5 ms, lz4. */
    public static Properties producerProperties(PlatformConfig config, String purpose) {
        Properties props = commonProperties(config, clientId(config, purpose));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return withPassthrough(props, config);
    }

    /** A consumer in {@code groupId}: read_committed, auto commit off, earliest offset for a new group. */
    public static Properties consumerProperties(PlatformConfig config, String groupId, String purpose) {
        Properties props = commonProperties(config, clientId(config, purpose));
        if (groupId != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return withPassthrough(props, config);
    }

    public static Properties adminProperties(PlatformConfig config) {
        Properties props = commonProperties(config, clientId(config, "admin"));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return withPassthrough(props, config);
    }

    /** {@code <instance.id>-<purpose>}, so broker logs and metrics tell instances apart. */
    public static String clientId(PlatformConfig config, String purpose) {
        return purpose == null || purpose.isBlank() ? config.instanceId() : config.instanceId() + "-" + purpose;
    }

    static Properties withPassthrough(Properties props, PlatformConfig config) {
        props.putAll(config.kafkaProperties());
        return props;
    }
}
