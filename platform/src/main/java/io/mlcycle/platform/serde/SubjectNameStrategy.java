package io.mlcycle.platform.serde;

import java.util.Locale;
import org.apache.avro.Schema;

/**
 * How the registry subject of a key or value is named, as Confluent's strategies of the same names do. Accepts
 * Confluent's class names in configuration, so existing client properties keep working.
 */
public enum SubjectNameStrategy {
    /** {@code <topic>-key} / {@code <topic>-value}: one schema lineage per topic (the default). */
    TOPIC("io.confluent.kafka.serializers.subject.TopicNameStrategy"),
    /** The record's full name: one lineage per record type, across topics. */
    RECORD("io.confluent.kafka.serializers.subject.RecordNameStrategy"),
    /** {@code <topic>-<record full name>}: several record types per topic. */
    TOPIC_RECORD("io.confluent.kafka.serializers.subject.TopicRecordNameStrategy");

    private final String confluentClassName;

    SubjectNameStrategy(String confluentClassName) {
        this.confluentClassName = confluentClassName;
    }

    public String confluentClassName() {
        return confluentClassName;
    }

    /** The subject for a key ({@code isKey}) or value of {@code topic} whose schema is {@code schema}. */
    public String subjectName(String topic, boolean isKey, Schema schema) {
        return switch (this) {
            case TOPIC -> requireTopic(topic) + (isKey ? "-key" : "-value");
            case RECORD -> schema.getFullName();
            case TOPIC_RECORD -> requireTopic(topic) + "-" + schema.getFullName();
        };
    }

    /**
     * Parses {@code topic}, {@code record}, {@code topic_record} (any case, '-' for '_'), the enum names, or
     * Confluent's class names (also with the older {@code io.confluent.kafka.serializers.subject.strategy} package).
     */
    public static SubjectNameStrategy parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("subject name strategy must not be blank");
        }
        String trimmed = text.trim();
        for (SubjectNameStrategy strategy : values()) {
            String simpleName = strategy.confluentClassName.substring(strategy.confluentClassName.lastIndexOf('.') + 1);
            if (trimmed.equals(strategy.confluentClassName) || trimmed.endsWith("." + simpleName)
                    || trimmed.equals(simpleName)) {
                return strategy;
            }
        }
        String normalised = trimmed.toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            return valueOf(normalised);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown subject name strategy '" + text
                    + "'; expected topic, record, topic_record or a Confluent strategy class name");
        }
    }

    private static String requireTopic(String topic) {
        if (topic == null) {
            throw new IllegalArgumentException("the topic name is required by the topic-based subject name strategies");
        }
        return topic;
    }
}
