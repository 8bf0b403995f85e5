package io.mlcycle.mlcore.spec;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code label} section.
 *
 * @param field    the declared field holding the outcome
 * @param positive the value meaning the positive class, as text (compared case-insensitively)
 * @param delay    how late outcomes may arrive (the feedback join window)
 */
public record LabelSpec(String field, String positive, Duration delay) {
    public LabelSpec {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(positive, "positive");
        Objects.requireNonNull(delay, "delay");
    }
}
