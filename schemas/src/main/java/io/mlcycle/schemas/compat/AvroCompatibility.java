package io.mlcycle.schemas.compat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * The one compatibility checker: applies a {@link CompatibilityLevel} to a candidate schema and a subject's earlier
 * versions with Avro's own resolver ({@link SchemaCompatibility}), as the Confluent registry does. It answers in two
 * wordings over the same checks: {@link #violations} for people (field paths by name, every problem), used by the
 * registry client, the serde and {@code mlcycle spec diff}; {@link #confluentMessages} exactly as Confluent's registry
 * words its 409 answers, used by the local stack's registry so clients that parse or show them see the same text.
 */
public final class AvroCompatibility {

    private static final String NEW = "new";
    private static final String OLD = "old";
    private static final int MAX_SCHEMA_SIZE_FOR_MESSAGES = 10 * 1024;

    /** An earlier registered version, as the Confluent wording needs it. */
    public record Previous(int version, Schema schema) {
    }

    private AvroCompatibility() {
    }

    /**
     * Lists why {@code candidate} breaks {@code level} against {@code existing} (oldest first), every problem of every
     * version checked; empty means compatible.
     */
    public static List<String> violations(CompatibilityLevel level, Schema candidate, List<Schema> existing) {
        List<String> problems = new ArrayList<>();
        if (level == CompatibilityLevel.NONE || existing.isEmpty()) {
            return problems;
        }
        List<Schema> toCheck = level.isTransitive() ? existing : List.of(existing.get(existing.size() - 1));
        for (Schema previous : toCheck) {
            if (level.checksBackward()) {
                String why = explain(candidate, previous);
                if (why != null) {
                    problems.add("the new schema cannot read data written with an earlier one: " + why);
                }
            }
            if (level.checksForward()) {
                String why = explain(previous, candidate);
                if (why != null) {
                    problems.add("an earlier schema cannot read data written with the new one: " + why);
                }
            }
        }
        return problems;
    }

    /**
     * Why {@code reader} cannot read data written with {@code writer}, naming fields by their path (e.g.
     * {@code field 'count': reader type: INT not compatible with writer type: STRING}); null if it can.
     */
    public static String explain(Schema reader, Schema writer) {
        SchemaCompatibility.SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        for (Incompatibility incompatibility : result.getResult().getIncompatibilities()) {
            parts.add(fieldPath(reader, incompatibility.getLocation()) + ": " + incompatibility.getType() + ", "
                    + incompatibility.getMessage());
        }
        return String.join("; ", parts);
    }

    /**
     * The problems found checking {@code candidate} against {@code previousOldestFirst} at {@code level}, worded as
     * Confluent's registry words them: {@code {errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field
     * 'x' at path '/fields/1' in the new schema has no default value and is missing in the old schema',
     * additionalInfo:'x'}}, then {@code {oldSchemaVersion: 1}}, {@code {oldSchema: '...'}} and finally
     * {@code {validateFields: 'false', compatibility: 'BACKWARD'}}; empty when compatible. Non-transitive levels look
     * at the latest version only; transitive ones walk from newest to oldest and stop at the first incompatible one.
     */
    public static List<String> confluentMessages(CompatibilityLevel level, Schema candidate,
                                                 List<Previous> previousOldestFirst) {
        if (level == CompatibilityLevel.NONE || previousOldestFirst.isEmpty()) {
            return List.of();
        }
        List<Previous> newestFirst = new ArrayList<>(previousOldestFirst);
        Collections.reverse(newestFirst);
        List<Previous> toCheck = level.isTransitive() ? newestFirst : newestFirst.subList(0, 1);
        for (Previous previous : toCheck) {
            List<String> messages = confluentMessages(level, candidate, previous);
            if (!messages.isEmpty()) {
                messages.add("{validateFields: 'false', compatibility: '" + level + "'}");
                return messages;
            }
        }
        return List.of();
    }

    private static List<String> confluentMessages(CompatibilityLevel level, Schema candidate, Previous previous) {
        List<String> messages = new ArrayList<>();
        if (level.checksBackward() && level.checksForward()) {
            // Confluent's FULL order: can the old read the new (no trailer), then can the new read the old.
            messages.addAll(describe(previous.schema(), candidate, OLD, NEW, previous, false));
            messages.addAll(describe(candidate, previous.schema(), NEW, OLD, previous, true));
        } else if (level.checksBackward()) {
            messages.addAll(describe(candidate, previous.schema(), NEW, OLD, previous, true));
        } else if (level.checksForward()) {
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

    /** Turns Avro's JSON-pointer-like location ({@code /fields/1/type}) into field names ({@code field 'count'}). */
    static String fieldPath(Schema reader, String location) {
        if (location == null || location.equals("/") || location.isEmpty()) {
            return "schema " + reader.getFullName();
        }
        String[] tokens = location.substring(1).split("/");
        List<String> names = new ArrayList<>();
        Schema current = reader;
        for (int i = 0; i < tokens.length && current != null; i++) {
            String token = tokens[i];
            try {
                switch (token) {
                    case "fields" -> {
                        int index = Integer.parseInt(tokens[++i]);
                        Schema.Field field = current.getFields().get(index);
                        names.add(field.name());
                        current = field.schema();
                    }
                    case "type", "name", "size", "symbols" -> {
                        // these name the current schema itself
                    }
                    case "items" -> current = current.getElementType();
                    case "values" -> current = current.getValueType();
                    default -> {
                        if (current.getType() == Schema.Type.UNION) {
                            current = current.getTypes().get(Integer.parseInt(token));
                        } else {
                            return "at " + location;
                        }
                    }
                }
            } catch (RuntimeException notWalkable) {
                return "at " + location;
            }
        }
        return names.isEmpty() ? "at " + location : "field '" + String.join(".", names) + "'";
    }
}
