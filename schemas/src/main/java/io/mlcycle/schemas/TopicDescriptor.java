package io.mlcycle.schemas;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An immutable description of one pipeline topic: its name pattern, the Java types of its key and value, and how
 * it is created (partitions, cleanup policy, retention).
 *
 * <p>The topic's full name is {@code <pipeline>.<suffix>}. The value is either a generated Avro class of this module
 * ({@link ValueFormat#SPECIFIC_AVRO}) or the pipeline's own data record, whose schema comes from the pipeline spec
 * ({@link ValueFormat#PIPELINE_DATA}, value type {@code org.apache.avro.generic.GenericRecord}). Serdes are not held
 * here: {@code platform} builds them from a descriptor, so this module stays free of client configuration.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class TopicDescriptor<K, V> {

    /** How a topic's value is encoded. All values use the Confluent wire format (magic byte, schema id, Avro). */
    public enum ValueFormat {
        /** A generated Avro class from {@code schemas}. */
        SPECIFIC_AVRO,
        /** The pipeline's data record; its schema is derived from the pipeline spec. */
        PIPELINE_DATA
    }

    /** The topic's cleanup policy, as the broker's {@code cleanup.policy}. */
    public enum Cleanup {
        DELETE("delete"),
        COMPACT("compact");

        private final String configValue;

        Cleanup(String configValue) {
            this.configValue = configValue;
        }

        public String configValue() {
            return configValue;
        }
    }

    /** Retention meaning "never delete by age" ({@code retention.ms=-1}): datasets are rebuilt from these offsets. */
    public static final Duration FOREVER = Duration.ofMillis(Long.MAX_VALUE);

    private static final Pattern PIPELINE_NAME = Pattern.compile("^[a-z][a-z0-9-]{0,48}$");

    private final String suffix;
    private final Class<K> keyType;
    private final Class<V> valueType;
    private final ValueFormat valueFormat;
    private final int partitions;
    private final Cleanup cleanup;
    private final Duration retention;
    private final String description;

    TopicDescriptor(String suffix, Class<K> keyType, Class<V> valueType, ValueFormat valueFormat, int partitions,
                    Cleanup cleanup, Duration retention, String description) {
        this.suffix = Objects.requireNonNull(suffix, "suffix");
        this.keyType = Objects.requireNonNull(keyType, "keyType");
        this.valueType = Objects.requireNonNull(valueType, "valueType");
        this.valueFormat = Objects.requireNonNull(valueFormat, "valueFormat");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1 for topic suffix " + suffix);
        }
        this.partitions = partitions;
        this.cleanup = Objects.requireNonNull(cleanup, "cleanup");
        this.retention = retention;
        this.description = Objects.requireNonNull(description, "description");
    }

    /** The full topic name for a pipeline, {@code <pipeline>.<suffix>}. */
    public String name(String pipeline) {
        return requireValidPipelineName(pipeline) + "." + suffix;
    }

    /** Checks a pipeline name against the pattern every topic name relies on; returns it unchanged. */
    public static String requireValidPipelineName(String pipeline) {
        if (pipeline == null || !PIPELINE_NAME.matcher(pipeline).matches()) {
            throw new IllegalArgumentException("Invalid pipeline name '" + pipeline
                    + "': it must match " + PIPELINE_NAME.pattern());
        }
        return pipeline;
    }

    public String suffix() {
        return suffix;
    }

    public Class<K> keyType() {
        return keyType;
    }

    public Class<V> valueType() {
        return valueType;
    }

    public ValueFormat valueFormat() {
        return valueFormat;
    }

    /** Default partition count; topics whose records join by event id share the same count (co-partitioning). */
    public int partitions() {
        return partitions;
    }

    public Cleanup cleanup() {
        return cleanup;
    }

    /** Retention for delete-policy topics; empty means the broker default; compacted topics keep everything. */
    public Optional<Duration> retention() {
        return Optional.ofNullable(retention);
    }

    public String description() {
        return description;
    }

    /** The topic-level broker configs this descriptor implies ({@code cleanup.policy}, {@code retention.ms}). */
    public Map<String, String> topicConfigs() {
        Map<String, String> configs = new TreeMap<>();
        configs.put("cleanup.policy", cleanup.configValue());
        if (retention != null && cleanup == Cleanup.DELETE) {
            configs.put("retention.ms", retention.equals(FOREVER) ? "-1" : Long.toString(retention.toMillis()));
        }
        return Map.copyOf(configs);
    }

    @Override
    public String toString() {
        return "<pipeline>." + suffix + " (" + valueType.getSimpleName() + ", " + partitions + " partitions, "
                + cleanup.configValue() + ")";
    }
}
