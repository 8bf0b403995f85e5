package io.mlcycle.platform.serde;

import io.mlcycle.schemas.compat.AvroCompatibility;
import io.mlcycle.platform.registry.IncompatibleSchemaException;
import io.mlcycle.platform.registry.RegistryClientSettings;
import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.registry.SchemaMetadata;
import io.mlcycle.platform.registry.SchemaNotFoundException;
import io.mlcycle.platform.registry.SchemaRegistryClient;
import io.mlcycle.platform.registry.SchemaRegistryException;
import io.mlcycle.platform.registry.SubjectNotFoundException;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The Confluent wire format: magic byte 0, the schema id as 4 bytes big-endian, then the Avro binary encoding of the
 * value with the writer's schema; {@code byte[]}/{@code ByteBuffer} values ("bytes" schema) are written raw, without an
 * Avro length prefix, exactly as Confluent's serializer does. Thread-safe; shared by the serializer and deserializer.
 */
final class AvroWireCodec {

    static final byte MAGIC_BYTE = 0x0;
    static final int HEADER_SIZE = 5;
    /** Confluent 8.1+ record headers carrying the schema id instead of the value prefix. */
    static final String KEY_SCHEMA_ID_HEADER = "__key_schema_id";
    static final String VALUE_SCHEMA_ID_HEADER = "__value_schema_id";
    static final byte HEADER_GUID_VERSION = 0x1;
    static final int GUID_SIZE = 16;

    private static final Map<Class<?>, Schema> PRIMITIVE_SCHEMAS = Map.of(
            Boolean.class, Schema.create(Schema.Type.BOOLEAN),
            Integer.class, Schema.create(Schema.Type.INT),
            Long.class, Schema.create(Schema.Type.LONG),
            Float.class, Schema.create(Schema.Type.FLOAT),
            Double.class, Schema.create(Schema.Type.DOUBLE),
            String.class, Schema.create(Schema.Type.STRING),
            byte[].class, Schema.create(Schema.Type.BYTES));
    private static final Schema STRING_SCHEMA = Schema.create(Schema.Type.STRING);
    private static final Schema BYTES_SCHEMA = Schema.create(Schema.Type.BYTES);

    private record SubjectSchema(String subject, Schema schema) {
    }

    private record WriterKey(Schema schema, boolean specific) {
    }

    /** The subject and registered id of one writer schema on one topic (when not writing the latest version). */
    private record TopicSchema(String topic, Schema schema) {
    }

    private record Resolved(String subject, int id) {
    }

    /**
     * A resolved writer schema found by identity: the maps above compare schemas with {@code Schema.equals}, which walks
     * every field and property whenever the record's schema is an equal but distinct instance (a spec's data schema is
     * built anew by every {@code dataSchema()} call, e.g. once per topology), and that deep walk was a tenth of
     * validation's stream thread. Records of one stream carry the same schema instance, so a handful of recent
     * (topic, schema instance) pairs answers nearly every lookup with reference comparisons.
     */
    private record Hot(String topic, Schema schema, boolean specific, Resolved resolved, DatumWriter<Object> writer) {
    }

    /** At most this many {@link Hot} entries per codec: a bounded cache however many schema instances pass through. */
    private static final int HOT_ENTRIES = 8;

    /**
     * A reusable, unsynchronised output buffer per thread: serialising many small records then costs one copy each
     * ({@link #toByteArray}) instead of a growing {@code ByteArrayOutputStream} and a new encoder per record.
     */
    private static final class Output extends java.io.OutputStream {
        private static final int KEEP_AT_MOST = 1 << 20;
        byte[] buffer = new byte[1024];
        int count;
        BinaryEncoder encoder;

        @Override
        public void write(int b) {
            ensure(1);
            buffer[count++] = (byte) b;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            ensure(length);
            System.arraycopy(bytes, offset, buffer, count, length);
            count += length;
        }

        private void ensure(int more) {
            if (count + more > buffer.length) {
                buffer = java.util.Arrays.copyOf(buffer, Math.max(buffer.length * 2, count + more));
            }
        }

