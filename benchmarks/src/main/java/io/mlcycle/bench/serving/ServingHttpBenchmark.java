package io.mlcycle.bench.serving;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.bench.Benchmark;
import io.mlcycle.bench.ThreadCpu;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import io.mlcycle.serving.ServingFeedbackConfig;
import io.mlcycle.serving.ServingFeedbackService;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./bench serving-http [--duration S] [--connections N] [--rate R]}: the whole serving stack in-process (local
 * Kafka broker and schema registry, the serving-feedback service with a champion trained on 1,500 seeded
 * applications), loaded from other processes with the same valid record. Measures HTTP predict at a constant rate
 * ({@link OpenLoopLoad}, an open-loop generator in its own JVM, latency from when each request was due) and at the
 * maximum rate ({@code wrk}), against
 * the server's constant endpoint ({@code /health/live}) at the maximum rate in the same run. Server-agnostic: it only
 * uses the service's public URL. Floors: p99 &le; 5 ms at the fixed rate, predict throughput &ge; 0.5&times; constant.
 */
public final class ServingHttpBenchmark implements Benchmark {
    static final double P99_FLOOR_MS = 5.0;
    static final double RATIO_FLOOR = 0.5;
    private static final int WARM_UP_ROUNDS = 8;
    private static final int WARM_UP_SECONDS = 20;

    @Override
    public String name() {
        return "serving-http";
    }

