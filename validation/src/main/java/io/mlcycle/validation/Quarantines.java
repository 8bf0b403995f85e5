package io.mlcycle.validation;

import io.mlcycle.avro.QuarantineReason;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.QuarantineStage;
import io.mlcycle.avro.RecordHeader;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.mlcore.quarantine.QuarantineFit;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds quarantine records that keep everything needed to understand and replay the original record. */
final class Quarantines {

    private Quarantines() {
    }

    static QuarantineReason reason(Violation violation) {
        return QuarantineReason.newBuilder()
                .setCode(violation.code().name())
                .setField(violation.field())
                .setDetail(violation.detail())
                .setValue(violation.value())
                .build();
    }

    static List<QuarantineReason> reasons(List<Violation> violations) {
        return violations.stream().map(Quarantines::reason).toList();
    }

    /**
     * A quarantine record for a record read from a topic, cut to fit {@code maxValueBytes} when the original is too
     * large to be copied whole (see {@link QuarantineFit}).
     *
     * @param eventId  the event id, or null when it could not be read
     * @param metadata where the record was read from, if known
     */
    static QuarantineRecord of(String pipeline, QuarantineStage stage, List<Violation> violations, String eventId,
                               byte[] originalKey, byte[] originalValue, Headers headers,
                               Optional<RecordMetadata> metadata, String specSha256, Instant quarantinedAt,
                               int maxValueBytes) {
        QuarantineRecord.Builder builder = QuarantineRecord.newBuilder()
                .setPipeline(pipeline)
                .setStage(stage)
                .setReasons(new ArrayList<>(reasons(violations)))
                .setEventId(eventId)
                .setOriginalKey(originalKey == null ? null : ByteBuffer.wrap(originalKey.clone()))
                .setOriginalValue(originalValue == null ? null : ByteBuffer.wrap(originalValue.clone()))
                .setOriginalHeaders(headers(headers))
                .setSpecSha256(specSha256)
                .setQuarantinedAt(quarantinedAt);
        metadata.ifPresent(m -> builder
                .setSourceTopic(m.topic())
                .setSourcePartition(m.partition())
                .setSourceOffset(m.offset()));
        return QuarantineFit.fit(builder.build(), maxValueBytes);
    }

    private static List<RecordHeader> headers(Headers headers) {
        List<RecordHeader> copied = new ArrayList<>();
        if (headers == null) {
            return copied;
        }
        for (Header header : headers) {
            copied.add(RecordHeader.newBuilder()
                    .setKey(header.key())
                    .setValue(header.value() == null ? null : ByteBuffer.wrap(header.value().clone()))
                    .build());
        }
        return copied;
    }
}