        byte[] toByteArray() {
            return java.util.Arrays.copyOf(buffer, count);
        }

        /** Drops a buffer grown by one huge record, so a thread does not keep it. */
        void release() {
            count = 0;
            if (buffer.length > KEEP_AT_MOST) {
                buffer = new byte[1024];
            }
        }
    }

    private static final ThreadLocal<Output> OUTPUT = ThreadLocal.withInitial(Output::new);

    private record TimedMetadata(SchemaMetadata metadata, long fetchedAtNanos) {
    }

    /** How to read one writer schema id: a ready reader, or why it cannot be read. */
    private record ReadPlan(DatumReader<Object> reader, String mismatch) {
    }

    private final SchemaRegistryClient registry;
    private final AvroSerdeConfig config;
    private final boolean isKey;
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();
    private final Map<WriterKey, DatumWriter<Object>> writers = new ConcurrentHashMap<>();
    private final Map<TopicSchema, Resolved> resolvedByTopicSchema = new ConcurrentHashMap<>();
    /** Keyed by the writer's schema id (Integer) or {@code "guid:<GUID>"}. */
    private final Map<Object, ReadPlan> readPlans = new ConcurrentHashMap<>();
    private final Map<String, TimedMetadata> latestBySubject = new ConcurrentHashMap<>();
    /** Copy-on-write, never longer than {@link #HOT_ENTRIES}; a lost race only costs a slow lookup. */
    private volatile Hot[] hot = new Hot[0];

