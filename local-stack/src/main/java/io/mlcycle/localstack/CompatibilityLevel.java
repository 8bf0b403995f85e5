package io.mlcycle.localstack;

import java.util.Locale;
import java.util.Optional;

/**
 * Schema Registry compatibility levels, as Confluent defines them. BACKWARD: the new schema can
 * read data written with the previous one; FORWARD: the previous schema can read data written with
 * the new one; FULL: both; {@code *_TRANSITIVE}: against every earlier version, not only the latest.
 */
public enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    /** The registry's level when nothing was configured. */
    public static final CompatibilityLevel DEFAULT = BACKWARD;

    private final boolean newReadsOld;
    private final boolean oldReadsNew;
    private final boolean transitive;

    CompatibilityLevel(boolean newReadsOld, boolean oldReadsNew, boolean transitive) {
        this.newReadsOld = newReadsOld;
        this.oldReadsNew = oldReadsNew;
        this.transitive = transitive;
    }

    /** Case-insensitive, as Confluent accepts {@code "full"} and {@code "FULL"} alike. */
    public static Optional<CompatibilityLevel> fromName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The new schema must be able to read data written with earlier ones. */
    public boolean newReadsOld() {
        return newReadsOld;
    }

    /** Earlier schemas must be able to read data written with the new one. */
    public boolean oldReadsNew() {
        return oldReadsNew;
    }

    /** Checked against all earlier versions rather than only the latest. */
    public boolean transitive() {
        return transitive;
    }
}
