package io.mlcycle.platform.registry;

import io.mlcycle.schemas.compat.CompatibilityLevel;
import java.util.List;
import org.apache.avro.Schema;

/**
 * A client of a schema registry speaking the Confluent Schema Registry model: subjects hold numbered versions of
 * schemas, each schema has a registry-wide id.
 *
 * <p>Implementations are thread-safe and cache what never changes (id to schema, subject and schema to id).
 * Failures are {@link SchemaRegistryException}s; the subclasses name the common cases
 * ({@link SubjectNotFoundException}, {@link VersionNotFoundException}, {@link SchemaNotFoundException},
 * {@link IncompatibleSchemaException}, {@link InvalidSchemaException}, {@link RegistryUnreachableException}).
 */
public interface SchemaRegistryClient {

    /** Registers a schema under a subject (idempotent: a schema already there keeps its id) and returns its id. */
    int register(String subject, Schema schema);

    /** The schema with this registry-wide id; {@link SchemaNotFoundException} if there is none. */
    Schema getSchemaById(int id);

    /**
     * The schema with this GUID (Confluent 8.1+ producers may put it in a record header instead of the 4-byte id);
     * {@link SchemaNotFoundException} if there is none. Registries without GUIDs answer not found.
     */
    default Schema getSchemaByGuid(String guid) {
        throw new SchemaNotFoundException("Schema " + guid + " not found: this registry client does not resolve GUIDs");
    }

    /** The latest version of a subject; {@link SubjectNotFoundException} if the subject does not exist. */
    SchemaMetadata getLatestSchemaMetadata(String subject);

    /** One version of a subject; {@link VersionNotFoundException} or {@link SubjectNotFoundException}. */
    SchemaMetadata getSchemaMetadata(String subject, int version);

    /**
     * Finds a schema among a subject's versions without registering it; {@link SchemaNotFoundException} if the
     * subject does not hold it, {@link SubjectNotFoundException} if the subject does not exist.
     */
    SchemaMetadata lookup(String subject, Schema schema);

    /** Every subject, sorted. */
    List<String> getAllSubjects();

    /** The versions of a subject, ascending. */
    List<Integer> getAllVersions(String subject);

    /**
     * Whether the schema may be registered under the subject given its compatibility level; true when the subject
     * has no version yet.
     */
    boolean testCompatibility(String subject, Schema schema);

    /** Sets the compatibility level of a subject, or the global default when {@code subject} is null. */
    void updateCompatibility(String subject, CompatibilityLevel level);

    /** The effective compatibility level of a subject (falling back to the global one), or the global one if null. */
    CompatibilityLevel getCompatibility(String subject);

    /** Deletes a subject and returns the versions it held. */
    List<Integer> deleteSubject(String subject);
}