    AvroWireCodec(SchemaRegistryClient registry, AvroSerdeConfig config, boolean isKey) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.config = Objects.requireNonNull(config, "config");
        this.isKey = isKey;
    }

    /**
     * The codec a {@code configure(configs, isKey)} call yields: an existing (programmatically built) codec keeps its
     * registry and settings and only takes {@code isKey}; otherwise one is built from Confluent property names.
     */
    static AvroWireCodec configured(AvroWireCodec existing, Map<String, ?> configs, boolean isKey) {
        if (existing != null) {
            return existing.isKey == isKey ? existing : new AvroWireCodec(existing.registry, existing.config, isKey);
        }
        try {
            SchemaRegistryClient registry = new RestSchemaRegistryClient(RegistryClientSettings.fromConfluentProperties(configs));
            return new AvroWireCodec(registry, AvroSerdeConfig.fromConfluentProperties(configs, isKey), isKey);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    AvroSerdeConfig config() {
        return config;
    }

    boolean isKey() {
        return isKey;
    }

    // ---------------------------------------------------------------- serialise

    byte[] serialize(String topic, Object value) {
        if (value == null) {
            return null;
        }
        Schema schema = schemaOf(topic, value);
        Object datum = value;
        Schema writeSchema = schema;
        String subject;
        int id;
        DatumWriter<Object> writer = null;
        if (config.useLatestVersion()) {
            subject = config.subjectNameStrategy(isKey).subjectName(topic, isKey, schema);
            SchemaMetadata latest = latestVersion(topic, subject);
            if (!latest.schema().equals(schema)) {
                datum = convertToLatest(topic, subject, value, schema, latest);
                writeSchema = latest.schema();
            }
            id = latest.id();
        } else {
            boolean specific = value instanceof SpecificRecord;
            Hot found = hot(topic, schema, specific);
            if (found == null) {
                TopicSchema key = new TopicSchema(topic, schema);
                Resolved resolved = resolvedByTopicSchema.get(key);
                if (resolved == null) {
                    String name = config.subjectNameStrategy(isKey).subjectName(topic, isKey, schema);
                    resolved = new Resolved(name, schemaId(topic, name, schema));
                    resolvedByTopicSchema.putIfAbsent(key, resolved);
                }
                found = remember(new Hot(topic, schema, specific, resolved,
                        value instanceof byte[] || value instanceof ByteBuffer ? null : writer(schema, specific)));
            }
            subject = found.resolved().subject();
            id = found.resolved().id();
            writer = found.writer();
        }
        Output out = OUTPUT.get();
        out.count = 0;
        try {
            out.write(MAGIC_BYTE);
            out.write(id >>> 24);
            out.write(id >>> 16);
            out.write(id >>> 8);
            out.write(id);
            if (datum instanceof byte[] bytes) {
                out.write(bytes, 0, bytes.length);
            } else if (datum instanceof ByteBuffer buffer) {
                ByteBuffer view = buffer.duplicate();
                byte[] bytes = new byte[view.remaining()];
                view.get(bytes);
                out.write(bytes, 0, bytes.length);
            } else {
                writeAvro(topic, subject, datum, writeSchema, out, writer);
            }
            return out.toByteArray();
        } finally {
            out.release();
        }
    }

    /** The matching {@link Hot} entry, by reference to {@code schema}, or null. */
    private Hot hot(String topic, Schema schema, boolean specific) {
        for (Hot h : hot) {
            if (h.schema() == schema && h.specific() == specific && Objects.equals(h.topic(), topic)) {
                return h;
            }
        }
        return null;
    }

    /** Puts {@code entry} first; the oldest entry falls out once there are {@link #HOT_ENTRIES}. */
    private Hot remember(Hot entry) {
        Hot[] current = hot;
        Hot[] next = new Hot[Math.min(current.length + 1, HOT_ENTRIES)];
        next[0] = entry;
        System.arraycopy(current, 0, next, 1, next.length - 1);
        hot = next;
        return entry;
    }

    private DatumWriter<Object> writer(Schema writeSchema, boolean specific) {
        return writers.computeIfAbsent(new WriterKey(writeSchema, specific),
                key -> writerFor(key.schema(), key.specific()));
    }

    private void writeAvro(String topic, String subject, Object datum, Schema writeSchema, java.io.OutputStream out) {
        writeAvro(topic, subject, datum, writeSchema, out, null);
    }

    /** {@code known}: the writer for {@code writeSchema} when the caller has it, else null to look it up. */
    private void writeAvro(String topic, String subject, Object datum, Schema writeSchema, java.io.OutputStream out,
                           DatumWriter<Object> known) {
        DatumWriter<Object> writer = known != null ? known : writer(writeSchema, datum instanceof SpecificRecord);
        BinaryEncoder encoder;
        if (out instanceof Output reusable) {
            // Buffered, bound to this thread's Output for good: a record's many small writes (a branch index, a
            // double) go to the encoder's array, and flush() hands them to the Output in one copy.
            if (reusable.encoder == null) {
                reusable.encoder = EncoderFactory.get().binaryEncoder(reusable, null);
            }
            encoder = reusable.encoder;
        } else {
            encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        }
        boolean written = false;
        try {
            writer.write(datum, encoder);
            encoder.flush();
            written = true;
        } catch (IOException | RuntimeException e) {
            throw new AvroSerdeException(SerdeFailure.INVALID_VALUE, topic, "Cannot serialise " + side() + " of type "
                    + writeSchema.getFullName() + " for topic '" + topic + "' (subject '" + subject + "'): "
                    + e.getMessage(), e);
        } finally {
            if (!written && out instanceof Output reusable) {
                reusable.encoder = null; // it may hold part of the failed record
            }
        }
    }

    private static DatumWriter<Object> writerFor(Schema schema, boolean specific) {
        DatumWriter<Object> flat = FlatRecordWriter.of(schema, specific);
        if (flat != null) {
            return flat;
        }
        return specific ? new SpecificDatumWriter<>(schema) : new GenericDatumWriter<>(schema);
    }

    private int schemaId(String topic, String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        int id;
        try {
            if (config.autoRegisterSchemas()) {
                id = registry.register(subject, schema);
            } else {
                id = registry.lookup(subject, schema).id();
            }
        } catch (SubjectNotFoundException | SchemaNotFoundException e) {
            throw new SchemaNotRegisteredException(topic, "Schema of record " + schema.getFullName()
                    + " is not registered under subject '" + subject + "' (topic '" + topic
                    + "') and auto.register.schemas is false; register it first: " + e.getMessage(), e);
        } catch (IncompatibleSchemaException e) {
            throw new AvroSerdeException(SerdeFailure.INCOMPATIBLE_SCHEMA, topic, "The registry refused schema "
                    + schema.getFullName() + " for subject '" + subject + "' (topic '" + topic + "'): " + e.getMessage(), e);
        } catch (SchemaRegistryException e) {
            throw registryError(topic, "registering/looking up the schema of " + schema.getFullName()
                    + " under subject '" + subject + "'", e);
        }
        idsBySubjectSchema.putIfAbsent(key, id);
        return id;
    }

    private SchemaMetadata latestVersion(String topic, String subject) {
        TimedMetadata cached = latestBySubject.get(subject);
        long now = System.nanoTime();
        if (cached != null && now - cached.fetchedAtNanos() < config.latestVersionCacheTtl().toNanos()) {
            return cached.metadata();
        }
        try {
            SchemaMetadata latest = registry.getLatestSchemaMetadata(subject);
            latestBySubject.put(subject, new TimedMetadata(latest, now));
            return latest;
        } catch (SubjectNotFoundException e) {
            throw new SchemaNotRegisteredException(topic, "use.latest.version is set but subject '" + subject
                    + "' (topic '" + topic + "') has no registered version", e);
        } catch (SchemaRegistryException e) {
            throw registryError(topic, "fetching the latest version of subject '" + subject + "'", e);
        }
    }

    /** Re-encodes a value written with its own schema as a datum of the subject's latest schema (Avro resolution). */
    private Object convertToLatest(String topic, String subject, Object value, Schema own, SchemaMetadata latest) {
        String incompatibility = AvroCompatibility.explain(latest.schema(), own);
        if (incompatibility != null) {
            throw new SchemaMismatchException(topic, "use.latest.version: " + side() + " of type " + own.getFullName()
                    + " cannot be written as version " + latest.version() + " (id " + latest.id() + ") of subject '"
                    + subject + "' for topic '" + topic + "': " + incompatibility);
        }
        if (value instanceof byte[] || value instanceof ByteBuffer) {
            return value;
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        writeAvro(topic, subject, value, own, buffer);
        try {
            return new GenericDatumReader<>(own, latest.schema())
                    .read(null, DecoderFactory.get().binaryDecoder(buffer.toByteArray(), null));
        } catch (IOException | RuntimeException e) {
            throw new SchemaMismatchException(topic, "use.latest.version: cannot convert " + own.getFullName()
                    + " to version " + latest.version() + " of subject '" + subject + "': " + e.getMessage(), e);
        }
    }

    private Schema schemaOf(String topic, Object value) {
        if (value instanceof GenericContainer container) {
            return container.getSchema();
        }
        if (value instanceof CharSequence) {
            return STRING_SCHEMA;
        }
        if (value instanceof ByteBuffer) {
            return BYTES_SCHEMA;
        }
        Schema primitive = PRIMITIVE_SCHEMAS.get(value.getClass());
        if (primitive == null) {
            throw new AvroSerdeException(SerdeFailure.UNSUPPORTED_TYPE, topic, "Cannot serialise a "
                    + value.getClass().getName() + " as Avro for topic '" + topic
                    + "': expected an Avro record (SpecificRecord/GenericRecord), enum, fixed, array, or one of "
                    + "Boolean, Integer, Long, Float, Double, String, byte[]");
        }
        return primitive;
    }

    // ---------------------------------------------------------------- deserialise

    Object deserialize(String topic, byte[] data) {
        return deserialize(topic, null, data);
    }

    /**
     * Reads a record the way Confluent's 8.1+ deserializer does ({@code DualSchemaIdDeserializer}): a
     * {@code __value_schema_id} / {@code __key_schema_id} header, when present, identifies the writer schema
     * (version byte 1 and a 16-byte GUID, or version byte 0 and a 4-byte id) and the value is plain Avro binary;
     * otherwise the value starts with the classic prefix, magic byte 0 and the 4-byte id.
     */
    Object deserialize(String topic, Headers headers, byte[] data) {
        if (data == null) {
            return null;
        }
        Header idHeader = headers == null ? null : headers.lastHeader(isKey ? KEY_SCHEMA_ID_HEADER : VALUE_SCHEMA_ID_HEADER);
        if (idHeader != null && idHeader.value() != null) {
            return deserializeWithHeaderId(topic, idHeader, data);
        }
        if (data.length == 0) {
            throw new TruncatedRecordException(topic, "Record for topic '" + topic + "' (" + side()
                    + ") is truncated: 0 bytes, the Confluent header alone needs " + HEADER_SIZE);
        }
        if (data[0] != MAGIC_BYTE) {
            throw new BadMagicByteException(topic, "Unknown magic byte " + data[0] + " in " + side() + " of topic '"
                    + topic + "' (expected " + MAGIC_BYTE + ": not Confluent Avro wire format, " + data.length + " bytes)");
        }
        if (data.length < HEADER_SIZE) {
            throw new TruncatedRecordException(topic, "Record for topic '" + topic + "' (" + side() + ") is truncated: "
                    + data.length + " bytes, the Confluent header alone needs " + HEADER_SIZE);
        }
        int id = ByteBuffer.wrap(data, 1, 4).getInt();
        return decode(topic, id, "schema id " + id, writerSchema(topic, id), data, HEADER_SIZE);
    }

    private Object deserializeWithHeaderId(String topic, Header header, byte[] data) {
        byte[] value = header.value();
        String headerName = header.key();
        if (value.length >= 1 + GUID_SIZE && value[0] == HEADER_GUID_VERSION) {
            ByteBuffer buffer = ByteBuffer.wrap(value, 1, GUID_SIZE);
            String guid = new UUID(buffer.getLong(), buffer.getLong()).toString();
            return decode(topic, "guid:" + guid, "schema GUID " + guid, writerSchemaByGuid(topic, guid), data, 0);
        }
        if (value.length >= HEADER_SIZE && value[0] == MAGIC_BYTE) {
            int id = ByteBuffer.wrap(value, 1, 4).getInt();
            return decode(topic, id, "schema id " + id, writerSchema(topic, id), data, 0);
        }
        throw new BadMagicByteException(topic, "Unreadable schema id header '" + headerName + "' on " + side()
                + " of topic '" + topic + "': " + value.length + " bytes starting with "
                + (value.length == 0 ? "nothing" : "version byte " + value[0])
                + " (expected 1 + a 16-byte GUID, or 0 + a 4-byte id)");
    }

    /** Decodes the Avro body that starts at {@code offset}; {@code planKey} caches the reader per writer schema. */
    private Object decode(String topic, Object planKey, String idText, Schema writer, byte[] data, int offset) {
        int length = data.length - offset;
        if (writer.getType() == Schema.Type.BYTES) {
            byte[] bytes = new byte[length];
            System.arraycopy(data, offset, bytes, 0, length);
            return bytes;
        }
        ReadPlan plan = readPlans.computeIfAbsent(planKey, ignored -> planRead(writer));
        if (plan.mismatch() != null) {
            throw new SchemaMismatchException(topic, "Cannot read " + side() + " of topic '" + topic + "' written with "
                    + idText + " (" + writer.getFullName() + "): " + plan.mismatch());
        }
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, offset, length, null);
        Object result;
        try {
            result = plan.reader().read(null, decoder);
        } catch (EOFException e) {
            throw new TruncatedRecordException(topic, "Record for topic '" + topic + "' (" + side() + ", " + idText
                    + ", " + writer.getFullName() + ") is truncated: the Avro datum ends early (" + length + " body bytes)", e);
        } catch (AvroTypeException e) {
            throw new SchemaMismatchException(topic, "Cannot resolve " + side() + " of topic '" + topic + "' written with "
                    + idText + " (" + writer.getFullName() + "): " + e.getMessage(), e);
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException
                 | ClassCastException | IllegalArgumentException e) {
            throw new AvroSerdeException(SerdeFailure.MALFORMED_RECORD, topic, "Malformed Avro " + side() + " in topic '"
                    + topic + "' (" + idText + ", " + writer.getFullName() + "): " + e, e);
        } catch (OutOfMemoryError e) {
            // A corrupt length prefix can ask for a huge allocation; that is the record's fault, not the heap's.
            throw new AvroSerdeException(SerdeFailure.MALFORMED_RECORD, topic, "Malformed Avro " + side() + " in topic '"
                    + topic + "' (" + idText + "): a length prefix is impossibly large", null);
        }
        if (writer.getType() == Schema.Type.STRING && result instanceof CharSequence text) {
            return text.toString();
        }
        return result;
    }

    private Schema writerSchemaByGuid(String topic, String guid) {
        try {
            return registry.getSchemaByGuid(guid);
        } catch (SchemaNotFoundException e) {
            throw new UnknownSchemaIdException(topic, "Unknown schema GUID " + guid + " in the schema id header of "
                    + side() + " of topic '" + topic + "': the registry has no such schema", e);
        } catch (SchemaRegistryException e) {
            throw registryError(topic, "fetching schema GUID " + guid, e);
        }
    }

    private Schema writerSchema(String topic, int id) {
        try {
            return registry.getSchemaById(id);
        } catch (SchemaNotFoundException e) {
            throw new UnknownSchemaIdException(topic, "Unknown schema id " + id + " in " + side() + " of topic '" + topic
                    + "': the registry has no such schema", e);
        } catch (SchemaRegistryException e) {
            throw registryError(topic, "fetching schema id " + id, e);
        }
    }

    private ReadPlan planRead(Schema writer) {
        boolean primitive = writer.getType() != Schema.Type.RECORD && writer.getType() != Schema.Type.ENUM
                && writer.getType() != Schema.Type.FIXED;
        if (config.specificAvroReader() && !(primitive && config.specificReaderClass().isEmpty())) {
            Class<?> type;
            if (config.specificReaderClass().isPresent()) {
                type = config.specificReaderClass().get();
            } else {
                Optional<Class<?>> named = generatedClassFor(writer);
                if (named.isEmpty()) {
                    return new ReadPlan(null, "no generated class " + SpecificData.getClassName(writer)
                            + " on the classpath for specific.avro.reader");
                }
                type = named.get();
            }
            SpecificData data = SpecificData.getForClass(type);
            Schema reader = data.getSchema(type);
            String mismatch = incompatibility(reader, writer);
            return mismatch != null ? new ReadPlan(null, mismatch)
                    : new ReadPlan(new SpecificDatumReader<>(writer, reader, data), null);
        }
        if (config.readerSchema().isPresent()) {
            Schema reader = config.readerSchema().get();
            String mismatch = incompatibility(reader, writer);
            return mismatch != null ? new ReadPlan(null, mismatch) : new ReadPlan(new GenericDatumReader<>(writer, reader), null);
        }
        return new ReadPlan(new GenericDatumReader<>(writer), null);
    }

    private static String incompatibility(Schema reader, Schema writer) {
        String why = AvroCompatibility.explain(reader, writer);
        return why == null ? null : "reader schema " + reader.getFullName() + " cannot read it: " + why;
    }

    private static Optional<Class<?>> generatedClassFor(Schema writer) {
        String className = SpecificData.getClassName(writer);
        for (ClassLoader loader : new ClassLoader[] {Thread.currentThread().getContextClassLoader(),
                AvroWireCodec.class.getClassLoader()}) {
            if (loader == null) {
                continue;
            }
            try {
                Class<?> type = Class.forName(className, true, loader);
                if (SpecificRecord.class.isAssignableFrom(type) || type.isEnum()
                        || org.apache.avro.generic.GenericFixed.class.isAssignableFrom(type)) {
                    return Optional.of(type);
                }
            } catch (ClassNotFoundException | LinkageError e) {
                // try the next loader
            }
        }
        return Optional.empty();
    }

    private AvroSerdeException registryError(String topic, String action, SchemaRegistryException e) {
        return new AvroSerdeException(SerdeFailure.REGISTRY_ERROR, topic, "Schema registry failure while " + action
                + " for topic '" + topic + "': " + e.getMessage(), e);
    }

    private String side() {
        return isKey ? "key" : "value";
    }
}
