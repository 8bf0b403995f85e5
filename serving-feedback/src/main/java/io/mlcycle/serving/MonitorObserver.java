package io.mlcycle.serving;

import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.MonitoringObservation;
import io.mlcycle.avro.ObservationKind;
import io.mlcycle.avro.ObservedScore;
import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.PredictionSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The join sub-topology's side of the online monitor: turns what the join processors hand over
 * ({@link MonitorInput}: a new prediction, or a labeled example) into a {@link MonitoringObservation} on
 * {@code <p>.monitoring.observations}, keyed by pipeline, with the input's record timestamp. The observations of all
 * input partitions meet in one partition, where {@link OnlineMonitor} computes metrics and decides challengers once
 * per pipeline.
 */
final class MonitorObserver implements Processor<String, Object, String, Object> {
    private final JoinSettings settings;
    private ProcessorContext<String, Object> context;

    MonitorObserver(JoinSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, Object> record) {
        MonitoringObservation observation;
        if (record.value() instanceof MonitorInput.Predicted predicted) {
            observation = observation(predicted.prediction());
            observation.setAnchorTime(Instant.ofEpochMilli(predicted.anchorMs()));
        } else if (record.value() instanceof MonitorInput.Labeled labeled) {
            observation = observation(labeled.example());
            observation.setAnchorTime(Instant.ofEpochMilli(labeled.anchorMs()));
        } else {
            return;
        }
        context.forward(new Record<String, Object>(settings.pipeline(), observation, record.timestamp()),
                ServingTopology.OBSERVATIONS_SINK);
    }

    private MonitoringObservation observation(Prediction p) {
        return MonitoringObservation.newBuilder()
                .setPipeline(settings.pipeline())
                .setEventId(p.getEventId())
                .setKind(ObservationKind.PREDICTION)
                .setAnchorTime(Instant.EPOCH)
                .setScores(List.of(new ObservedScore(p.getModelVersion(), p.getVariant(), p.getScore(),
                        p.getDecision(), p.getLatencyMicros())))
                .build();
    }

    private MonitoringObservation observation(LabeledExample example) {
        List<ObservedScore> scores = new ArrayList<>();
        for (PredictionSummary p : example.getPredictions()) {
            scores.add(new ObservedScore(p.getModelVersion(), p.getVariant(), p.getScore(), p.getDecision(), 0L));
        }
        return MonitoringObservation.newBuilder()
                .setPipeline(settings.pipeline())
                .setEventId(example.getEventId())
                .setKind(ObservationKind.OUTCOME)
                .setAnchorTime(Instant.EPOCH)
                .setPositive(example.getPositive())
                .setLabelSuspect(example.getLabelSuspect())
                .setScores(scores)
                .build();
    }
}
