package io.mlcycle.platform.registry;

import io.mlcycle.schemas.compat.AvroCompatibility;
import io.mlcycle.schemas.compat.CompatibilityLevel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;

/**
 * A complete, thread-safe schema registry held in memory, for TopologyTestDriver tests and tools that need no
 * server. Behaves like the Confluent registry: global ids from 1 shared by equal schemas across subjects,
 * idempotent registration, versions from 1 per subject, compatibility checked on register (default BACKWARD),
 * the same exception types as {@link RestSchemaRegistryClient}.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {

    private record Version(int version, int id, Schema schema) {
    }

    private final Object lock = new Object();
    private final Map<String, List<Version>> subjects = new LinkedHashMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, Integer> idsByCanonicalText = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectCompatibility = new HashMap<>();
    private final Map<String, Integer> lastVersionBySubject = new HashMap<>();
    private CompatibilityLevel globalCompatibility = CompatibilityLevel.BACKWARD;
    private int nextId = 1;

    @Override
    public int register(String subject, Schema schema) {
        requireSubject(subject);
        Objects.requireNonNull(schema, "schema");
        synchronized (lock) {
            List<Version> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
            for (Version v : versions) {
                if (sameSchema(v.schema(), schema)) {
                    return v.id();
                }
            }
            List<String> problems = AvroCompatibility.violations(effectiveCompatibility(subject), schema,
                    versions.stream().map(Version::schema).toList());
            if (!problems.isEmpty()) {
                if (versions.isEmpty()) {
                    subjects.remove(subject);
                }
                throw new IncompatibleSchemaException("Schema being registered is incompatible with an earlier schema for subject \""
                        + subject + "\": " + String.join("; ", problems));
            }
            int id = idsByCanonicalText.computeIfAbsent(schema.toString(), text -> nextId++);
            schemasById.putIfAbsent(id, schema);
            // Versions keep rising after a delete, as in the Confluent registry.
            int version = lastVersionBySubject.merge(subject, 1, Integer::sum);
            versions.add(new Version(version, id, schema));
            return id;
        }
    }

    @Override
    public Schema getSchemaById(int id) {
        synchronized (lock) {
            Schema schema = schemasById.get(id);
            if (schema == null) {
                throw new SchemaNotFoundException("Schema " + id + " not found");
            }
            return schema;
        }
    }

    /** GUIDs as Confluent computes them for schemas without references or rules: the MD5 of the canonical text. */
    @Override
    public Schema getSchemaByGuid(String guid) {
        synchronized (lock) {
            return schemasById.values().stream().filter(s -> guidOf(s).equalsIgnoreCase(guid)).findFirst()
                    .orElseThrow(() -> new SchemaNotFoundException("Schema " + guid + " not found"));
        }
    }

    /** The GUID Confluent's registry gives this schema (no references, metadata or rules). */
    public static String guidOf(Schema schema) {
        try {
            byte[] md5 = java.security.MessageDigest.getInstance("MD5")
                    .digest(schema.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(md5);
            return new java.util.UUID(buffer.getLong(), buffer.getLong()).toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every JVM", e);
        }
    }

    @Override
    public SchemaMetadata getLatestSchemaMetadata(String subject) {
        synchronized (lock) {
            List<Version> versions = versionsOf(subject);
            return toMetadata(subject, versions.get(versions.size() - 1));
        }
    }

    @Override
    public SchemaMetadata getSchemaMetadata(String subject, int version) {
        synchronized (lock) {
            List<Version> versions = versionsOf(subject);
            if (version == -1) {
                return toMetadata(subject, versions.get(versions.size() - 1));
            }
            return versions.stream().filter(v -> v.version() == version).findFirst()
                    .map(v -> toMetadata(subject, v))
                    .orElseThrow(() -> new VersionNotFoundException("Version " + version + " not found for subject '" + subject + "'"));
        }
    }

    @Override
    public SchemaMetadata lookup(String subject, Schema schema) {
        Objects.requireNonNull(schema, "schema");
        synchronized (lock) {
            return versionsOf(subject).stream().filter(v -> sameSchema(v.schema(), schema)).findFirst()
                    .map(v -> toMetadata(subject, v))
                    .orElseThrow(() -> new SchemaNotFoundException("Schema " + schema.getFullName()
                            + " is not registered under subject '" + subject + "'"));
        }
    }

    @Override
    public List<String> getAllSubjects() {
        synchronized (lock) {
            return subjects.keySet().stream().sorted().toList();
        }
    }

    @Override
    public List<Integer> getAllVersions(String subject) {
        synchronized (lock) {
            return versionsOf(subject).stream().map(Version::version).toList();
        }
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) {
        requireSubject(subject);
        synchronized (lock) {
            List<Version> versions = subjects.getOrDefault(subject, List.of());
            return AvroCompatibility.violations(effectiveCompatibility(subject), schema,
                    versions.stream().map(Version::schema).toList()).isEmpty();
        }
    }

    @Override
    public void updateCompatibility(String subject, CompatibilityLevel level) {
        Objects.requireNonNull(level, "level");
        synchronized (lock) {
            if (subject == null) {
                globalCompatibility = level;
            } else {
                subjectCompatibility.put(subject, level);
            }
        }
    }

    @Override
    public CompatibilityLevel getCompatibility(String subject) {
        synchronized (lock) {
            return subject == null ? globalCompatibility : effectiveCompatibility(subject);
        }
    }

    @Override
    public List<Integer> deleteSubject(String subject) {
        synchronized (lock) {
            List<Integer> versions = versionsOf(subject).stream().map(Version::version).toList();
            subjects.remove(subject);
            return versions;
        }
    }

    private CompatibilityLevel effectiveCompatibility(String subject) {
        return subjectCompatibility.getOrDefault(subject, globalCompatibility);
    }

    private List<Version> versionsOf(String subject) {
        requireSubject(subject);
        List<Version> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw new SubjectNotFoundException("Subject '" + subject + "' not found.");
        }
        return versions;
    }

    private static SchemaMetadata toMetadata(String subject, Version v) {
        return new SchemaMetadata(v.id(), v.version(), subject, v.schema());
    }

    private static boolean sameSchema(Schema a, Schema b) {
        // Confluent compares the schema's canonical text, so a changed doc makes a new version.
        return a == b || a.toString().equals(b.toString());
    }

    private static void requireSubject(String subject) {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("subject must not be blank");
        }
    }
}
