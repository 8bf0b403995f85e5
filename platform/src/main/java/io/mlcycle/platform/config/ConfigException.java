package io.mlcycle.platform.config;

import java.util.List;

/**
 * A configuration problem: a missing key or a value that does not parse or is out of range. The message names the
 * key, the bad value, where it came from, and what is expected; {@link #problems()} lists every problem when
 * several keys were checked at once (as {@link PlatformConfig} does).
 */
public class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(String message) {
        super(message);
        this.problems = List.of(message);
    }

    public ConfigException(List<String> problems) {
        super(problems.size() == 1 ? problems.get(0)
                : "Invalid configuration (" + problems.size() + " problems): " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Each problem as one sentence naming its key. */
    public List<String> problems() {
        return problems;
    }

    /**
     * Reads one setting for a configuration that reports every bad key at once: returns what {@code read} gives, or
     * adds its problems to {@code problems} and returns {@code fallback} (the caller throws once all are read).
     */
    public static <T> T collect(List<String> problems, java.util.function.Supplier<T> read, T fallback) {
        try {
            return read.get();
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return fallback;
        }
    }
}
