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
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
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
                } else if (e.getCause() instanceof TopicAuthorizationException
                        || e.getCause() instanceof ClusterAuthorizationException) {
                    // A secured cluster: topics are created by the operator (compose's topic creator), not services.
                    requireExists(admin, entry.getKey(), deadline);
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

    private static void requireExists(Admin admin, String topic, long deadline) {
        try {
            admin.describeTopics(List.of(topic)).allTopicNames().get(Math.max(0, deadline - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
            log.debug("Topic {} exists (not allowed to create topics here, which is fine)", topic);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Topic " + topic + " does not exist and this principal may not create it; "
                    + "create the pipeline's topics first (compose/create-topics.sh)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while checking topic " + topic, e);
        }
    }

    /**
     * Refuses topics that a join reads together but that have different partition counts: Kafka Streams would
     * otherwise fail at the first rebalance, or records of one key would meet in different tasks.
     *
     * @throws IllegalStateException naming every topic with its partition count
     */
    public static void requireCoPartitioned(Admin admin, Collection<String> topics, Duration timeout) {
        Map<String, org.apache.kafka.clients.admin.TopicDescription> descriptions = null;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (descriptions == null) {
                long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                try {
                    descriptions = admin.describeTopics(topics).allTopicNames().get(left, TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    // Topics created a moment ago may not be in the answering broker's metadata yet: ask again
                    // until the timeout, then name the problem.
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                            || System.nanoTime() >= deadline) {
                        throw new IllegalStateException("Cannot describe topics " + topics + ": " + e.getCause(),
                                e.getCause());
                    }
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Timed out after " + timeout + " describing topics " + topics, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while describing topics " + topics, e);
        }
        Map<String, Integer> partitions = new java.util.LinkedHashMap<>();
        for (String topic : topics) {
            partitions.put(topic, descriptions.get(topic).partitions().size());
        }
        if (partitions.values().stream().distinct().count() > 1) {
            throw new IllegalStateException("Topics " + String.join(", ", partitions.keySet()) + " are joined and must be "
                    + "co-partitioned (the same number of partitions), but they have "
                    + String.join(", ", partitions.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                    + "; give them the same partition count (kafka-topics --alter --partitions N) before starting");
        }
    }
}
