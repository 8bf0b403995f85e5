package io.mlcycle.platform.serde;

import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Deserialises the Confluent Avro wire format, as Confluent's {@code KafkaAvroDeserializer} does: checks the magic
 * byte, fetches the writer schema by id (cached), and decodes into a GenericRecord (writer schema, or resolved into
 * a configured reader schema), a generated SpecificRecord ({@code specific.avro.reader}), or a primitive
 * ({@code String} for "string", raw {@code byte[]} for "bytes"). Null bytes (tombstones) give null. The writer
 * schema may also be named by a Confluent 8.1+ schema-id header (GUID or id) instead of the value prefix.
 *
 * <p>Failures are {@link AvroSerdeException}s whose {@link SerdeFailure} tells bad records
 * ({@link BadMagicByteException}, {@link UnknownSchemaIdException}, {@link TruncatedRecordException},
 * {@link SchemaMismatchException}, malformed data) from registry outages.
 *
 * @param <T> the value type
 */
public class ConfluentAvroDeserializer<T> implements Deserializer<T> {

    private volatile AvroWireCodec codec;

    /** For Kafka clients that instantiate it from a class name; {@link #configure} must follow. */
    public ConfluentAvroDeserializer() {
    }

    /** A value deserializer. */
    public ConfluentAvroDeserializer(SchemaRegistryClient registry, AvroSerdeConfig config) {
        this(registry, config, false);
    }

    public ConfluentAvroDeserializer(SchemaRegistryClient registry, AvroSerdeConfig config, boolean isKey) {
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
    public T deserialize(String topic, byte[] data) {
        return deserialize(topic, null, data);
    }

    /**
     * As Confluent's 8.1+ deserializer: a {@code __value_schema_id} / {@code __key_schema_id} header (schema GUID
     * or id) takes precedence over the payload prefix, so records from producers using Confluent's
     * {@code HeaderSchemaIdSerializer} are read too.
     */
    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(String topic, Headers headers, byte[] data) {
        AvroWireCodec current = codec;
        if (current == null) {
            throw new IllegalStateException("ConfluentAvroDeserializer is not configured: call configure(...) "
                    + "or use the constructor taking a SchemaRegistryClient");
        }
        return (T) current.deserialize(topic, headers, data);
    }
}
