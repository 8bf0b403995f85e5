package io.mlcycle.validation;

import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.Variant;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.profile.WindowSummary;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training/serving skew, first half: reads {@code <p>.predictions} and summarises the features the champion actually
 * scored (predictions of variant CHAMPION, served or not) into the task's partial serving window, handed on as a
 * {@link ValidationOutput.Partial} of kind {@link PipelineWindows#SERVING} like the data partials. A prediction that
 * cannot be decoded is skipped (it is serving's record, not validation's input; serving quarantines its own). The
 * partial is written to its changelog once per commit ({@link PartialWindowStore}): its counts are exactly once.
 */
final class ServingFeaturesProcessor extends ContextualProcessor<byte[], byte[], String, ValidationOutput> {

    /** The store of the task's partial window summary of the features serving scored. */
    static final String PARTIALS_STORE = "serving-partial-window";
    private static final Logger LOG = LoggerFactory.getLogger(ServingFeaturesProcessor.class);

    private final PipelineSpec spec;
    private final Deserializer<Prediction> predictions;
    private final String topic;
    private final List<FeatureDefinition> definitions;
    private final int partialRecords;
    /** The task's partial, counted in memory and written to its changelog at each commit. */
    private PartialWindowStore partials;
    private WindowSummary window;
    private long lastTimestamp;

    ServingFeaturesProcessor(PipelineSpec spec, Deserializer<Prediction> predictions, String topic) {
        this.spec = spec;
        this.predictions = predictions;
        this.topic = topic;
        this.definitions = FeatureDefinition.fromSpec(spec);
        this.partialRecords = ValidationProcessor.partialRecords(spec.drift().windowRecords());
    }

    @Override
    public void init(ProcessorContext<String, ValidationOutput> context) {
        super.init(context);
        partials = context.getStateStore(PARTIALS_STORE);
        window = partials.partial();
        lastTimestamp = window.endMillis();
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, now -> flush());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        if (record.value() == null) {
            return;
        }
        Prediction prediction;
        try {
            prediction = predictions.deserialize(topic, record.headers(), record.value());
        } catch (RuntimeException e) {
            LOG.debug("Skipping a prediction that does not decode: {}", e.toString());
            return;
        }
        if (prediction == null || prediction.getVariant() != Variant.CHAMPION) {
            return;
        }
        Map<String, Object> features = new HashMap<>();
        prediction.getFeatures().forEach((name, value) -> features.put(name.toString(),
                value instanceof CharSequence text ? text.toString() : value));
        long time = prediction.getEventTime() != null ? prediction.getEventTime().toEpochMilli() : record.timestamp();
        lastTimestamp = record.timestamp();
        window.passed(time, features);
        partials.counted();
        if (window.records() >= partialRecords) {
            flush();
        }
    }

    private void flush() {
        if (window.isEmpty() || lastTimestamp <= 0) {
            // (a restored partial that counted no record has no time of its own: it waits for the next record)
            return;
        }
        byte[] summary = partials.handOver();
        window = partials.partial();
        context().forward(new Record<>(PipelineWindows.SERVING,
                new ValidationOutput.Partial(PipelineWindows.SERVING, summary), lastTimestamp));
    }
}
