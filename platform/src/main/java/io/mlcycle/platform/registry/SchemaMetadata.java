package io.mlcycle.platform.registry;

import java.util.Objects;
import org.apache.avro.Schema;

/**
 * One registered version of a subject, as the registry reports it.
 *
 * @param id      the registry-wide schema id (the 4 bytes after the magic byte on the wire)
 * @param version the version of the schema within the subject, from 1
 * @param subject the subject name
 * @param schema  the parsed Avro schema
 */
public record SchemaMetadata(int id, int version, String subject, Schema schema) {
    public SchemaMetadata {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
    }
}
