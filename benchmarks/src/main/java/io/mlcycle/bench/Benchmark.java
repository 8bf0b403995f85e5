package io.mlcycle.bench;

import java.io.PrintStream;
import java.util.List;

/**
 * One benchmark command, run as {@code ./bench NAME [ARGS...]}. Each benchmark measures a part of mlcycle against a
 * baseline measured in the same run on the same machine (for example a plain {@code KafkaProducer}, a bare Kafka
 * Streams passthrough, or a constant-response endpoint of the same HTTP server) and prints both figures and their
 * ratio. Implementations are listed in {@code META-INF/services/io.mlcycle.bench.Benchmark}.
 */
public interface Benchmark {

    /** The command name, e.g. {@code http-ingest}. */
    String name();

    /** One line for {@code ./bench --list}. */
    String description();

    /**
     * Runs the benchmark and prints its report to {@code out}.
     *
     * @return the process exit status: 0 when the measured ratio meets its floor, 1 when it does not, 2 on a usage error
     */
    int run(List<String> args, PrintStream out) throws Exception;
}
