package io.mlcycle.platform.serde;

import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serialises Avro values (SpecificRecord, GenericRecord, enums/fixed/arrays, or Boolean/Integer/Long/Float/Double/
 * String/byte[]) in the Confluent wire format, byte for byte as Confluent's {@code KafkaAvroSerializer} does.
 *
 * <p>Programmatic use (mlcycle services): {@code new ConfluentAvroSerializer<>(registry, config, isKey)}. Plain Kafka
 * clients: configure {@code value.serializer=io.mlcycle.platform.serde.ConfluentAvroSerializer} and Confluent's
 * properties ({@code schema.registry.url}, {@code auto.register.schemas}, ...); see {@link AvroSerdeConfig}.
 *
 * @param <T> the value type
 */
public class ConfluentAvroSerializer<T> implements Serializer<T> {

    private volatile AvroWireCodec codec;

    /** For Kafka clients that instantiate it from a class name; {@link #configure} must follow. */
    public ConfluentAvroSerializer() {
    }

    /** A value serializer. */
    public ConfluentAvroSerializer(SchemaRegistryClient registry, AvroSerdeConfig config) {
        this(registry, config, false);
    }

    public ConfluentAvroSerializer(SchemaRegistryClient registry, AvroSerdeConfig config, boolean isKey) {
        this.codec = new AvroWireCodec(registry, config, isKey);
    }

    /**
     * Configures from Confluent property names. An instance built with a registry client keeps that client and
     * only takes {@code isKey}; otherwise a {@link RestSchemaRegistryClient} is made from {@code schema.registry.url}.
     */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.codec = AvroWireCodec.configured(codec, configs, isKey);
    }

    AvroWireCodec codec() {
        return codec;
    }

    void useCodec(AvroWireCodec shared) {
        this.codec = shared;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        return requireCodec().serialize(topic, data);
    }

    private AvroWireCodec requireCodec() {
        AvroWireCodec current = codec;
        if (current == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " is not configured: call configure(...) "
                    + "or use the constructor taking a SchemaRegistryClient");
        }
        return current;
    }
}
