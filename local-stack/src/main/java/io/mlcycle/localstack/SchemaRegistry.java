package io.mlcycle.localstack;

import io.mlcycle.schemas.compat.AvroCompatibility;
import io.mlcycle.schemas.compat.CompatibilityLevel;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The registry's semantics, independent of HTTP: subjects, versions, global ids, soft and
 * permanent deletes, compatibility levels and checks, as Confluent's Schema Registry defines them.
 *
 * <p>State lives in memory and is rebuilt from the record log at start. Every change is first
 * written to the log (and acknowledged) and only then applied, through the same {@link #apply}
 * path the replay uses; so a failed write changes nothing and a read after a successful write sees
 * it. Operations are serialised, which keeps id and version allocation simple and exact.
 *
 * <p>Only AVRO is supported; schema references are refused.
 */
final class SchemaRegistry {

    /** Where changes are written before they are applied; a null value deletes the key. */
    interface RecordSink {
        void append(String key, String value);
    }

    /** One registered version of a subject. */
    record SchemaVersion(String subject, int version, int id, String schema, boolean deleted) {
        /** Confluent's content-addressed schema GUID (see {@link SchemaRegistry#guidOf}). */
        String guid() {
            return guidOf(schema);
        }
    }

    /** Which versions a listing returns: Confluent's {@code deleted} / {@code deletedOnly} query flags. */
    enum Filter {
        LIVE, INCLUDE_DELETED, DELETED_ONLY;

        static Filter of(boolean deleted, boolean deletedOnly) {
            return deletedOnly ? DELETED_ONLY : deleted ? INCLUDE_DELETED : LIVE;
        }

        boolean accepts(SchemaVersion v) {
            return switch (this) {
                case LIVE -> !v.deleted();
                case INCLUDE_DELETED -> true;
                case DELETED_ONLY -> v.deleted();
            };
        }
    }

    /**
     * What a registration request asks for besides the schema: Confluent's optional {@code id} and
     * {@code version} fields (null when absent or non-positive, as Confluent reads them).
     */
    record RegisterOptions(Integer id, Integer version) {
        static final RegisterOptions NONE = new RegisterOptions(null, null);
    }

    static final String AVRO = "AVRO";
    static final int LATEST = -1;

    private static final Logger log = LoggerFactory.getLogger(SchemaRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, NavigableMap<Integer, SchemaVersion>> subjects = new TreeMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel;
    private int maxId;
    private RecordSink sink = (key, value) -> {
        throw new IllegalStateException("The schema registry is still replaying its log");
    };

    /** Connects the writer once the replay is complete. */
    synchronized void attach(RecordSink recordSink) {
        this.sink = recordSink;
    }

    // ---------------------------------------------------------------- log records

    /** Applies one log record (replay and live writes alike); unknown or malformed records are skipped. */
    synchronized void apply(String key, String value) {
        JsonNode keyNode;
        try {
            keyNode = JSON.readTree(key);
        } catch (JsonProcessingException e) {
            log.warn("Skipping a schema log record with an unreadable key: {}", e.getOriginalMessage());
            return;
        }
        String keyType = keyNode.path("keytype").asText("");
        try {
            switch (keyType) {
                case "SCHEMA" -> applySchema(keyNode, value);
                case "CONFIG" -> applyConfig(keyNode, value);
                default -> log.debug("Ignoring schema log record of type {}", keyType);
            }
        } catch (JsonProcessingException | RuntimeException e) {
            log.warn("Skipping a malformed schema log record {}: {}", key, e.toString());
        }
    }

    private void applySchema(JsonNode keyNode, String value) throws JsonProcessingException {
        String subject = keyNode.path("subject").asText();
        int version = keyNode.path("version").asInt();
        if (value == null) {
            NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
            if (versions != null) {
                versions.remove(version);
                if (versions.isEmpty()) {
                    subjects.remove(subject);
                }
            }
            return;
        }
        JsonNode v = JSON.readTree(value);
        SchemaVersion schemaVersion = new SchemaVersion(subject, version, v.path("id").asInt(),
                v.path("schema").asText(), v.path("deleted").asBoolean(false));
        subjects.computeIfAbsent(subject, s -> new TreeMap<>()).put(version, schemaVersion);
        maxId = Math.max(maxId, schemaVersion.id());
    }

    private void applyConfig(JsonNode keyNode, String value) throws JsonProcessingException {
        JsonNode subjectNode = keyNode.get("subject");
        String subject = subjectNode == null || subjectNode.isNull() ? null : subjectNode.asText();
        CompatibilityLevel level = value == null ? null
                : CompatibilityLevel.fromName(JSON.readTree(value).path("compatibilityLevel").asText(null)).orElse(null);
        if (subject == null) {
            globalLevel = level;
        } else if (level == null) {
            subjectLevels.remove(subject);
        } else {
            subjectLevels.put(subject, level);
        }
    }

    private void write(String key, String value) {
        try {
            sink.append(key, value);
        } catch (KafkaSchemaLog.WriteTimeoutException e) {
            log.warn("Schema registry write timed out: {}", e.getMessage());
            throw RegistryError.operationTimeout("Operation timed out while writing to the Kafka store");
        } catch (RuntimeException e) {
            log.warn("Schema registry write failed: {}", e.toString());
            throw RegistryError.storeError("Operation failed while writing to the Kafka store");
        }
        apply(key, value);
    }

    private void writeSchema(SchemaVersion v) {
        write(schemaKey(v.subject(), v.version()), json(orderedMap(
                "subject", v.subject(), "version", v.version(), "id", v.id(),
                "schema", v.schema(), "deleted", v.deleted())));
    }

    private void deleteSchemaRecord(SchemaVersion v) {
        write(schemaKey(v.subject(), v.version()), null);
    }

    private void writeConfig(String subject, CompatibilityLevel level) {
        write(configKey(subject), level == null ? null : json(orderedMap("compatibilityLevel", level.name())));
    }

    private static String schemaKey(String subject, int version) {
        return json(orderedMap("keytype", "SCHEMA", "subject", subject, "version", version, "magic", 1));
    }

    private static String configKey(String subject) {
        return subject == null
                ? json(orderedMap("keytype", "CONFIG", "magic", 0))
                : json(orderedMap("keytype", "CONFIG", "subject", subject, "magic", 0));
    }

    // ---------------------------------------------------------------- parsing

    /** Parses an AVRO schema the way registration does, failing with Confluent's 42201 errors. */
    static Schema parse(String schema, String schemaType, List<?> references) {
        String type = schemaType == null ? AVRO : schemaType;
        if (!AVRO.equals(type)) {
            throw RegistryError.invalidSchema("Invalid schema type " + type);
        }
        List<?> refs = references == null ? List.of() : references;
        if (!refs.isEmpty()) {
            throw RegistryError.invalidSchema("Invalid schema " + schema + " with refs " + refs + " of type " + type
                    + ", details: schema references are not supported by the mlcycle local schema registry");
        }
        if (schema == null || schema.isBlank()) {
            throw RegistryError.invalidSchema("Invalid schema " + schema + " with refs [] of type " + type
                    + ", details: the request has no schema");
        }
        try {
            return new Schema.Parser().parse(schema);
        } catch (RuntimeException e) {
            throw RegistryError.invalidSchema("Invalid schema " + schema + " with refs [] of type " + type
                    + ", details: " + e.getMessage());
        }
    }

    /** Confluent's version ids: {@code latest} (any case) is -1, otherwise an int in [1, 2^31-1]. */
    static int parseVersion(String version) {
        String trimmed = version.trim();
        if (trimmed.equalsIgnoreCase("latest")) {
            return LATEST;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(trimmed);
        } catch (NumberFormatException e) {
            throw RegistryError.invalidVersion(version);
        }
        if (parsed <= 0 && parsed != LATEST) {
            throw RegistryError.invalidVersion(String.valueOf(parsed));
        }
        return parsed;
    }

    /**
     * The schema GUID as Confluent computes it for a schema without references, metadata or rules:
     * the 16 bytes of the MD5 of the canonical schema text, read as a UUID. Confluent 8.1+ producers
     * put it in a record header instead of the 4-byte id.
     */
    static String guidOf(String canonicalSchema) {
        try {
            byte[] md5 = java.security.MessageDigest.getInstance("MD5")
                    .digest(canonicalSchema.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(md5);
            return new java.util.UUID(buffer.getLong(), buffer.getLong()).toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every JVM", e);
        }
    }

    // ---------------------------------------------------------------- subjects and versions

    synchronized List<String> subjects(boolean includeDeleted) {
        return subjects(includeDeleted ? Filter.INCLUDE_DELETED : Filter.LIVE, "");
    }

    /** Subjects holding at least one version the filter accepts, whose name starts with {@code prefix}. */
    synchronized List<String> subjects(Filter filter, String prefix) {
        List<String> names = new ArrayList<>();
        subjects.forEach((name, versions) -> {
            if (name.startsWith(prefix) && versions.values().stream().anyMatch(filter::accepts)) {
                names.add(name);
            }
        });
        return names;
    }

    synchronized List<Integer> versions(String subject, boolean includeDeleted) {
        return versions(subject, includeDeleted ? Filter.INCLUDE_DELETED : Filter.LIVE);
    }

    /** Version numbers the filter accepts; 40401 when the subject has none at all (deleted included when asked). */
    synchronized List<Integer> versions(String subject, Filter filter) {
        if (versionsOf(subject, filter != Filter.LIVE).isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        return all(subject).stream().filter(filter::accepts).map(SchemaVersion::version).toList();
    }

    /** A version ({@link #LATEST} for the latest), or 40401/40402. */
    synchronized SchemaVersion version(String subject, int version, boolean includeDeleted) {
        return find(subject, version, includeDeleted).orElseThrow(() -> hasSubject(subject, includeDeleted)
                ? RegistryError.versionNotFound(version)
                : RegistryError.subjectNotFound(subject));
    }

    /**
     * Registers {@code schema} under {@code subject} and returns its global id. An identical schema
     * already live in the subject returns its id without a new version; a schema known under any
     * subject reuses that id. Incompatible schemas are refused with 409.
     */
    synchronized int register(String subject, String schema, String schemaType, List<?> references) {
        return register(subject, schema, schemaType, references, RegisterOptions.NONE).id();
    }

    /**
     * Registration with Confluent's optional request fields. An empty schema re-registers the
     * subject's latest one (Confluent's way of updating metadata, which we do not keep). An explicit
     * {@code id} is only accepted when it is the id the schema already has in this subject: other ids
     * need IMPORT mode, which this registry does not offer (42205, Confluent's message). An explicit
     * {@code version} must be the next one, unless the schema already lives at exactly that version.
     */
    synchronized SchemaVersion register(String subject, String schema, String schemaType, List<?> references,
                                        RegisterOptions options) {
        List<SchemaVersion> live = versionsOf(subject, false);
        if ((schema == null || schema.isBlank()) && (references == null || references.isEmpty())) {
            if (live.isEmpty()) {
                throw RegistryError.invalidSchema("Empty schema");
            }
            schema = live.get(live.size() - 1).schema();
        }
        Schema parsed = parse(schema, schemaType, references);
        String canonical = parsed.toString();
        for (SchemaVersion existing : live) {
            if (existing.schema().equals(canonical)
                    && (options.id() == null || options.id() == existing.id())
                    && (options.version() == null || options.version() == existing.version())) {
                return existing;
            }
        }
        if (options.id() != null) {
            throw RegistryError.operationNotPermitted("Subject " + subject + " is not in import mode");
        }
        List<String> problems = AvroCompatibility.confluentMessages(level(subject), parsed, previous(live));
        if (!problems.isEmpty()) {
            throw RegistryError.incompatibleSchema(subject, problems);
        }
        NavigableMap<Integer, SchemaVersion> all = subjects.get(subject);
        int version = all == null || all.isEmpty() ? 1 : all.lastKey() + 1;
        if (options.version() != null && options.version() != version) {
            throw RegistryError.invalidSchema("Version is not one more than previous version");
        }
        int id = idOf(canonical).orElse(maxId + 1);
        SchemaVersion registered = new SchemaVersion(subject, version, id, canonical, false);
        writeSchema(registered);
        log.info("Registered schema id {} as version {} of subject {}", id, version, subject);
        return registered;
    }

    /** The version of {@code subject} holding exactly this schema; 40401, 40403 or 42201 otherwise. */
    synchronized SchemaVersion lookup(String subject, String schema, String schemaType, List<?> references,
                                      boolean includeDeleted) {
        String canonical = parse(schema, schemaType, references).toString();
        List<SchemaVersion> candidates = versionsOf(subject, includeDeleted);
        for (int i = candidates.size() - 1; i >= 0; i--) {
            if (candidates.get(i).schema().equals(canonical)) {
                return candidates.get(i);
            }
        }
        if (candidates.isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        throw RegistryError.schemaNotFound();
    }

    /** Soft-deletes every live version (and the subject's level), or purges a soft-deleted subject. */
    synchronized List<Integer> deleteSubject(String subject, boolean permanent) {
        List<SchemaVersion> all = versionsOf(subject, true);
        if (all.isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        List<SchemaVersion> live = versionsOf(subject, false);
        if (!permanent) {
            if (live.isEmpty()) {
                throw RegistryError.subjectSoftDeleted(subject);
            }
            for (SchemaVersion v : live) {
                writeSchema(new SchemaVersion(v.subject(), v.version(), v.id(), v.schema(), true));
            }
            if (subjectLevels.containsKey(subject)) {
                writeConfig(subject, null);
            }
            log.info("Soft-deleted subject {} (versions {})", subject, versionNumbers(live));
            return versionNumbers(live);
        }
        if (!live.isEmpty()) {
            throw RegistryError.subjectNotSoftDeleted(subject);
        }
        for (SchemaVersion v : all) {
            deleteSchemaRecord(v);
        }
        log.info("Permanently deleted subject {} (versions {})", subject, versionNumbers(all));
        return versionNumbers(all);
    }

    /** Soft-deletes a live version, or purges a soft-deleted one; returns the version number. */
    synchronized int deleteVersion(String subject, String versionText, boolean permanent) {
        int requested = parseVersion(versionText);
        Optional<SchemaVersion> found = find(subject, requested, requested == LATEST ? permanent : true);
        if (found.isEmpty()) {
            throw hasSubject(subject, true) ? RegistryError.versionNotFound(requested) : RegistryError.subjectNotFound(subject);
        }
        SchemaVersion target = found.get();
        if (!permanent) {
            if (target.deleted()) {
                throw RegistryError.versionSoftDeleted(subject, versionText);
            }
            writeSchema(new SchemaVersion(target.subject(), target.version(), target.id(), target.schema(), true));
            log.info("Soft-deleted version {} of subject {}", target.version(), subject);
        } else {
            if (!target.deleted()) {
                throw RegistryError.versionNotSoftDeleted(subject, String.valueOf(target.version()));
            }
            deleteSchemaRecord(target);
            log.info("Permanently deleted version {} of subject {}", target.version(), subject);
        }
        return target.version();
    }

    // ---------------------------------------------------------------- schemas by id

    /** The schema with this global id, soft-deleted versions included; 40403 "Schema N not found". */
    synchronized String schemaById(int id) {
        return allVersions().filter(v -> v.id() == id).map(SchemaVersion::schema).findFirst()
                .orElseThrow(() -> RegistryError.schemaNotFound(id));
    }

    /** The schema with this GUID, soft-deleted versions included; 40403 "Schema GUID not found". */
    synchronized SchemaVersion schemaByGuid(String guid) {
        return allVersions().filter(v -> v.guid().equalsIgnoreCase(guid)).findFirst()
                .orElseThrow(() -> RegistryError.schemaNotFound(guid));
    }

    /** The highest id ever assigned (0 when none), for Confluent's {@code fetchMaxId}. */
    synchronized int maxId() {
        return maxId;
    }

    synchronized List<SchemaVersion> versionsById(int id, boolean includeDeleted) {
        if (allVersions().noneMatch(v -> v.id() == id)) {
            throw RegistryError.schemaNotFound();
        }
        return allVersions().filter(v -> v.id() == id && (includeDeleted || !v.deleted())).toList();
    }

    /** Live versions of every subject (all versions with {@code includeDeleted}). */
    synchronized List<SchemaVersion> allSchemas(boolean includeDeleted) {
        return allVersions().filter(v -> includeDeleted || !v.deleted()).toList();
    }

    // ---------------------------------------------------------------- compatibility

    synchronized CompatibilityLevel globalLevel() {
        return globalLevel == null ? CompatibilityLevel.DEFAULT : globalLevel;
    }

    synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    /** The level that applies to {@code subject}: its own, else the global one. */
    synchronized CompatibilityLevel level(String subject) {
        return subjectLevel(subject).orElseGet(this::globalLevel);
    }

    synchronized void setGlobalLevel(CompatibilityLevel level) {
        writeConfig(null, level);
    }

    /** Resets the global level to the default; returns the level it had. */
    synchronized CompatibilityLevel resetGlobalLevel() {
        CompatibilityLevel previous = globalLevel();
        if (globalLevel != null) {
            writeConfig(null, null);
        }
        return previous;
    }

    synchronized void setSubjectLevel(String subject, CompatibilityLevel level) {
        writeConfig(subject, level);
    }

    /** Removes the subject's own level; returns it, or 40401 when it had none. */
    synchronized CompatibilityLevel deleteSubjectLevel(String subject) {
        CompatibilityLevel previous = subjectLevels.get(subject);
        if (previous == null) {
            throw RegistryError.subjectNotFound(subject);
        }
        writeConfig(subject, null);
        return previous;
    }

    /**
     * Compatibility problems of {@code schema} against one version ({@link #LATEST} allowed) of the
     * subject at the subject's level; empty when compatible. A missing latest version is compatible.
     */
    synchronized List<String> checkAgainstVersion(String subject, int version, Schema schema) {
        Optional<SchemaVersion> target = find(subject, version, false);
        if (target.isEmpty()) {
            if (version == LATEST) {
                return List.of();
            }
            throw hasSubject(subject, false) ? RegistryError.versionNotFound(version) : RegistryError.subjectNotFound(subject);
        }
        return AvroCompatibility.confluentMessages(level(subject), schema, previous(List.of(target.get())));
    }

    /** The check registration performs: against the latest, or all live versions for transitive levels. */
    synchronized List<String> checkAgainstSubject(String subject, Schema schema) {
        return AvroCompatibility.confluentMessages(level(subject), schema, previous(versionsOf(subject, false)));
    }

    // ---------------------------------------------------------------- helpers

    private Optional<SchemaVersion> find(String subject, int version, boolean includeDeleted) {
        List<SchemaVersion> candidates = versionsOf(subject, includeDeleted);
        if (version == LATEST) {
            return candidates.isEmpty() ? Optional.empty() : Optional.of(candidates.get(candidates.size() - 1));
        }
        return candidates.stream().filter(v -> v.version() == version).findFirst();
    }

    private boolean hasSubject(String subject, boolean includeDeleted) {
        return !versionsOf(subject, includeDeleted).isEmpty();
    }

    private List<SchemaVersion> all(String subject) {
        return versionsOf(subject, true);
    }

    /** Versions of a subject in ascending order. */
    private List<SchemaVersion> versionsOf(String subject, boolean includeDeleted) {
        NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
        if (versions == null) {
            return List.of();
        }
        return versions.values().stream().filter(v -> includeDeleted || !v.deleted()).toList();
    }

    private java.util.stream.Stream<SchemaVersion> allVersions() {
        return subjects.values().stream().flatMap(versions -> versions.values().stream());
    }

    private Optional<Integer> idOf(String canonical) {
        return allVersions().filter(v -> v.schema().equals(canonical)).map(SchemaVersion::id).findFirst();
    }

    private static List<AvroCompatibility.Previous> previous(List<SchemaVersion> versions) {
        List<AvroCompatibility.Previous> previous = new ArrayList<>(versions.size());
        for (SchemaVersion v : versions) {
            previous.add(new AvroCompatibility.Previous(v.version(), new Schema.Parser().parse(v.schema())));
        }
        return previous;
    }

    private static List<Integer> versionNumbers(List<SchemaVersion> versions) {
        return versions.stream().map(SchemaVersion::version).toList();
    }

    /** Subjects that own each id, sorted; used by {@code /schemas/ids/{id}/subjects}. */
    synchronized List<String> subjectsById(int id, boolean includeDeleted) {
        return new ArrayList<>(new TreeSet<>(versionsById(id, includeDeleted).stream().map(SchemaVersion::subject).toList()));
    }

    private static Map<String, Object> orderedMap(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialise a schema log record", e);
        }
    }
}
