package io.mlcycle.mlcore.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mlcycle.mlcore.monitoring.FlaggedLabelPolicy;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MonitoringAndReplaySpecTest {

    static final String BASE = """
            pipeline: elec
            data:
              record: Period
              key: id
              event_time: at
              fields:
                - {name: id, type: string}
                - {name: at, type: timestamp}
                - {name: price, type: double, feature: true}
                - {name: previous, type: category, values: [UP, DOWN], feature: true}
                - {name: class, type: category, values: [UP, DOWN]}
            label:
              field: class
              positive: UP
              delay: PT30M
            """;

    @Test
    void defaultsWhenAbsent() throws SpecException {
        PipelineSpec spec = PipelineSpecParser.parse(BASE, "elec.yaml");
        assertThat(spec.monitoring()).isEqualTo(MonitoringSpec.DEFAULTS);
        assertThat(spec.replay()).isEqualTo(ReplaySpec.DEFAULTS);
    }

    @Test
    void readsBothSections() throws SpecException {
        PipelineSpec spec = PipelineSpecParser.parse(BASE + """
                monitoring:
                  flagged_labels: exclude
                  label_noise_min_per_class: 50
                  estimate_level: 0.9
                replay:
                  event_time: row_order
                  start: 1996-05-07T00:00:00Z
                  step: PT30M
                  previous_label: previous
                  batch: PT12H
                """, "elec.yaml");
        assertThat(spec.monitoring()).isEqualTo(new MonitoringSpec(FlaggedLabelPolicy.EXCLUDE, 50, 0.9));
        assertThat(spec.replay().eventTime()).isEqualTo(ReplaySpec.EventTimeSource.ROW_ORDER);
        assertThat(spec.replay().start()).isEqualTo(Instant.parse("1996-05-07T00:00:00Z"));
        assertThat(spec.replay().step()).isEqualTo(Duration.ofMinutes(30));
        assertThat(spec.replay().previousLabel()).contains("previous");
        assertThat(spec.replay().batch()).isEqualTo(Duration.ofHours(12));
    }

    @Test
    void namesBadKeys() {
        SpecException e = catchThrowableOfType(SpecException.class, () -> PipelineSpecParser.parse(BASE + """
                monitoring:
                  flagged_labels: drop
                replay:
                  event_time: sometimes
                  start: yesterday
                  previous_label: price2
                """, "elec.yaml"));
        assertThat(e.errors()).extracting(SpecError::path).contains("monitoring.flagged_labels", "replay.event_time",
                "replay.start", "replay.previous_label");
        assertThat(e.getMessage()).contains("'drop' is not one of keep, down_weight, exclude");
    }
}
