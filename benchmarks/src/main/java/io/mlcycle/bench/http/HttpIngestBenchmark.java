package io.mlcycle.bench.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.mlcycle.bench.Benchmark;
import io.mlcycle.bench.ThreadCpu;
import io.mlcycle.cli.demo.CreditApplicationGenerator;
import io.mlcycle.ingestion.IngestionConfig;
import io.mlcycle.ingestion.IngestionService;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.mlcore.gates.Conversion;
import io.mlcycle.mlcore.gates.JsonRecordConverter;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * {@code ./bench http-ingest}: HTTP batch ingestion against a plain {@code KafkaProducer}, same broker, same run.
 *
 * <p>Starts the local stack (embedded broker and registry) and the ingestion service in this process, generates
 * credit applications of the bundled credit spec, then measures
 * <ol>
 *   <li>the baseline: a {@code KafkaProducer} (acks=all, idempotent, lz4) sending the same records, already
 *       serialised, to {@code credit.data.raw};</li>
 *   <li>HTTP ingestion: {@code wrk} in another process posting one fixed batch of {@code --batch} records
 *       ({@code application/json} array) on {@code --connections} connections for {@code --duration};</li>
 *   <li>the constant endpoint {@code /health/live} of the same host, next to a JDK {@code HttpServer} configured as
 *       the host was before (4 handler threads, no TCP_NODELAY), both with {@code wrk}.</li>
 * </ol>
 * Prints records/s, p50/p99 and the ratio; exit 0 when HTTP reaches {@value #FLOOR} of the baseline.
 */
public final class HttpIngestBenchmark implements Benchmark {

    static final double FLOOR = 0.5;

    @Override
    public String name() {
        return "http-ingest";
    }

    @Override
    public String description() {
        return "HTTP batch ingestion (wrk, another process) vs a plain KafkaProducer on the same broker; also /health/live"
                + " [--batch 500] [--connections 4] [--duration 20s] [--records 300000] [--warmup 5s]";
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        Map<String, String> options = options(args);
        if (options == null) {
            out.println("usage: ./bench http-ingest [--batch N] [--connections N] [--duration 20s] [--records N]"
                    + " [--warmup 5s]");
            return 2;
        }
        int batch = Integer.parseInt(options.getOrDefault("batch", "500"));
        int connections = Integer.parseInt(options.getOrDefault("connections", "4"));
        String duration = options.getOrDefault("duration", "20s");
        // On a loaded machine the JIT needs longer: CPU per record is only comparable once compilation settled.
        String warmup = options.getOrDefault("warmup", "5s");
        int baselineRecords = Integer.parseInt(options.getOrDefault("records", "300000"));
        if (!wrkAvailable()) {
            out.println("http-ingest: needs wrk as the load generator in another process (apt-get install -y wrk)");
            return 2;
        }
        Path work = Files.createTempDirectory("mlcycle-bench-http");
        Path specFile = work.resolve("credit.yaml");
        try (InputStream in = HttpIngestBenchmark.class.getResourceAsStream("/specs/credit.yaml")) {
            if (in == null) {
                throw new IllegalStateException("the bundled credit spec (/specs/credit.yaml) is not on the classpath");
            }
            Files.copy(in, specFile);
        }
        ObjectMapper json = new ObjectMapper();
        out.println("http-ingest: starting the local stack and the ingestion service...");
        try (LocalStack stack = LocalStack.ephemeral()) {
            IngestionConfig config = IngestionConfig.from(ConfigSource.of(Map.of(
                    "bootstrap.servers", stack.bootstrapServers(),
                    "schema.registry.url", stack.registryUrl(),
                    "pipeline.spec", specFile.toString(),
                    "http.port", "0",
                    "state.dir", work.resolve("state").toString())));
            try (IngestionService service = IngestionService.start(config)) {
                PipelineSpec spec = config.spec();
                CreditApplicationGenerator generator = new CreditApplicationGenerator(42, 0.0);
                Instant start = Instant.parse("2026-01-01T00:00:00Z");
                List<Map<String, Object>> events = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    events.add(generator.next(start.plusSeconds(i), false).json());
                }
                byte[] body = json.writeValueAsBytes(events);
                Path bodyFile = work.resolve("batch.json");
                Files.write(bodyFile, body);
                URI eventsUri = service.httpBaseUrl().resolve("/v1/pipelines/" + spec.pipeline() + "/events");
                JsonNode check = json.readTree(post(eventsUri, body));
                if (check.path("accepted").asInt() != batch) {
                    throw new IllegalStateException("the generated batch is not accepted whole: " + check);
                }

                String topic = Topics.DATA_RAW.name(spec.pipeline());
                List<byte[]> values = serialise(stack, spec, events);
                Map<String, Long> baselineThreadsBefore = ThreadCpu.snapshot();
                long baselineProcessBefore = ThreadCpu.processCpuNanos();
                double baseline = baselineRecordsPerSecond(stack, topic, values, baselineRecords);
                // The warm-up sends are included: CPU per record over everything the baseline sent.
                double baselineSent = baselineRecords + Math.min(baselineRecords, 20_000);
                Map<String, Double> baselineCpu = ThreadCpu.perUnitMicros(baselineThreadsBefore, ThreadCpu.snapshot(),
                        baselineSent);
                double baselineProcessCpu = (ThreadCpu.processCpuNanos() - baselineProcessBefore) / 1e3 / baselineSent;

                Path script = work.resolve("post.lua");
                Files.writeString(script, "wrk.method = \"POST\"\n"
                        + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
                        + "local f = io.open(\"" + bodyFile + "\", \"rb\")\n"
                        + "wrk.body = f:read(\"*a\")\nf:close()\n");
                Wrk warm = wrk(eventsUri, script, connections, warmup);
                Map<String, Long> threadsBefore = ThreadCpu.snapshot();
                long processBefore = ThreadCpu.processCpuNanos();
                Wrk ingest = wrk(eventsUri, script, connections, duration);
                double httpRecords = ingest.requestsPerSecond() * batch;
                // wrk counts the requests answered; the ones still in flight at its end are a few of thousands.
                double ingested = Math.max(1, ingest.requests() * (double) batch);
                Map<String, Double> httpCpu = ThreadCpu.perUnitMicros(threadsBefore, ThreadCpu.snapshot(), ingested);
                double httpProcessCpu = (ThreadCpu.processCpuNanos() - processBefore) / 1e3 / ingested;

                URI live = service.httpBaseUrl().resolve("/health/live");
                Wrk hostLive = wrk(live, null, connections, duration);
                Wrk jdkLive;
                HttpServer jdk = jdkConstantServer();
                try {
                    wrk(URI.create("http://127.0.0.1:" + jdk.getAddress().getPort() + "/health/live"), null, connections, "3s");
                    jdkLive = wrk(URI.create("http://127.0.0.1:" + jdk.getAddress().getPort() + "/health/live"), null,
                            connections, duration);
                } finally {
                    jdk.stop(0);
                }

                double ratio = httpRecords / baseline;
                out.printf(Locale.ROOT, "%nhttp-ingest (%d cores, batch %d, %d connections, %s; warm-up %s at %.0f req/s)%n",
                        Runtime.getRuntime().availableProcessors(), batch, connections, duration, warmup,
                        warm.requestsPerSecond());
                out.printf(Locale.ROOT, "  %-44s %12s %10s %10s%n", "", "records/s", "p50", "p99");
                out.printf(Locale.ROOT, "  %-44s %12.0f %10s %10s%n", "baseline: KafkaProducer, pre-serialised",
                        baseline, "-", "-");
                out.printf(Locale.ROOT, "  %-44s %12.0f %10s %10s%n", "HTTP batches (wrk, " + ingest.non2xx()
                        + " non-2xx)", httpRecords, ingest.p50(), ingest.p99());
                out.printf(Locale.ROOT, "  ratio HTTP / baseline: %.2f (floor %.2f)%n", ratio, FLOOR);
                out.printf(Locale.ROOT, "%n  CPU us per record of this process (broker, registry and service; wrk is"
                        + " another process)%n");
                out.printf(Locale.ROOT, "  baseline: process %.2f; by thread: %s%n", baselineProcessCpu,
                        ThreadCpu.describe(baselineCpu, 8, baselineProcessCpu));
                out.printf(Locale.ROOT, "  HTTP:     process %.2f; by thread: %s%n", httpProcessCpu,
                        ThreadCpu.describe(httpCpu, 12, httpProcessCpu));
                out.printf(Locale.ROOT, "%n  %-44s %12s %10s %10s%n", "constant endpoint /health/live", "requests/s",
                        "p50", "p99");
                out.printf(Locale.ROOT, "  %-44s %12.0f %10s %10s%n", "baseline: JDK HttpServer (as before)",
                        jdkLive.requestsPerSecond(), jdkLive.p50(), jdkLive.p99());
                out.printf(Locale.ROOT, "  %-44s %12.0f %10s %10s%n", "HttpServerHost (Vert.x)",
                        hostLive.requestsPerSecond(), hostLive.p50(), hostLive.p99());
                out.printf(Locale.ROOT, "  ratio host / JDK: %.2f%n", hostLive.requestsPerSecond()
                        / jdkLive.requestsPerSecond());
                return ingest.non2xx() == 0 && ratio >= FLOOR ? 0 : 1;
            }
        }
    }


    /** The records the service would write, converted and serialised once, for the baseline producer. */
    private static List<byte[]> serialise(LocalStack stack, PipelineSpec spec, List<Map<String, Object>> events) {
        PipelineSerdes serdes = new PipelineSerdes(RestSchemaRegistryClient.forUrls(stack.registryUrl()),
                AvroSerdeConfig.defaults(), spec.pipeline(), spec.dataSchema());
        Serializer<GenericRecord> serializer = serdes.valueSerde(Topics.DATA_RAW).serializer();
        JsonRecordConverter converter = new JsonRecordConverter(spec);
        ObjectMapper json = new ObjectMapper();
        String topic = Topics.DATA_RAW.name(spec.pipeline());
        List<byte[]> values = new ArrayList<>();
        for (Map<String, Object> event : events) {
            Conversion conversion = converter.convert(json.valueToTree(event));
            if (conversion.record() == null) {
                throw new IllegalStateException("a generated event does not convert: " + conversion.violations());
            }
            values.add(serializer.serialize(topic, conversion.record()));
        }
        return values;
    }

    private static double baselineRecordsPerSecond(LocalStack stack, String topic, List<byte[]> values, int records)
            throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            byte[][] keys = new byte[records][];
            for (int i = 0; i < records; i++) {
                keys[i] = ("baseline-" + i).getBytes(StandardCharsets.UTF_8);
            }
            for (int i = 0; i < Math.min(records, 20_000); i++) {
                producer.send(new ProducerRecord<>(topic, keys[i], values.get(i % values.size())));
            }
            producer.flush();
            AtomicLong acked = new AtomicLong();
            long started = System.nanoTime();
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, keys[i], values.get(i % values.size())), (meta, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                    acked.incrementAndGet();
                });
            }
            producer.flush();
            double seconds = (System.nanoTime() - started) / 1e9;
            if (failure.get() != null) {
                throw failure.get();
            }
            return acked.get() / seconds;
        }
    }

    /** The old host's configuration: the JDK server with 4 handler threads, answering a constant JSON. */
    private static HttpServer jdkConstantServer() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        byte[] answer = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);
        server.setExecutor(pool);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(answer);
            }
        });
        server.start();
        return server;
    }

    private static String post(URI uri, byte[] body) throws IOException, InterruptedException {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        return client.send(java.net.http.HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    /** One wrk run's figures. */
    record Wrk(double requestsPerSecond, long requests, String p50, String p99, long non2xx) {
    }

    private static boolean wrkAvailable() {
        try {
            Process process = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            process.waitFor(10, TimeUnit.SECONDS);
            return true;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static Wrk wrk(URI uri, Path script, int connections, String duration) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("wrk", "-t", Integer.toString(Math.min(2, connections)),
                "-c", Integer.toString(connections), "-d", duration, "--latency"));
        if (script != null) {
            command.add("-s");
            command.add(script.toString());
        }
        command.add(uri.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("wrk failed: " + output);
        }
        return parse(output);
    }

    static Wrk parse(String output) {
        Matcher rps = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(output);
        Matcher p50 = Pattern.compile("\\n\\s+50%\\s+(\\S+)").matcher(output);
        Matcher p99 = Pattern.compile("\\n\\s+99%\\s+(\\S+)").matcher(output);
        Matcher non2xx = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)").matcher(output);
        Matcher requests = Pattern.compile("(\\d+) requests in ").matcher(output);
        if (!rps.find() || !p50.find() || !p99.find() || !requests.find()) {
            throw new IllegalStateException("cannot read wrk's output: " + output);
        }
        return new Wrk(Double.parseDouble(rps.group(1)), Long.parseLong(requests.group(1)), p50.group(1), p99.group(1),
                non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0);
    }

    private static Map<String, String> options(List<String> args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || i + 1 >= args.size()) {
                return null;
            }
            String name = arg.substring(2);
            if (!List.of("batch", "connections", "duration", "records", "warmup").contains(name)) {
                return null;
            }
            options.put(name, args.get(++i));
        }
        return options;
    }
}
