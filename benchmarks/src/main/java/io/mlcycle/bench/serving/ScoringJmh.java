package io.mlcycle.bench.serving;

import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.Variant;
import io.mlcycle.serving.LoadedModel;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: in-process scoring of one record as serving does it (score with the trained champion and build the logged
 * prediction), against the same path with a constant scorer (the baseline: everything but the model).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ScoringJmh {
    private LoadedModel champion;
    private LoadedModel constant;
    private Map<String, Object> features;
    private String pipeline;

    @Setup
    public void setUp() throws Exception {
        ServingBenchSetup setup = new ServingBenchSetup();
        Instant now = Instant.now();
        champion = new LoadedModel("credit-v1", 1, setup.model.sha256(), setup.model.formatId(),
                setup.model.scorer(), 0.5, now, Map.of());
        constant = new LoadedModel("constant", 0, setup.model.sha256(), "constant", f -> 0.5, 0.5, now, Map.of());
        features = setup.features;
        pipeline = setup.spec.pipeline();
    }

    @Benchmark
    public Prediction champion() {
        return champion.predict(pipeline, "e-1", "A0000001", features, null, Instant.EPOCH, "stream",
                Variant.CHAMPION, true);
    }

    @Benchmark
    public Prediction constantScorer() {
        return constant.predict(pipeline, "e-1", "A0000001", features, null, Instant.EPOCH, "stream",
                Variant.CHAMPION, true);
    }
}
