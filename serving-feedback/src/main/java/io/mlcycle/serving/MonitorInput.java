package io.mlcycle.serving;

import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.Prediction;

/**
 * What the join processors hand to {@link OnlineMonitor}, inside the topology: a new prediction, or a labeled
 * example, each with the event-time anchor (record timestamp of the event's first record) that places it in a window.
 */
sealed interface MonitorInput {
    long anchorMs();

    record Predicted(Prediction prediction, long anchorMs) implements MonitorInput {
    }

    record Labeled(LabeledExample example, long anchorMs) implements MonitorInput {
    }
}
