package io.mlcycle.serving;

import io.mlcycle.mlcore.quarantine.QuarantineFit;
import io.mlcycle.platform.lifecycle.EventIds;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.QuarantineReason;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.QuarantineStage;
import io.mlcycle.avro.RecordHeader;
import io.mlcycle.avro.Severity;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.platform.lifecycle.EventIds;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** Builders of the platform records this service writes besides predictions and examples: alerts and quarantine. */
final class Records {
    static final String SOURCE_SERVICE = "serving-feedback";

    private Records() {
    }

    static Alert alert(String pipeline, AlertType type, Severity severity, String subject, String message,
                       Map<String, String> evidence, Instant at) {
        return Alert.newBuilder()
                .setAlertId(EventIds.newTimeOrderedId())
                .setPipeline(pipeline)
                .setType(type)
                .setSeverity(severity)
                .setSourceService(SOURCE_SERVICE)
                .setSubject(subject)
                .setMessage(message)
                .setEvidence(Map.copyOf(evidence))
                .setRaisedAt(at)
                .build();
    }

    /** Alert topic key: type and subject, so one subject's alerts stay in order. */
    static String alertKey(Alert alert) {
        return alert.getType() + ":" + (alert.getSubject() == null ? "" : alert.getSubject());
    }

    /** Where a quarantined record came from. */
    record Source(String topic, Integer partition, Long offset, byte[] key, byte[] value, Headers headers) {
    }

    static QuarantineRecord quarantine(String pipeline, String specSha256, QuarantineStage stage, ReasonCode code,
                                       String field, String detail, String eventId, Source original, Instant at) {
        Source source = original;
        List<RecordHeader> headers = new ArrayList<>();
        if (source != null && source.headers() != null) {
            for (Header header : source.headers()) {
                headers.add(RecordHeader.newBuilder().setKey(header.key())
                        .setValue(header.value() == null ? null : ByteBuffer.wrap(header.value())).build());
            }
        }
        QuarantineRecord record = QuarantineRecord.newBuilder()
                .setPipeline(pipeline)
                .setStage(stage)
                .setReasons(List.of(QuarantineReason.newBuilder().setCode(code.name()).setField(field)
                        .setDetail(detail).build()))
                .setEventId(EventIds.fitAsKey(eventId))
                .setSourceTopic(source == null ? null : source.topic())
                .setSourcePartition(source == null ? null : source.partition())
                .setSourceOffset(source == null ? null : source.offset())
                .setOriginalKey(source == null || source.key() == null ? null : ByteBuffer.wrap(source.key()))
                .setOriginalValue(source == null || source.value() == null ? null : ByteBuffer.wrap(source.value()))
                .setOriginalHeaders(headers)
                .setSpecSha256(specSha256)
                .setQuarantinedAt(at)
                .build();
        // An oversized input would make its quarantine record too large to write as well: cut it to fit the
        // producer's limit, keeping the original's size and SHA-256 (the same helper validation uses).
        int keyBytes = record.getEventId() == null ? 0 : record.getEventId().length() * 4;
        return QuarantineFit.fit(record, QuarantineFit.valueBudget(QuarantineFit.DEFAULT_MAX_REQUEST_SIZE, keyBytes));
    }
}
