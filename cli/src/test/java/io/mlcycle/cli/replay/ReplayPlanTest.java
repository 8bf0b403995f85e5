package io.mlcycle.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import java.io.BufferedReader;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplayPlanTest {

    static final String SPEC = """
            pipeline: plan
            data:
              record: Row
              key: id
              event_time: at
              fields:
                - {name: id, type: string}
                - {name: at, type: timestamp}
                - {name: day, type: category, values: ["1", "2"], feature: true}
                - {name: x, type: double, feature: true}
                - {name: prev, type: category, values: [UP, DOWN], feature: true}
                - {name: class, type: category, values: [UP, DOWN]}
            label: {field: class, positive: UP, delay: PT45M}
            replay:
              event_time: row_order
              start: 1996-05-07T00:00:00Z
              step: PT30M
              previous_label: prev
            """;

    @Test
    void rowsBecomeEventsWithOutcomesDelayedInEventTime() throws Exception {
        PipelineSpec spec = PipelineSpecParser.parse(SPEC, "plan.yaml");
        List<Map<String, String>> rows = List.of(
                Map.of("day", "2", "x", "0.5", "class", "UP"),
                Map.of("day", "2.0", "x", "0.25", "class", "DOWN"),
                Map.of("day", "1", "x", "abc", "class", "sideways"),
                Map.of("day", "1", "x", "1", "class", "DOWN"),
                Map.of("day", "1", "x", "2", "class", "UP"));
        ReplayPlan plan = ReplayPlan.build(spec, rows);

        assertThat(plan.skippedRows()).isEqualTo(1);
        List<ReplayPlan.Event> events = plan.events();
        assertThat(events).extracting(ReplayPlan.Event::eventId).containsExactly("r0", "r1", "r3", "r4");
        long t0 = Instant.parse("1996-05-07T00:00:00Z").toEpochMilli();
        assertThat(events.get(2).eventTime()).isEqualTo(t0 + 3 * 30 * 60_000L);
        assertThat(events.get(2).observedAt()).isEqualTo(t0 + 3 * 30 * 60_000L + 45 * 60_000L);
        // the label never travels with the event; the key is filled with the event id
        assertThat(events.get(0).json().has("class")).isFalse();
        assertThat(events.get(0).json().get("id").asText()).isEqualTo("r0");
        assertThat(events.get(1).json().get("day").asText()).isEqualTo("2");
        // prev: the newest outcome observed by the event's time. Outcomes come 45 min late, so at row 1 (30 min)
        // none is known, at row 3 (90 min) row 0's (45) and row 1's (75) are: row 1 is the newest
        assertThat(events.get(0).json().has("prev")).isFalse();
        assertThat(events.get(1).json().has("prev")).isFalse();
        assertThat(events.get(2).json().get("prev").asText()).isEqualTo("DOWN");
        // row 4 (120 min): row 3's outcome is observed at 135 min, not yet; row 2 was left out
        assertThat(events.get(3).json().get("prev").asText()).isEqualTo("DOWN");
        assertThat(events.get(3).positive()).isTrue();
    }

    @Test
    void csvRecordsWithQuotes() throws Exception {
        BufferedReader reader = new BufferedReader(new StringReader("a,\"b,c\",\"say \"\"hi\"\"\"\n\"multi\nline\",2\n"));
        assertThat(HistoryFile.nextRecord(reader, 1)).containsExactly("a", "b,c", "say \"hi\"");
        assertThat(HistoryFile.nextRecord(reader, 2)).containsExactly("multi\nline", "2");
        assertThat(HistoryFile.nextRecord(reader, 3)).isNull();
    }
}
