package io.mlcycle.serving;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.Feedback;
import io.mlcycle.avro.QuarantineStage;
import io.mlcycle.avro.Severity;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.gates.Violation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins feedback from {@code <p>.feedback} with its event by event id: emits the labeled example when the event is
 * known, buffers the feedback otherwise (until the window expires), quarantines labels outside the label domain
 * (INVALID_LABEL) and counts duplicates (the first feedback wins). Its stream-time punctuator expires join state whose
 * first record is older than the label-delay window in event time (record timestamps, not the wall clock: a backlog
 * read after downtime or a replay gives the same joins); feedback that expires unmatched is counted, logged and
 * alerted (debounced, also in stream time).
 */
final class FeedbackProcessor extends JoinProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(FeedbackProcessor.class);
    private static final int SAMPLE_IDS = 5;

    private long unmatchedSinceAlert;
    private final List<String> unmatchedSample = new ArrayList<>();
    private long lastAlertMs = Long.MIN_VALUE;

    FeedbackProcessor(JoinSettings settings, ServingMetrics metrics) {
        super(settings, metrics);
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        super.init(context);
        context.schedule(settings.punctuateInterval(), PunctuationType.STREAM_TIME, this::expire);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String key = eventId(record);
        if (quarantineIfOversized(record, key)) {
            return;
        }
        Optional<Feedback> decoded = decode(record, settings.serdes().feedback().deserializer(), Feedback.class, key);
        if (decoded.isEmpty()) {
            return;
        }
        Feedback feedback = decoded.get();
        if (key == null && blankToNull(feedback.getEventId()) != null) {
            rekeyOrQuarantine(record, feedback.getEventId(), ServingTopology.FEEDBACK_REKEY_SINK);
            return;
        }
        metrics.feedbackReceived();
        String eventId = key;
        if (eventId == null) {
            quarantine(record, QuarantineStage.VALIDATION, ReasonCode.MISSING_REQUIRED,
                    "event_id", "feedback has no event id, so it cannot be joined with an event", null);
            return;
        }
        Optional<Violation> invalid = settings.labelCodec().validate(feedback.getLabel());
        if (invalid.isPresent()) {
            metrics.feedbackInvalidLabel();
            Violation violation = invalid.get();
            quarantine(record, QuarantineStage.VALIDATION, violation.code(), violation.field(), violation.detail(),
                    eventId);
            return;
        }
        JoinState state = loadOrCreate(eventId, record.timestamp());
        if (state.labeled() || state.feedback() != null) {
            metrics.feedbackDuplicate();
            return;
        }
        if (state.event() != null && record.timestamp() - state.firstSeenAtMs() > settings.window().toMillis()) {
            // Later than the label delay in event time: the sweep has not run yet (it runs when stream time moves
            // on), but joining now would make the result depend on when the sweep happened to run.
            metrics.feedbackLate();
            LOG.debug("Feedback for {} arrived {} ms after its event, beyond the window {}", eventId,
                    record.timestamp() - state.firstSeenAtMs(), settings.window());
            return;
        }
        long observedAt = feedback.getObservedAt() == null ? record.timestamp()
                : feedback.getObservedAt().toEpochMilli();
        state = state.withFeedback(new JoinState.PendingFeedback(feedback.getLabel().trim(), observedAt,
                feedback.getSource()));
        joinAndSave(eventId, state, record.timestamp());
    }

    /** Drops state older than the window; counts and reports feedback that never met its event. */
    void expire(long nowMs) {
        long cutoff = nowMs - settings.window().toMillis();
        List<KeyValue<String, String>> expired = new ArrayList<>();
        try (KeyValueIterator<String, String> entries = expiryIndex.all()) {
            while (entries.hasNext()) {
                KeyValue<String, String> entry = entries.next();
                if (expiryTime(entry.key) > cutoff) {
                    break;
                }
                expired.add(entry);
            }
        }
        long unmatched = 0;
        for (KeyValue<String, String> entry : expired) {
            expiryIndex.delete(entry.key);
            String eventId = entry.value;
            JoinState state = joinStore.get(eventId);
            if (state == null || state.firstSeenAtMs() != expiryTime(entry.key)) {
                continue;
            }
            joinStore.delete(eventId);
            if (state.feedback() != null && !state.labeled()) {
                unmatched++;
                if (unmatchedSample.size() < SAMPLE_IDS) {
                    unmatchedSample.add(eventId);
                }
            }
        }
        if (unmatched > 0) {
            metrics.feedbackUnmatched(unmatched);
            unmatchedSinceAlert += unmatched;
            LOG.warn("{} feedback record(s) of pipeline {} found no event within the label-delay window {}",
                    unmatched, settings.pipeline(), settings.window());
        }
        maybeAlert(nowMs);
    }

    private void maybeAlert(long nowMs) {
        if (unmatchedSinceAlert == 0
                || (lastAlertMs != Long.MIN_VALUE && nowMs - lastAlertMs < settings.unmatchedAlertInterval().toMillis())) {
            return;
        }
        Map<String, String> evidence = new LinkedHashMap<>();
        evidence.put("unmatched", Long.toString(unmatchedSinceAlert));
        evidence.put("window", settings.window().toString());
        evidence.put("sample_event_ids", String.join(",", unmatchedSample));
        Alert alert = Records.alert(settings.pipeline(), AlertType.FEEDBACK_UNMATCHED, Severity.WARNING,
                "feedback", unmatchedSinceAlert + " feedback record(s) expired without a matching event within the "
                        + "label-delay window " + settings.window() + "; check that feedback uses the event ids "
                        + "returned at ingestion and that it arrives in time",
                evidence, Instant.ofEpochMilli(nowMs));
        context.forward(new Record<String, Object>(Records.alertKey(alert), alert, nowMs),
                ServingTopology.ALERTS_SINK);
        lastAlertMs = nowMs;
        unmatchedSinceAlert = 0;
        unmatchedSample.clear();
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.trim();
    }
}
