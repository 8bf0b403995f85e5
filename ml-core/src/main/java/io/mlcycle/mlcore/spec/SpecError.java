package io.mlcycle.mlcore.spec;

/**
 * One problem found in a pipeline spec.
 *
 * @param source  file or source name
 * @param line    1-based line, or 0 when unknown
 * @param path    key path, e.g. {@code data.fields[2].min}
 * @param message what is wrong, in words
 */
public record SpecError(String source, int line, String path, String message) {

    /** {@code file:line: path: message} (the line is left out when unknown). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(source);
        if (line > 0) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (path != null && !path.isEmpty()) {
            sb.append(path).append(": ");
        }
        return sb.append(message).toString();
    }
}
