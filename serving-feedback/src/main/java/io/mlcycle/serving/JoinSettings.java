package io.mlcycle.serving;

import io.mlcycle.mlcore.features.FeatureExtractor;
import io.mlcycle.mlcore.gates.LabelCodec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.time.Duration;
import java.util.Objects;

/**
 * What every processor of the serving topology shares: the spec and the helpers built from it, the join window and
 * timings, and the serdes. Immutable.
 */
record JoinSettings(PipelineSpec spec, Duration window, Duration punctuateInterval, Duration unmatchedAlertInterval,
                    int maxRecordBytes, Duration metricsWindow, ServingTopology.TopologySerdes serdes,
                    FeatureExtractor featureExtractor, LabelCodec labelCodec) {

    JoinSettings(PipelineSpec spec, Duration window, Duration punctuateInterval, Duration unmatchedAlertInterval,
                 int maxRecordBytes, Duration metricsWindow, ServingTopology.TopologySerdes serdes) {
        this(spec, window, punctuateInterval, unmatchedAlertInterval, maxRecordBytes, metricsWindow, serdes,
                new FeatureExtractor(spec), new LabelCodec(spec));
    }

    JoinSettings {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(punctuateInterval, "punctuateInterval");
        Objects.requireNonNull(unmatchedAlertInterval, "unmatchedAlertInterval");
        Objects.requireNonNull(serdes, "serdes");
    }

    String pipeline() {
        return spec.pipeline();
    }
}
