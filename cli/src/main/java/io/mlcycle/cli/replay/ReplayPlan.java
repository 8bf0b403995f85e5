package io.mlcycle.cli.replay;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.mlcore.gates.LabelCodec;
import io.mlcycle.mlcore.spec.FieldSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.ReplaySpec;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * The rows of a labeled history turned into the events and outcomes a replay sends, in event-time order.
 *
 * <p>Each row becomes an event with the id {@code r<row>} at its event time (the spec's event-time column, or
 * {@code replay.start + row * replay.step} under {@code replay.event_time: row_order}); the label is taken out of
 * the event and becomes an outcome observed {@code label.delay} after the event time. When the spec names a
 * {@code replay.previous_label} feature, it is filled with the most recent outcome (by event time) observed at or
 * before the event's time, so the model sees only what was known then. Rows without a valid label are left out and
 * counted.
 */
final class ReplayPlan {

    /** One event to send and its outcome. */
    record Event(int row, String eventId, long eventTime, ObjectNode json, String label, boolean positive,
                 long observedAt) {
    }

    private final List<Event> events;
    private final int skippedRows;

    private ReplayPlan(List<Event> events, int skippedRows) {
        this.events = events;
        this.skippedRows = skippedRows;
    }

    List<Event> events() {
        return events;
    }

    /** Rows left out for a missing or invalid label or event time. */
    int skippedRows() {
        return skippedRows;
    }

    static ReplayPlan build(PipelineSpec spec, List<Map<String, String>> rows) {
        ReplaySpec replay = spec.replay();
        LabelCodec labels = new LabelCodec(spec);
        String labelField = spec.label().field();
        String eventTimeField = spec.data().eventTime();
        String keyField = spec.data().key();
        Optional<String> previousField = replay.previousLabel();
        long delay = spec.label().delay().toMillis();

        List<Event> events = new ArrayList<>();
        int skipped = 0;
        for (int row = 0; row < rows.size(); row++) {
            Map<String, String> cells = rows.get(row);
            String label = cells.get(labelField);
            if (label == null || label.isBlank() || !labels.isValid(label.trim())) {
                skipped++;
                continue;
            }
            label = label.trim();
            long eventTime;
            if (replay.eventTime() == ReplaySpec.EventTimeSource.ROW_ORDER) {
                eventTime = replay.start().toEpochMilli() + row * replay.step().toMillis();
            } else {
                Long parsed = parseTime(cells.get(eventTimeField));
                if (parsed == null) {
                    skipped++;
                    continue;
                }
                eventTime = parsed;
            }
            ObjectNode json = JsonNodeFactory.instance.objectNode();
            String eventId = "r" + row;
            json.put("event_id", eventId);
            for (FieldSpec field : spec.data().fields()) {
                String name = field.name();
                if (name.equals(labelField) || previousField.filter(name::equals).isPresent()) {
                    continue;
                }
                if (name.equals(eventTimeField)) {
                    json.put(name, eventTime);
                    continue;
                }
                String text = cells.get(name);
                if ((text == null || text.isEmpty()) && name.equals(keyField)) {
                    json.put(name, eventId);
                    continue;
                }
                if (text == null || text.isEmpty()) {
                    continue;
                }
                putTyped(json, field, text);
            }
            boolean positive = labels.isPositive(label).orElse(false);
            events.add(new Event(row, eventId, eventTime, json, label, positive, eventTime + delay));
        }
        events.sort(Comparator.comparingLong(Event::eventTime).thenComparingInt(Event::row));
        previousField.ifPresent(field -> fillPreviousLabel(events, field));
        return new ReplayPlan(List.copyOf(events), skipped);
    }

    /** Numbers go as JSON numbers when they parse, everything else as text: the converter judges them. */
    private static void putTyped(ObjectNode json, FieldSpec field, String text) {
        switch (field.type()) {
            case INT, LONG, DOUBLE -> {
                try {
                    json.put(field.name(), new java.math.BigDecimal(text.trim()));
                } catch (NumberFormatException e) {
                    json.put(field.name(), text);
                }
            }
            case CATEGORY -> json.put(field.name(), normaliseCategory(text.trim()));
            default -> json.put(field.name(), text);
        }
    }

    /** A category written as a number ("2.0" for day 2) is its integer text when the value is whole. */
    private static String normaliseCategory(String text) {
        try {
            java.math.BigDecimal number = new java.math.BigDecimal(text);
            if (number.stripTrailingZeros().scale() <= 0) {
                return number.toBigIntegerExact().toString();
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // not a number: the text is the category
        }
        return text;
    }

    private static void fillPreviousLabel(List<Event> events, String field) {
        PriorityQueue<Event> pending = new PriorityQueue<>(Comparator.comparingLong(Event::observedAt)
                .thenComparingLong(Event::eventTime).thenComparingInt(Event::row));
        Event latest = null;
        for (Event event : events) {
            while (!pending.isEmpty() && pending.peek().observedAt() <= event.eventTime()) {
                Event known = pending.poll();
                if (latest == null || known.eventTime() > latest.eventTime()
                        || (known.eventTime() == latest.eventTime() && known.row() > latest.row())) {
                    latest = known;
                }
            }
            if (latest != null) {
                event.json().put(field, latest.label());
            }
            pending.add(event);
        }
    }

    static Long parseTime(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String value = text.trim();
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            // not epoch milliseconds
        }
        try {
            return OffsetDateTime.parse(value).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            // not an offset date-time
        }
        try {
            return Instant.parse(value).toEpochMilli();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
