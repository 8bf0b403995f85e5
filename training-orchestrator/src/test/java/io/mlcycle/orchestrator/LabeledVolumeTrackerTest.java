package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LabeledVolumeTrackerTest {

    @Test
    void countsRecordsNotOffsetsAndForgetsThoseCoveredByTheLastDataset() {
        LabeledVolumeTracker tracker = new LabeledVolumeTracker();
        // offsets 3 and 7 are transaction markers: never delivered, never counted
        for (long offset : new long[] {0, 1, 2, 4, 5, 6, 8}) {
            tracker.record(0, offset);
        }
        tracker.record(1, 0);
        tracker.record(1, 1);
        assertThat(tracker.newExamples()).isEqualTo(9);

        tracker.setBaseline(Map.of(0, 6L, 1, 1L));
        assertThat(tracker.newExamples()).as("offsets 6 and 8 of p0, offset 1 of p1").isEqualTo(3);

        tracker.record(0, 3); // below the baseline: ignored
        tracker.record(0, 8); // re-delivered: ignored
        tracker.record(0, 9);
        assertThat(tracker.newExamples()).isEqualTo(4);

        tracker.setBaseline(Map.of(0, 2L));
        assertThat(tracker.baseline()).as("the baseline never moves back").containsEntry(0, 6L);
        assertThat(tracker.newExamples()).isEqualTo(4);
    }

    @Test
    void growsBeyondItsInitialCapacity() {
        LabeledVolumeTracker tracker = new LabeledVolumeTracker();
        for (long offset = 0; offset < 10_000; offset++) {
            tracker.record(2, offset);
        }
        tracker.setBaseline(Map.of(2, 9_000L));
        assertThat(tracker.newExamples()).isEqualTo(1_000);
    }
}
