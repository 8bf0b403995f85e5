package io.mlcycle.platform.serde;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;

/**
 * Immutable settings of the Confluent-wire-format Avro serde; the same meaning as Confluent's properties of the
 * same names.
 *
 * @param autoRegisterSchemas      register the value's schema on first use ({@code auto.register.schemas}, default true)
 * @param useLatestVersion         write with the subject's latest schema ({@code use.latest.version}, default false)
 * @param keySubjectNameStrategy   subject naming for keys ({@code key.subject.name.strategy}, default TOPIC)
 * @param valueSubjectNameStrategy subject naming for values ({@code value.subject.name.strategy}, default TOPIC)
 * @param specificAvroReader       read into generated classes ({@code specific.avro.reader}, default false)
 * @param specificReaderClass      the generated class to read into; empty means the class named by the writer schema
 *                                 ({@code specific.avro.key.type} / {@code specific.avro.value.type})
 * @param readerSchema             for generic reads, the schema to resolve into; empty means the writer's schema
 *                                 ({@value #READER_SCHEMA_CONFIG}, our addition)
 * @param latestVersionCacheTtl    how long a looked-up latest version is reused ({@code latest.cache.ttl.sec}, default 60 s)
 */
public record AvroSerdeConfig(boolean autoRegisterSchemas,
                              boolean useLatestVersion,
                              SubjectNameStrategy keySubjectNameStrategy,
                              SubjectNameStrategy valueSubjectNameStrategy,
                              boolean specificAvroReader,
                              Optional<Class<? extends SpecificRecord>> specificReaderClass,
                              Optional<Schema> readerSchema,
                              Duration latestVersionCacheTtl) {

    public static final String AUTO_REGISTER_SCHEMAS_CONFIG = "auto.register.schemas";
    public static final String USE_LATEST_VERSION_CONFIG = "use.latest.version";
    public static final String KEY_SUBJECT_NAME_STRATEGY_CONFIG = "key.subject.name.strategy";
    public static final String VALUE_SUBJECT_NAME_STRATEGY_CONFIG = "value.subject.name.strategy";
    public static final String SPECIFIC_AVRO_READER_CONFIG = "specific.avro.reader";
    public static final String SPECIFIC_AVRO_KEY_TYPE_CONFIG = "specific.avro.key.type";
    public static final String SPECIFIC_AVRO_VALUE_TYPE_CONFIG = "specific.avro.value.type";
    public static final String LATEST_CACHE_TTL_CONFIG = "latest.cache.ttl.sec";
    /** Our addition: an Avro schema (JSON) that generic reads resolve into, e.g. the pipeline's data schema. */
    public static final String READER_SCHEMA_CONFIG = "mlcycle.avro.reader.schema";

    public AvroSerdeConfig {
        Objects.requireNonNull(keySubjectNameStrategy, "keySubjectNameStrategy");
        Objects.requireNonNull(valueSubjectNameStrategy, "valueSubjectNameStrategy");
        specificReaderClass = Objects.requireNonNullElse(specificReaderClass, Optional.empty());
        readerSchema = Objects.requireNonNullElse(readerSchema, Optional.empty());
        Objects.requireNonNull(latestVersionCacheTtl, "latestVersionCacheTtl");
        if (specificReaderClass.isPresent() && !specificAvroReader) {
            throw new IllegalArgumentException("a specific reader class requires specificAvroReader=true");
        }
        if (specificAvroReader && readerSchema.isPresent()) {
            throw new IllegalArgumentException("a reader schema applies to generic reads only; "
                    + "for specific reads the generated class's schema is the reader schema");
        }
    }

    /** Confluent's defaults: auto-register, topic name strategy, generic reads. */
    public static AvroSerdeConfig defaults() {
        return new AvroSerdeConfig(true, false, SubjectNameStrategy.TOPIC, SubjectNameStrategy.TOPIC, false,
                Optional.empty(), Optional.empty(), Duration.ofSeconds(60));
    }

    public AvroSerdeConfig withAutoRegisterSchemas(boolean value) {
        return new AvroSerdeConfig(value, useLatestVersion, keySubjectNameStrategy, valueSubjectNameStrategy,
                specificAvroReader, specificReaderClass, readerSchema, latestVersionCacheTtl);
    }

    public AvroSerdeConfig withUseLatestVersion(boolean value) {
        return new AvroSerdeConfig(autoRegisterSchemas, value, keySubjectNameStrategy, valueSubjectNameStrategy,
                specificAvroReader, specificReaderClass, readerSchema, latestVersionCacheTtl);
    }

    public AvroSerdeConfig withKeySubjectNameStrategy(SubjectNameStrategy value) {
        return new AvroSerdeConfig(autoRegisterSchemas, useLatestVersion, value, valueSubjectNameStrategy,
                specificAvroReader, specificReaderClass, readerSchema, latestVersionCacheTtl);
    }

    public AvroSerdeConfig withValueSubjectNameStrategy(SubjectNameStrategy value) {
        return new AvroSerdeConfig(autoRegisterSchemas, useLatestVersion, keySubjectNameStrategy, value,
                specificAvroReader, specificReaderClass, readerSchema, latestVersionCacheTtl);
    }

    /** Reads into the generated class the writer schema names. */
    public AvroSerdeConfig withSpecificAvroReader() {
        return new AvroSerdeConfig(autoRegisterSchemas, useLatestVersion, keySubjectNameStrategy, valueSubjectNameStrategy,
                true, Optional.empty(), Optional.empty(), latestVersionCacheTtl);
    }

    /** Reads into this generated class, resolving any compatible writer schema into its schema. */
    public AvroSerdeConfig withSpecificReaderClass(Class<? extends SpecificRecord> type) {
        return new AvroSerdeConfig(autoRegisterSchemas, useLatestVersion, keySubjectNameStrategy, valueSubjectNameStrategy,
                true, Optional.of(type), Optional.empty(), latestVersionCacheTtl);
    }

    /** Reads GenericRecords resolved into this schema (generic reads). */
    public AvroSerdeConfig withReaderSchema(Schema schema) {
        return new AvroSerdeConfig(autoRegisterSchemas, useLatestVersion, keySubjectNameStrategy, valueSubjectNameStrategy,
                false, Optional.empty(), Optional.of(schema), latestVersionCacheTtl);
    }

    /** Reads GenericRecords with the writer's schema. */
    public AvroSerdeConfig withGenericReader() {
        return new AvroSerdeConfig(autoRegisterSchemas, useLatestVersion, keySubjectNameStrategy, valueSubjectNameStrategy,
                false, Optional.empty(), Optional.empty(), latestVersionCacheTtl);
    }

    public AvroSerdeConfig withLatestVersionCacheTtl(Duration ttl) {
        return new AvroSerdeConfig(autoRegisterSchemas, useLatestVersion, keySubjectNameStrategy, valueSubjectNameStrategy,
                specificAvroReader, specificReaderClass, readerSchema, ttl);
    }

    /** The subject strategy for keys or values. */
    public SubjectNameStrategy subjectNameStrategy(boolean isKey) {
        return isKey ? keySubjectNameStrategy : valueSubjectNameStrategy;
    }

    /**
     * Reads Confluent's serde property names (see the constants); unknown keys are ignored, as Kafka clients pass
     * their whole configuration. Bad values raise Kafka's {@link ConfigException} naming the key.
     */
    public static AvroSerdeConfig fromConfluentProperties(Map<String, ?> props, boolean isKey) {
        AvroSerdeConfig config = defaults()
                .withAutoRegisterSchemas(bool(props, AUTO_REGISTER_SCHEMAS_CONFIG, true))
                .withUseLatestVersion(bool(props, USE_LATEST_VERSION_CONFIG, false))
                .withKeySubjectNameStrategy(strategy(props, KEY_SUBJECT_NAME_STRATEGY_CONFIG))
                .withValueSubjectNameStrategy(strategy(props, VALUE_SUBJECT_NAME_STRATEGY_CONFIG));
        Object ttl = props.get(LATEST_CACHE_TTL_CONFIG);
        if (ttl != null) {
            try {
                long seconds = Long.parseLong(ttl.toString().trim());
                config = config.withLatestVersionCacheTtl(seconds < 0 ? Duration.ofDays(365_000) : Duration.ofSeconds(seconds));
            } catch (NumberFormatException e) {
                throw new ConfigException(LATEST_CACHE_TTL_CONFIG, ttl, "expected a whole number of seconds");
            }
        }
        String typeKey = isKey ? SPECIFIC_AVRO_KEY_TYPE_CONFIG : SPECIFIC_AVRO_VALUE_TYPE_CONFIG;
        Object type = props.get(typeKey);
        boolean specific = bool(props, SPECIFIC_AVRO_READER_CONFIG, false);
        if (type != null && !type.toString().isBlank()) {
            config = config.withSpecificReaderClass(specificClass(typeKey, type));
        } else if (specific) {
            config = config.withSpecificAvroReader();
        }
        Object readerSchemaText = props.get(READER_SCHEMA_CONFIG);
        if (readerSchemaText != null && !readerSchemaText.toString().isBlank()) {
            if (config.specificAvroReader()) {
                throw new ConfigException(READER_SCHEMA_CONFIG, "(schema)",
                        "a reader schema applies to generic reads; remove it or set specific.avro.reader=false");
            }
            Schema schema;
            if (readerSchemaText instanceof Schema s) {
                schema = s;
            } else {
                try {
                    schema = new Schema.Parser().parse(readerSchemaText.toString());
                } catch (SchemaParseException e) {
                    throw new ConfigException(READER_SCHEMA_CONFIG, "(schema)", "not a valid Avro schema: " + e.getMessage());
                }
            }
            config = config.withReaderSchema(schema);
        }
        return config;
    }

    private static boolean bool(Map<String, ?> props, String key, boolean defaultValue) {
        Object value = props.get(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        String text = value.toString().trim().toLowerCase(Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new ConfigException(key, value, "expected true or false");
    }

    private static SubjectNameStrategy strategy(Map<String, ?> props, String key) {
        Object value = props.get(key);
        if (value == null) {
            return SubjectNameStrategy.TOPIC;
        }
        String text = value instanceof Class<?> c ? c.getName() : value.toString();
        try {
            return SubjectNameStrategy.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, value, e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static Class<? extends SpecificRecord> specificClass(String key, Object value) {
        Class<?> type;
        if (value instanceof Class<?> c) {
            type = c;
        } else {
            try {
                ClassLoader loader = Optional.ofNullable(Thread.currentThread().getContextClassLoader())
                        .orElse(AvroSerdeConfig.class.getClassLoader());
                type = Class.forName(value.toString().trim(), false, loader);
            } catch (ClassNotFoundException e) {
                throw new ConfigException(key, value, "class not found on the classpath");
            }
        }
        if (!SpecificRecord.class.isAssignableFrom(type)) {
            throw new ConfigException(key, value, "not a generated Avro class (does not implement SpecificRecord)");
        }
        return (Class<? extends SpecificRecord>) type;
    }
}
