package io.mlcycle.localstack;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;

import java.util.ArrayList;
import java.util.List;

/**
 * Compatibility checks with Avro's own resolver ({@link SchemaCompatibility}), worded like
 * Confluent's registry so clients that parse or show the messages see the same text:
 * {@code {errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'x' at path
 * '/fields/1' in the new schema has no default value and is missing in the old schema',
 * additionalInfo:'x'}}, then {@code {oldSchemaVersion: 1}}, {@code {oldSchema: '...'}} and
 * finally {@code {validateFields: 'false', compatibility: 'BACKWARD'}}.
 */
final class AvroCompatibility {

    private static final String NEW = "new";
    private static final String OLD = "old";
    private static final int MAX_SCHEMA_SIZE_FOR_MESSAGES = 10 * 1024;

    /** An earlier registered version, as the checker needs it. */
    record Previous(int version, Schema schema) {
    }

    private AvroCompatibility() {
    }

    /**
     * The problems found checking {@code candidate} against {@code previousOldestFirst} at
     * {@code level}; empty when compatible. Non-transitive levels look at the latest version only;
     * transitive ones walk from newest to oldest and stop at the first incompatible version.
     */
    static List<String> check(CompatibilityLevel level, Schema candidate, List<Previous> previousOldestFirst) {
        if (level == CompatibilityLevel.NONE || previousOldestFirst.isEmpty()) {
            return List.of();
        }
        List<Previous> newestFirst = new ArrayList<>(previousOldestFirst);
        java.util.Collections.reverse(newestFirst);
        List<Previous> toCheck = level.transitive() ? newestFirst : newestFirst.subList(0, 1);
        for (Previous previous : toCheck) {
            List<String> messages = checkOne(level, candidate, previous);
            if (!messages.isEmpty()) {
                messages.add("{validateFields: 'false', compatibility: '" + level + "'}");
                return messages;
            }
        }
        return List.of();
    }

    private static List<String> checkOne(CompatibilityLevel level, Schema candidate, Previous previous) {
        List<String> messages = new ArrayList<>();
        if (level.newReadsOld() && level.oldReadsNew()) {
            // Confluent's FULL order: can the old read the new (no trailer), then can the new read the old.
            messages.addAll(describe(previous.schema(), candidate, OLD, NEW, previous, false));
            messages.addAll(describe(candidate, previous.schema(), NEW, OLD, previous, true));
        } else if (level.newReadsOld()) {
            messages.addAll(describe(candidate, previous.schema(), NEW, OLD, previous, true));
        } else if (level.oldReadsNew()) {
            messages.addAll(describe(previous.schema(), candidate, OLD, NEW, previous, true));
        }
        return messages;
    }

    private static List<String> describe(Schema reader, Schema writer, String readerName, String writerName,
                                         Previous previous, boolean appendOldSchema) {
        List<Incompatibility> incompatibilities = SchemaCompatibility
                .checkReaderWriterCompatibility(reader, writer)
                .getResult()
                .getIncompatibilities();
        List<String> messages = new ArrayList<>();
        for (Incompatibility incompatibility : incompatibilities) {
            messages.add(difference(incompatibility, readerName, writerName));
        }
        if (!messages.isEmpty() && appendOldSchema) {
            messages.add("{oldSchemaVersion: " + previous.version() + "}");
            String old = previous.schema().toString();
            if (old.length() <= MAX_SCHEMA_SIZE_FOR_MESSAGES) {
                messages.add("{oldSchema: '" + old + "'}");
            } else {
                messages.add("{oldSchema: <truncated to " + MAX_SCHEMA_SIZE_FOR_MESSAGES + " characters> '"
                        + old.substring(0, MAX_SCHEMA_SIZE_FOR_MESSAGES) + "'}");
            }
        }
        return messages;
    }

    private static String difference(Incompatibility incompatibility, String reader, String writer) {
        String path = incompatibility.getLocation();
        String info = incompatibility.getMessage();
        String description = switch (incompatibility.getType()) {
            case FIXED_SIZE_MISMATCH -> "The size of FIXED type field at path '" + path + "' in the " + reader
                    + " schema does not match with the " + writer + " schema";
            case TYPE_MISMATCH -> "The type (path '" + path + "') of a field in the " + reader
                    + " schema does not match with the " + writer + " schema";
            case NAME_MISMATCH -> "The name of the schema has changed (path '" + path + "')";
            case MISSING_ENUM_SYMBOLS -> "The " + reader + " schema is missing enum symbols '" + info
                    + "' at path '" + path + "' in the " + writer + " schema";
            case MISSING_UNION_BRANCH -> "The " + reader + " schema is missing a type inside a union field at path '"
                    + path + "' in the " + writer + " schema";
            case READER_FIELD_MISSING_DEFAULT_VALUE -> "The field '" + info + "' at path '" + path + "' in the "
                    + reader + " schema has no default value and is missing in the " + writer + " schema";
        };
        return "{errorType:'" + incompatibility.getType() + "', description:'" + description
                + "', additionalInfo:'" + info + "'}";
    }
}
