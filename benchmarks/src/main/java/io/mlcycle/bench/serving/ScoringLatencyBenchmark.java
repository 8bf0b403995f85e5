package io.mlcycle.bench.serving;

import io.mlcycle.bench.Benchmark;
import java.io.PrintStream;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code ./bench serving-scoring}: JMH ({@link ScoringJmh}, sample time, one fork) of in-process scoring with a
 * champion trained on 1,500 seeded applications, against the same path with a constant scorer. Floor: p99 of one
 * scoring &le; 1 ms in-process.
 */
public final class ScoringLatencyBenchmark implements Benchmark {
    static final double P99_FLOOR_MICROS = 1000;

    @Override
    public String name() {
        return "serving-scoring";
    }

    @Override
    public String description() {
        return "JMH: in-process scoring latency of a trained champion vs a constant scorer on the same path";
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        Options options = new OptionsBuilder()
                .include(ScoringJmh.class.getName() + ".")
                .forks(1)
                .warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.seconds(1))
                .build();
        Collection<RunResult> results = new Runner(options).run();
        double championP99 = Double.NaN;
        out.printf(Locale.ROOT, "%-16s %10s %10s %10s%n", "benchmark", "mean us", "p50 us", "p99 us");
        double championMean = Double.NaN;
        double constantMean = Double.NaN;
        for (RunResult result : results) {
            String method = result.getParams().getBenchmark().replaceAll(".*\\.", "");
            var stats = result.getPrimaryResult().getStatistics();
            out.printf(Locale.ROOT, "%-16s %10.2f %10.2f %10.2f%n", method, stats.getMean(), stats.getPercentile(50),
                    stats.getPercentile(99));
            if (method.equals("champion")) {
                championP99 = stats.getPercentile(99);
                championMean = stats.getMean();
            } else {
                constantMean = stats.getMean();
            }
        }
        out.printf(Locale.ROOT, "champion / constant mean: %.2f; champion p99 %.2f us (floor %.0f us)%n",
                championMean / constantMean, championP99, P99_FLOOR_MICROS);
        boolean met = championP99 <= P99_FLOOR_MICROS;
        out.println(met ? "floor met" : "floor NOT met");
        return met ? 0 : 1;
    }
}
