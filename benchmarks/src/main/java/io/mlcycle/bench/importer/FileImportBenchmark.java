package io.mlcycle.bench.importer;

import io.mlcycle.bench.Benchmark;
import io.mlcycle.cli.ingest.FileImport;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.kafka.PipelineBootstrap;
import io.mlcycle.platform.serde.PipelineSerdes;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code ./bench file-import PATH}: the throughput of {@code mlcycle ingest} (read, convert, serialise, produce to
 * {@code <p>.data.raw} and {@code <p>.feedback}) against a plain {@code KafkaProducer} with the same settings sending
 * the same records, pre-serialised, to the same embedded broker in the same run; floor 0.8x. Then the heap over a
 * large generated import (default 1,000,000 rows made by repeating PATH's rows), sampled every 50 ms.
 */
public final class FileImportBenchmark implements Benchmark {

    static final double FLOOR = 0.8;

    @Override
    public String name() {
        return "file-import";
    }

    @Override
    public String description() {
        return "mlcycle ingest vs a plain KafkaProducer sending the same pre-serialised records; heap over 1M rows";
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        if (args.isEmpty() || args.get(0).startsWith("--help")) {
            out.println("usage: ./bench file-import PATH [--spec SPEC] [--rows N] [--rounds R]");
            out.println("  PATH  a CSV (or .csv.gz) file of the spec's pipeline, e.g. gmsc.csv.gz");
            out.println("  --spec   default examples/gmsc/gmsc.yaml;  --rows  heap run size, default 1000000 (0 = skip)");
            out.println("  --rounds  throughput rounds, each baseline then import, best kept (default 3)");
            return 2;
        }
        Path path = Path.of(args.get(0));
        Path specPath = Path.of(option(args, "--spec", "examples/gmsc/gmsc.yaml"));
        long bigRows = Long.parseLong(option(args, "--rows", "1000000"));
        int rounds = Integer.parseInt(option(args, "--rounds", "3"));
        PipelineSpec spec = PipelineSpecParser.parse(specPath);
        Path tmp = Files.createTempDirectory("mlcycle-bench-import");

        try (LocalStack stack = LocalStack.ephemeral()) {
            out.printf("file-import: %s (spec %s), embedded broker %s, %d cores, max heap %d MB%n", path, specPath,
                    stack.bootstrapServers(), Runtime.getRuntime().availableProcessors(),
                    Runtime.getRuntime().maxMemory() >> 20);
            String name = spec.pipeline();
            // Each round imports into its own copy of the pipeline's topics, so no round finds the topics warm.
            List<PipelineSerdes> importTargets = new ArrayList<>();
            List<PipelineSerdes> baselineTargets = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                importTargets.add(prepare(stack, spec, name + "-i" + r, tmp));
                baselineTargets.add(prepare(stack, spec, name + "-b" + r, tmp));
            }

            double bestImport = 0;
            double bestBaseline = 0;
            long rows = 0;
            for (int r = 0; r < rounds; r++) {
                // The baseline's records: exactly what the import produces, serialised beforehand, for its own topics.
                MockProducer<byte[], byte[]> capture = new MockProducer<>(true, null, new ByteArraySerializer(),
                        new ByteArraySerializer());
                FileImport.run(spec, baselineTargets.get(r), capture, path, Instant.now());
                List<ProducerRecord<byte[], byte[]>> records = capture.history();
                capture.close();
                long started = System.nanoTime();
                try (Producer<byte[], byte[]> producer = new KafkaProducer<>(
                        FileImport.producerProperties(stack.bootstrapServers(), "bench-baseline"))) {
                    for (ProducerRecord<byte[], byte[]> record : records) {
                        producer.send(record);
                    }
                    producer.flush();
                }
                double baselineSeconds = (System.nanoTime() - started) / 1e9;

                FileImport.Result result;
                try (Producer<byte[], byte[]> producer = new KafkaProducer<>(
                        FileImport.producerProperties(stack.bootstrapServers(), "bench-import"))) {
                    started = System.nanoTime();
                    result = FileImport.run(spec, importTargets.get(r), producer, path, Instant.now());
                }
                double importSeconds = (System.nanoTime() - started) / 1e9;
                rows = result.rowsRead();
                double importRate = rows / importSeconds;
                double baselineRate = rows / baselineSeconds;
                out.printf("  round %d: baseline %,d records (%,d rows) in %.2f s = %,.0f rows/s; import %,d rows"
                                + " (accepted %,d, rejected %,d) in %.2f s = %,.0f rows/s; ratio %.2f%n", r + 1,
                        records.size(), rows, baselineSeconds, baselineRate, rows, result.accepted(), result.rejected(),
                        importSeconds, importRate, importRate / baselineRate);
                bestImport = Math.max(bestImport, importRate);
                bestBaseline = Math.max(bestBaseline, baselineRate);
            }
            double ratio = bestImport / bestBaseline;
            out.printf("throughput (best of %d): import %,.0f rows/s, plain KafkaProducer %,.0f rows/s, ratio %.2f"
                    + " (floor %.1f)%n", rounds, bestImport, bestBaseline, ratio, FLOOR);

            if (bigRows > 0) {
                Path big = tmp.resolve("generated.csv");
                long generated = generate(path, big, bigRows);
                PipelineSerdes target = prepare(stack, spec, name + "-big", tmp);
                MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
                System.gc();
                long before = memory.getHeapMemoryUsage().getUsed();
                AtomicLong max = new AtomicLong();
                List<Long> samples = new java.util.concurrent.CopyOnWriteArrayList<>();
                Thread sampler = new Thread(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        long used = memory.getHeapMemoryUsage().getUsed();
                        max.accumulateAndGet(used, Math::max);
                        samples.add(used);
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "heap-sampler");
                sampler.setDaemon(true);
                sampler.start();
                FileImport.Result result;
                try (Producer<byte[], byte[]> producer = new KafkaProducer<>(
                        FileImport.producerProperties(stack.bootstrapServers(), "bench-big"))) {
                    result = FileImport.run(spec, target, producer, big, Instant.now());
                }
                sampler.interrupt();
                sampler.join();
                out.printf("heap over a %,d-row import (%,d accepted, %.1f s, %,.0f rows/s): used before %d MB,"
                                + " max sampled %d MB, per quarter of the run (max) %s MB%n", generated,
                        result.accepted(), result.duration().toMillis() / 1000.0,
                        generated / (result.duration().toMillis() / 1000.0), before >> 20, max.get() >> 20,
                        quarters(samples));
            }
            return ratio >= FLOOR ? 0 : 1;
        }
    }

    private static String quarters(List<Long> samples) {
        List<String> parts = new ArrayList<>();
        int n = samples.size();
        for (int q = 0; q < 4; q++) {
            long m = 0;
            for (int i = q * n / 4; i < (q + 1) * n / 4; i++) {
                m = Math.max(m, samples.get(i));
            }
            parts.add(Long.toString(m >> 20));
        }
        return String.join(" / ", parts);
    }

    private static PipelineSerdes prepare(LocalStack stack, PipelineSpec spec, String pipeline, Path tmp)
            throws Exception {
        PipelineSpec copy = PipelineSpecParser.parse(Files.readString(Path.of(spec.sourceName()))
                .replaceFirst("(?m)^pipeline: .*$", "pipeline: " + pipeline), pipeline + ".yaml");
        PlatformConfig platform = PlatformConfig.from(ConfigSource.of(Map.of(
                "bootstrap.servers", stack.bootstrapServers(), "schema.registry.url", stack.registryUrl(),
                "state.dir", tmp.resolve("state").toString(), "instance.id", "bench")), 0);
        return PipelineBootstrap.prepare(platform, copy.pipeline(), copy.dataSchema()).serdes();
    }

    /** Writes {@code rows} data rows by repeating the source's rows under its header. */
    private static long generate(Path source, Path target, long rows) throws Exception {
        List<String> lines = new ArrayList<>();
        String header;
        try (InputStream raw = Files.newInputStream(source);
             InputStream in = source.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            header = reader.readLine();
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
            }
        }
        try (BufferedWriter writer = Files.newBufferedWriter(target)) {
            writer.write(header);
            writer.newLine();
            for (long i = 0; i < rows; i++) {
                writer.write(lines.get((int) (i % lines.size())));
                writer.newLine();
            }
        }
        return rows;
    }

    private static String option(List<String> args, String name, String defaultValue) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : defaultValue;
    }
}
