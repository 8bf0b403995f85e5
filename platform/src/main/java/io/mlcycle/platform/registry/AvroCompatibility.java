package io.mlcycle.platform.registry;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/** Applies a {@link CompatibilityLevel} to a candidate schema and a subject's existing versions, with Avro's rules. */
public final class AvroCompatibility {

    private AvroCompatibility() {
    }

    /**
     * Lists why {@code candidate} breaks {@code level} against {@code existing} (oldest first); empty means
     * compatible.
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
        SchemaCompatibility.SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        for (SchemaCompatibility.Incompatibility incompatibility : result.getResult().getIncompatibilities()) {
            parts.add(fieldPath(reader, incompatibility.getLocation()) + ": " + incompatibility.getType() + ", "
                    + incompatibility.getMessage());
        }
        return String.join("; ", parts);
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
