package io.mlcycle.platform.serde;

import io.mlcycle.platform.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A {@link Serde} of a {@link ConfluentAvroSerializer} and a {@link ConfluentAvroDeserializer} sharing one registry
 * client and settings; what Kafka Streams topologies pass to {@code Consumed}/{@code Produced}/{@code Materialized}.
 * Closing it does not close the registry client, which the caller owns.
 *
 * @param <T> the value type
 */
public class ConfluentAvroSerde<T> implements Serde<T> {

    private final ConfluentAvroSerializer<T> serializer;
    private final ConfluentAvroDeserializer<T> deserializer;

    /** For Kafka clients that instantiate it from a class name; {@link #configure} must follow. */
    public ConfluentAvroSerde() {
        this.serializer = new ConfluentAvroSerializer<>();
        this.deserializer = new ConfluentAvroDeserializer<>();
    }

    /** A value serde. */
    public ConfluentAvroSerde(SchemaRegistryClient registry, AvroSerdeConfig config) {
        this(registry, config, false);
    }

    public ConfluentAvroSerde(SchemaRegistryClient registry, AvroSerdeConfig config, boolean isKey) {
        this.serializer = new ConfluentAvroSerializer<>(registry, config, isKey);
        this.deserializer = new ConfluentAvroDeserializer<>(registry, config, isKey);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // One codec (and so one registry client and cache) for both directions.
        AvroWireCodec codec = AvroWireCodec.configured(serializer.codec(), configs, isKey);
        serializer.useCodec(codec);
        deserializer.useCodec(codec);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }
}
