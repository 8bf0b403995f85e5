package io.mlcycle.schemas.compat;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A subject's or the registry's compatibility rule, with the names the Confluent REST API uses. BACKWARD: the new
 * schema can read data written with the previous one; FORWARD: the previous schema can read data written with the new
 * one; FULL: both; {@code *_TRANSITIVE}: against every earlier version, not only the latest. The one definition for
 * the registry client (platform), the local stack's registry and the CLI.
 */
public enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    /** The registry's level when nothing was configured (Confluent's default). */
    public static final CompatibilityLevel DEFAULT = BACKWARD;

    private final boolean backward;
    private final boolean forward;
    private final boolean transitive;

    CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    /** Parses a level name case-insensitively; rejects unknown names with the accepted ones listed. */
    public static CompatibilityLevel parse(String name) {
        return fromName(name).orElseThrow(() -> new IllegalArgumentException("Unknown compatibility level '" + name
                + "'; expected one of " + Arrays.toString(values())));
    }

    /** The level of a name, case-insensitively (Confluent accepts {@code "full"} and {@code "FULL"} alike). */
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

    /** Whether a new schema must be able to read data written with older ones. */
    public boolean checksBackward() {
        return backward;
    }

    /** Whether older schemas must be able to read data written with a new one. */
    public boolean checksForward() {
        return forward;
    }

    /** Whether the check covers every earlier version rather than only the latest. */
    public boolean isTransitive() {
        return transitive;
    }
}
