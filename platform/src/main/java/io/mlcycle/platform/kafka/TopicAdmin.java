package io.mlcycle.platform.kafka;

import io.mlcycle.schemas.TopicDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a pipeline's topics from their descriptors (partitions, cleanup policy, retention), idempotently: topics
 * that already exist are left as they are.
 */
public final class TopicAdmin {

    private static final Logger log = LoggerFactory.getLogger(TopicAdmin.class);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private TopicAdmin() {
    }

    /** Creates the missing topics with replication factor 1 (local), waiting up to 30 s; returns the names created. */
    public static List<String> ensureTopics(Admin admin, String pipeline, Collection<TopicDescriptor<?, ?>> topics) {
        return ensureTopics(admin, pipeline, topics, (short) 1, DEFAULT_TIMEOUT);
    }

    /**
     * Creates the missing topics and waits for the broker to confirm.
     *
     * @param replicationFactor replicas per partition; -1 means the broker's default
     * @return the names of the topics this call created (empty if all existed)
     * @throws IllegalStateException if creation fails or does not finish within {@code timeout}
     */
    public static List<String> ensureTopics(Admin admin, String pipeline, Collection<TopicDescriptor<?, ?>> topics,
                                            short replicationFactor, Duration timeout) {
        List<NewTopic> requested = new ArrayList<>();
        for (TopicDescriptor<?, ?> descriptor : topics) {
            requested.add(new NewTopic(descriptor.name(pipeline), Optional.of(descriptor.partitions()),
                    replicationFactor == -1 ? Optional.empty() : Optional.of(replicationFactor))
                    .configs(descriptor.topicConfigs()));
        }
        if (requested.isEmpty()) {
            return List.of();
        }
        CreateTopicsResult result = admin.createTopics(requested);
        List<String> created = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Map.Entry<String, KafkaFuture<Void>> entry : result.values().entrySet()) {
            try {
                entry.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                created.add(entry.getKey());
                log.info("Created topic {}", entry.getKey());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    log.debug("Topic {} already exists", entry.getKey());
                } else {
                    throw new IllegalStateException("Cannot create topic " + entry.getKey() + ": " + e.getCause(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("Timed out after " + timeout + " creating topic " + entry.getKey()
                        + " (is the broker reachable?)", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while creating topic " + entry.getKey(), e);
            }
        }
        return List.copyOf(created);
    }
}
