package io.mlcycle.platform.kafka;

import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.registry.SchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every service does before it starts: makes sure the pipeline's topics exist (from the {@link Topics} catalog),
 * that the joined ones are co-partitioned (refusing to start otherwise, naming them), and its schemas are registered, and builds the pipeline's serdes. Idempotent, so services may start in any order
 * and any number of times.
 */
public final class PipelineBootstrap {

    private static final Logger log = LoggerFactory.getLogger(PipelineBootstrap.class);

    /** The prepared pipeline: its serdes and the schema ids registered for its topics, by subject. */
    public record Prepared(PipelineSerdes serdes, Map<String, Integer> schemaIds, List<String> createdTopics) {
    }

    private PipelineBootstrap() {
    }

    /** Creates missing topics, registers the schemas with the configured registry and returns the serdes. */
    public static Prepared prepare(PlatformConfig platform, String pipeline, Schema dataSchema) {
        return prepare(platform, pipeline, dataSchema,
                new RestSchemaRegistryClient(platform.registryClientSettings()));
    }

    /** As {@link #prepare(PlatformConfig, String, Schema)}, with a given registry client. */
    public static Prepared prepare(PlatformConfig platform, String pipeline, Schema dataSchema,
                                   SchemaRegistryClient registry) {
        List<String> created;
        try (Admin admin = Admin.create(KafkaClients.adminProperties(platform))) {
            created = TopicAdmin.ensureTopics(admin, pipeline, Topics.all(), platform.replicationFactor(),
                    TopicAdmin.DEFAULT_TIMEOUT);
            TopicAdmin.requireCoPartitioned(admin, Topics.joined().stream().map(t -> t.name(pipeline)).toList(),
                    TopicAdmin.DEFAULT_TIMEOUT);
        }
        PipelineSerdes serdes = new PipelineSerdes(registry, AvroSerdeConfig.defaults(), pipeline, dataSchema);
        Map<String, Integer> schemaIds = serdes.registerSchemas();
        if (!created.isEmpty()) {
            log.info("Created {} topics of pipeline {}", created.size(), pipeline);
        }
        return new Prepared(serdes, Map.copyOf(schemaIds), List.copyOf(created));
    }
}
