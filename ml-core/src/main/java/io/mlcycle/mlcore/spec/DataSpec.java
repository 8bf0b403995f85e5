package io.mlcycle.mlcore.spec;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code data} section: the record's name, its key and event-time fields, and its ordered fields.
 *
 * @param record        Avro record name
 * @param namespace     Avro namespace (defaulted by the parser)
 * @param key           name of the entity key field (a string field)
 * @param eventTime     name of the event-time field (a timestamp field)
 * @param missingValues string markers treated as missing when converting JSON
 * @param maxFuture     how far in the future an event time may be; empty means no check
 * @param fields        declared fields in Avro field order
 */
public record DataSpec(String record, String namespace, String key, String eventTime, List<String> missingValues,
                       Optional<Duration> maxFuture, List<FieldSpec> fields) {

    public DataSpec {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(namespace, "namespace");
        missingValues = missingValues == null ? List.of() : List.copyOf(missingValues);
        maxFuture = maxFuture == null ? Optional.empty() : maxFuture;
        fields = List.copyOf(fields);
    }

    public Optional<FieldSpec> field(String name) {
        return fields.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /** The Avro full name, {@code namespace.record}. */
    public String fullName() {
        return namespace + "." + record;
    }
}