    @Override
    public String description() {
        return "HTTP predict (whole stack in-process, trained champion) vs the same server's constant endpoint, wrk";
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        int duration = 15;
        int connections = 16;
        int rate = 1000;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--duration" -> duration = Integer.parseInt(args.get(++i));
                case "--connections" -> connections = Integer.parseInt(args.get(++i));
                case "--rate" -> rate = Integer.parseInt(args.get(++i));
                default -> {
                    out.println("usage: ./bench serving-http [--duration SECONDS] [--connections N] [--rate PER_S]");
                    return 2;
                }
            }
        }
        out.println("training a champion on " + ServingBenchSetup.TRAINING_APPLICATIONS + " seeded applications...");
        ServingBenchSetup setup = new ServingBenchSetup();
        Path work = Files.createTempDirectory("bench-serving-http");
        Path spec = work.resolve("credit.yaml");
        try (var in = ServingBenchSetup.class.getResourceAsStream("/specs/credit.yaml")) {
            Files.write(spec, in.readAllBytes());
        }
        try (LocalStack stack = LocalStack.ephemeral()) {
            ServingFeedbackConfig config = ServingFeedbackConfig.from(ConfigSource.of(Map.of(
                    PlatformConfig.PIPELINE_SPEC, spec.toString(),
                    PlatformConfig.BOOTSTRAP_SERVERS, stack.bootstrapServers(),
                    PlatformConfig.SCHEMA_REGISTRY_URL, stack.registryUrl(),
                    PlatformConfig.HTTP_PORT, "0",
                    PlatformConfig.STATE_DIR, work.resolve("state").toString())));
            try (ServingFeedbackService service = ServingFeedbackService.start(config)) {
                publish(stack, setup);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (service.champion().isEmpty() && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(100);
                }
                if (service.champion().isEmpty()) {
                    out.println("the champion was not loaded within 60 s");
                    return 1;
                }
                String base = service.httpBaseUrl().toString();
                String predict = base + "/v1/pipelines/" + setup.spec.pipeline() + "/predict";
                Path post = work.resolve("post.lua");
                Path body = work.resolve("body.json");
                String request = "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
                        + "wrk.body = " + luaString(setup.requestBody) + "\n";
                Files.writeString(post, request);
                Files.writeString(body, setup.requestBody);

                out.println("warming up...");
                wrk(List.of("-t2", "-c" + connections, "-d5s", "-s", post.toString(), predict));
                // The stack is a large program (broker, streams, serving): the JIT keeps compiling for tens of seconds
                // of traffic, at up to most of a core, which a measured run would otherwise pay for. Warm up at the
                // measured rate until compilation has (nearly) stopped, as a long-running service would be.
                for (int round = 1; round <= WARM_UP_ROUNDS; round++) {
                    long compiled = compilationMillis();
                    OpenLoopLoad.inAnotherJvm(predict, body, rate, WARM_UP_SECONDS, connections);
                    double compilingShare = (compilationMillis() - compiled) / (WARM_UP_SECONDS * 1000.0);
                    out.printf(Locale.ROOT, "  warm-up round %d at %d/s for %ds: JIT compiling %.0f%% of the time%n",
                            round, rate, WARM_UP_SECONDS, compilingShare * 100);
                    if (compilingShare < 0.05) {
                        break;
                    }
                }
                // Each run starts on a settled stack: the predictions of the run before are still being joined,
                // monitored and estimated by serving's streams (a backlog of thousands after a maximum-rate run), and
                // that work would otherwise be charged to the next run, whatever it measures.
                out.printf(Locale.ROOT, "  settled after the warm-up in %.1f s%n", awaitSettled());
                // Open loop at a constant rate, from another JVM: latency counted from when each request was due.
                long cpu0 = ThreadCpu.processCpuNanos();
                OpenLoopLoad.Result open = OpenLoopLoad.inAnotherJvm(predict, body, rate, duration, connections);
                long cpu1 = ThreadCpu.processCpuNanos();
                Result fixed = new Result(open.achievedPerSecond(), open.p50Ms(), open.p99Ms(),
                        open.sent() - open.ok());
                out.printf(Locale.ROOT, "  settled after the open loop in %.1f s%n", awaitSettled());
                long cpu1b = ThreadCpu.processCpuNanos();
                Map<String, Long> threads1b = ThreadCpu.snapshot();
                Result predictMax = wrk(List.of("-t2", "-c" + connections, "-d" + duration + "s", "--latency", "-s",
                        post.toString(), predict));
                long cpu2 = ThreadCpu.processCpuNanos();
                out.printf(Locale.ROOT, "  settled after the maximum-rate predict in %.1f s%n", awaitSettled());
                long cpu2b = ThreadCpu.processCpuNanos();
                // by thread, up to the stack having settled: the streams' work on the run's predictions included
                double predicted = predictMax.requestsPerSecond() * duration;
                String predictThreads = ThreadCpu.describe(ThreadCpu.perUnitMicros(threads1b, ThreadCpu.snapshot(),
                        predicted), 14, perRequestMicros(cpu2b - cpu1b, predicted));
                Result constantMax = wrk(List.of("-t2", "-c" + connections, "-d" + duration + "s", "--latency",
                        base + "/health/live"));
                long cpu3 = ThreadCpu.processCpuNanos();

                double ratio = predictMax.requestsPerSecond() / constantMax.requestsPerSecond();
                out.printf(Locale.ROOT, "%-34s %12s %10s %10s %8s%n", "run", "requests/s", "p50 ms", "p99 ms",
                        "errors");
                print(out, "predict at " + rate + "/s (open loop)", fixed);
                out.printf(Locale.ROOT, "  open loop: %d sent, %d ok, p99.9 %.2f ms, max %.2f ms%n", open.sent(),
                        open.ok(), open.p999Ms(), open.maxMs());
                print(out, "predict, max", predictMax);
                print(out, "constant /health/live, max", constantMax);
                // CPU of this JVM (broker, registry, serving with its streams) per request answered: less at the
                // mercy of other processes than latency, so versions compare on a loaded machine too.
                out.printf(Locale.ROOT, "stack CPU per request (this JVM: broker, registry, serving): predict at %d/s"
                                + " %.0f us, predict max %.0f us, constant %.0f us%n", rate,
                        perRequestMicros(cpu1 - cpu0, open.ok()),
                        perRequestMicros(cpu2 - cpu1b, predictMax.requestsPerSecond() * duration),
                        perRequestMicros(cpu3 - cpu2b, constantMax.requestsPerSecond() * duration));
                out.printf(Locale.ROOT, "CPU us per prediction by thread, predict max until settled (%.0f us in all):"
                        + " %s%n", perRequestMicros(cpu2b - cpu1b, predicted), predictThreads);
                out.printf(Locale.ROOT, "predict p99 at %.0f/s: %.2f ms (floor %.1f ms); throughput ratio predict/"
                                + "constant: %.2f (floor %.2f)%n", fixed.requestsPerSecond(), fixed.p99Ms(),
                        P99_FLOOR_MS, ratio, RATIO_FLOOR);
                boolean met = fixed.p99Ms() <= P99_FLOOR_MS && ratio >= RATIO_FLOOR && fixed.errors() == 0
                        && predictMax.errors() == 0;
                out.println(met ? "floors met" : "floors NOT met");
                return met ? 0 : 1;
            }
        }
    }

    /**
     * Waits until this JVM (broker, registry, serving) uses less than a fifth of a core over a second, at most 120 s;
     * returns the seconds waited. The stack's own idle work (commits, punctuations) stays well below that.
     */
    private static double awaitSettled() throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + TimeUnit.SECONDS.toNanos(120);
        long cpu = ThreadCpu.processCpuNanos();
        long at = System.nanoTime();
        while (System.nanoTime() < deadline) {
            // CPU use is only observable over an interval: sample it once a second
            TimeUnit.SECONDS.sleep(1);
            long nowCpu = ThreadCpu.processCpuNanos();
            long now = System.nanoTime();
            double cores = (nowCpu - cpu) / (double) (now - at);
            if (cores < 0.2) {
                break;
            }
            cpu = nowCpu;
            at = now;
        }
        return (System.nanoTime() - started) / 1e9;
    }

    /** Total time the JIT compiler threads of this JVM have spent compiling, in ms. */
    private static long compilationMillis() {
        return java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    private static double perRequestMicros(long cpuNanos, double requests) {
        return requests <= 0 ? Double.NaN : cpuNanos / 1_000.0 / requests;
    }

    private static void publish(LocalStack stack, ServingBenchSetup setup) throws Exception {
        PipelineSerdes serdes = new PipelineSerdes(RestSchemaRegistryClient.forUrls(stack.registryUrl()),
                AvroSerdeConfig.defaults(), setup.spec.pipeline(), setup.spec.dataSchema());
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        ModelVersion champion = io.mlcycle.mlcore.registry.ModelSigning.development().sign(setup.championRecord());
        try (KafkaProducer<String, ModelVersion> producer = new KafkaProducer<>(props, new StringSerializer(),
                serdes.valueSerde(Topics.MODELS).serializer())) {
            producer.send(new ProducerRecord<>(Topics.MODELS.name(setup.spec.pipeline()), champion.getVersion(),
                    champion)).get();
        }
    }

    private static void print(PrintStream out, String name, Result r) {
        out.printf(Locale.ROOT, "%-34s %12.0f %10.2f %10.2f %8d%n", name, r.requestsPerSecond(), r.p50Ms(), r.p99Ms(),
                r.errors());
    }

    /** One wrk run's figures. */
    record Result(double requestsPerSecond, double p50Ms, double p99Ms, long errors) {
    }

    static Result wrk(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("wrk");
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("wrk failed (install it with apt-get install -y wrk): " + output);
        }
        return parse(output);
    }

    static Result parse(String output) {
        double rps = number(output, "Requests/sec:\\s+([0-9.]+)");
        double p50 = latency(output, "50%");
        double p99 = latency(output, "99%");
        long errors = 0;
        Matcher non2xx = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)").matcher(output);
        if (non2xx.find()) {
            errors += Long.parseLong(non2xx.group(1));
        }
        Matcher socket = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)")
                .matcher(output);
        if (socket.find()) {
            for (int g = 1; g <= 4; g++) {
                errors += Long.parseLong(socket.group(g));
            }
        }
        return new Result(rps, p50, p99, errors);
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static double latency(String text, String percentile) {
        Matcher m = Pattern.compile("\\s" + percentile + "\\s+([0-9.]+)(us|ms|s)").matcher(text);
        if (!m.find()) {
            return Double.NaN;
        }
        double value = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> value / 1000.0;
            case "s" -> value * 1000.0;
            default -> value;
        };
    }

    private static String luaString(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
