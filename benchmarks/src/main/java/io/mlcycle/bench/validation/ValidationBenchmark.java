package io.mlcycle.bench.validation;

import io.mlcycle.bench.Benchmark;
import io.mlcycle.bench.ThreadCpu;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.kafka.PipelineBootstrap;
import io.mlcycle.platform.kafka.StreamsSettings;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import io.mlcycle.validation.ValidationTopology;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * {@code ./bench validation [N]}: validation's throughput against a bare Kafka Streams passthrough (raw bytes in,
 * the same bytes out) over the same N raw records on the same in-process broker, both exactly_once_v2 with the same
 * Streams settings; floor 0.7x. The records are credit applications with 5% failing a range gate, 1% undecodable and
 * 1% exact duplicates; the spec has a CEL rule, a sentinel and the duplicate gate (RocksDB window store), so every
 * gate kind is on the measured path. Each side first runs unmeasured over the first records under its own
 * application id (JIT warm-up), then is timed from its first RUNNING state until its committed offsets reach the end
 * of the raw topic. Reports records/s, CPU per record of the process (broker included) and of the stream thread, the
 * CPU per record by thread, and the state directory's size on disk after each run. {@code --state}: validation alone,
 * sampling heap, resident size, state on disk and the duplicate changelog's size (the state-bound run).
 */
public final class ValidationBenchmark implements Benchmark {

    private static final double FLOOR = 0.7;
    private static final long WARMUP_RECORDS = 200_000;
    private static final long STEP_MS = 200;
    private static final String PIPELINE = "bench";
    private static final String SPEC = """
            pipeline: bench
            data:
              record: Application
              key: id
              event_time: at
              fields:
                - {name: id, type: string, required: true}
                - {name: at, type: timestamp, required: true}
                - {name: age, type: int, required: true, feature: true, min: 18, max: 100}
                - {name: income, type: double, feature: true, min: 0}
                - {name: loan_amount, type: double, feature: true, min: 0}
                - {name: late_30_59, type: int, feature: true, min: 0}
                - {name: employment, type: category, feature: true, values: [employed, self_employed, unemployed]}
                - {name: defaulted, type: boolean}
            label:
              field: defaulted
              positive: true
            drift:
              window_records: 1000
            gates:
              sentinels:
                late_30_59: {values: [96, 98], action: missing}
              rules:
                - name: affordable
                  expr: loan_amount <= income * 60
              duplicates:
                retention: PT24H
            """;

    @Override
    public String name() {
        return "validation";
    }

    @Override
    public String description() {
        return "validation throughput vs a bare exactly-once Kafka Streams passthrough, same records (floor 0.7x)";
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        boolean stateRun = args.contains("--state");
        List<String> numbers = args.stream().filter(a -> !a.equals("--state")).toList();
        if (numbers.size() > 2 || numbers.stream().anyMatch(a -> !a.matches("\\d+"))) {
            out.println("usage: ./bench validation [N [COMMIT_INTERVAL_MS]] [--state]   (N raw records, default 200000;"
                    + " commit.interval.ms of both sides, default the services' 100; --state: validation only, no"
                    + " passthrough, sampling heap, state directory and changelog sizes every 10 s to show the"
                    + " state is bounded by the duplicate retention)");
            return args.contains("--help") ? 0 : 2;
        }
        int n = numbers.isEmpty() ? 200_000 : Integer.parseInt(numbers.get(0));
        String commitInterval = numbers.size() > 1 ? numbers.get(1) : null;
        Path work = Files.createTempDirectory("mlcycle-bench-validation-");
        PipelineSpec spec = PipelineSpecParser.parse(SPEC, "bench.yaml");
        Path specFile = work.resolve("bench.yaml");
        Files.writeString(specFile, SPEC);
        try (LocalStack stack = LocalStack.ephemeral()) {
            PlatformConfig platform = PlatformConfig.from(ConfigSource.of(Map.of(
                    "bootstrap.servers", stack.bootstrapServers(), "schema.registry.url", stack.registryUrl(),
                    "pipeline.spec", specFile.toString(), "state.dir", work.resolve("state").toString())), 0);
            PipelineSerdes serdes = PipelineBootstrap.prepare(platform, PIPELINE, spec.dataSchema()).serdes();
            String raw = serdes.topicName(Topics.DATA_RAW);
            int partitions;
            try (Admin admin = admin(stack)) {
                partitions = admin.describeTopics(List.of(raw)).allTopicNames().get().get(raw).partitions().size();
                admin.createTopics(List.of(new NewTopic("bench.passthrough", partitions, (short) 1))).all().get();
                // Event times reach days back; the raw topic's 7-day retention would delete records the validation
                // run has not read yet (the broker checks every 5 minutes), and the run would never finish.
                admin.incrementalAlterConfigs(Map.of(
                        new org.apache.kafka.common.config.ConfigResource(
                                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, raw),
                        List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                                new org.apache.kafka.clients.admin.ConfigEntry("retention.ms", "-1"),
                                org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get();
            }
            out.printf("Producing %,d raw records to %s (%d partitions)...%n", n, raw, partitions);
            produce(stack, serdes, raw, n);

            if (stateRun) {
                return stateRun(stack, spec, serdes, platform, work, raw, n, commitInterval, out);
            }
            Properties passthroughProps = StreamsSettings.forApplication(platform, "bench-passthrough");
            passthroughProps.put("state.dir", work.resolve("state-passthrough").toString());
            if (commitInterval != null) {
                passthroughProps.put("commit.interval.ms", commitInterval);
            }
            StreamsBuilder builder = new StreamsBuilder();
            builder.stream(raw, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                    .to("bench.passthrough", Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
            Topology passthroughTopology = builder.build();
            // Warm-up: each side first runs over the first records under its own application id, unmeasured, so that
            // the JIT has compiled both sides' code before either is timed (validation has far more code to compile:
            // Avro, CEL, RocksDB, sketches; in a 50,000-record run the compiler threads took most of its CPU).
            long warmup = Math.min(n, WARMUP_RECORDS);
            out.printf("Warm-up: %,d records through each side (unmeasured)...%n", warmup);
            measure(stack, passthroughTopology, warmupProps(passthroughProps, work, "bench-passthrough"), raw,
                    "bench-passthrough-warmup", warmup);
            measure(stack, ValidationTopology.buildTopology(spec, serdes,
                    io.mlcycle.mlcore.registry.ModelSigning.development()),
                    warmupProps(StreamsSettings.forApplication(platform, "bench-validation"), work, "bench-validation"),
                    raw, "bench-validation-warmup", warmup);
            Run passthrough = measure(stack, passthroughTopology, passthroughProps, raw, "bench-passthrough",
                    Long.MAX_VALUE);
            long passthroughState = size(work.resolve("state-passthrough"));

            Properties validationProps = StreamsSettings.forApplication(platform, "bench-validation");
            validationProps.put("state.dir", work.resolve("state-validation").toString());
            if (commitInterval != null) {
                validationProps.put("commit.interval.ms", commitInterval);
            }
            Peaks peaks = new Peaks(work.resolve("state-validation"));
            Run validation;
            try (peaks) {
                validation = measure(stack, ValidationTopology.buildTopology(spec, serdes,
                        io.mlcycle.mlcore.registry.ModelSigning.development()), validationProps, raw,
                        "bench-validation", Long.MAX_VALUE);
            }
            long validationState = size(work.resolve("state-validation"));

            double ratio = validation.recordsPerSecond() / passthrough.recordsPerSecond();
            out.printf("%nrecords               %,d (5%% out of range, 1%% undecodable, 1%% duplicates)%n", n);
            out.printf("commit.interval.ms    %s (both)%n", passthroughProps.get("commit.interval.ms"));
            out.printf("passthrough (EOS v2)  %,.0f records/s   CPU %.1f us/record (process, broker included),"
                    + " %.1f us/record (stream thread)   state on disk %,d bytes%n", passthrough.recordsPerSecond(),
                    passthrough.processCpuMicros(), passthrough.streamThreadCpuMicros(), passthroughState);
            out.printf("validation  (EOS v2)  %,.0f records/s   CPU %.1f us/record (process, broker included),"
                    + " %.1f us/record (stream thread)   state on disk %,d bytes%n", validation.recordsPerSecond(),
                    validation.processCpuMicros(), validation.streamThreadCpuMicros(), validationState);
            out.printf("validation peaks      state on disk %,d bytes, JVM heap used %,d bytes (sampled every second;"
                    + " heap includes the broker and the passthrough's leftovers)%n", peaks.disk, peaks.heap);
            for (Map.Entry<String, Run> side : Map.of("passthrough", passthrough, "validation", validation)
                    .entrySet()) {
                out.printf("%s CPU by thread (us/record, top 10):%n", side.getKey());
                side.getValue().threadCpuMicros().entrySet().stream()
                        .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(10)
                        .forEach(e -> out.printf("    %8.1f  %s%n", e.getValue(), e.getKey()));
            }
            out.printf("CPU ratio             %.2fx   (passthrough's process CPU per record / validation's)%n",
                    passthrough.processCpuMicros() / validation.processCpuMicros());
            out.printf("ratio                 %.2fx   (floor %.1fx): %s%n", ratio, FLOOR,
                    ratio >= FLOOR ? "met" : "NOT met");
            return ratio >= FLOOR ? 0 : 1;
        } finally {
            deleteQuietly(work);
        }
    }

    /**
     * {@code --state}: validation alone over the {@code n} records, sampling every 10 s the records committed, the
     * JVM's heap (used, and after the last garbage collection), the state directory's size on disk and the size of
     * the duplicate store's changelog on the broker; prints a line per sample and the maxima. Event time advances
     * {@value #STEP_MS} ms per record, so the duplicate retention (one day) holds at most 432,000 event ids whatever
     * {@code n}: a bounded store shows sizes that stop growing once the event time passes the retention.
     */
    private static int stateRun(LocalStack stack, PipelineSpec spec, PipelineSerdes serdes, PlatformConfig platform,
                                Path work, String raw, int n, String commitInterval, PrintStream out)
            throws Exception {
        Properties props = StreamsSettings.forApplication(platform, "bench-validation");
        Path stateDir = work.resolve("state-validation");
        props.put("state.dir", stateDir.toString());
        if (commitInterval != null) {
            props.put("commit.interval.ms", commitInterval);
        }
        Duration retention = spec.gates().duplicates().orElseThrow();
        String changelog = "bench-validation-" + io.mlcycle.validation.ValidationTopology.DUPLICATES_STORE
                + "-changelog";
        long[] max = new long[5]; // heap used, heap after GC, process resident, state on disk, changelog
        try (KafkaStreams streams = new KafkaStreams(ValidationTopology.buildTopology(spec, serdes,
                io.mlcycle.mlcore.registry.ModelSigning.development()), props); Admin admin = admin(stack)) {
            Map<TopicPartition, Long> end = endOffsets(admin, raw);
            long total = end.values().stream().mapToLong(Long::longValue).sum();
            long start = System.nanoTime();
            streams.start();
            out.printf("%n%8s %12s %14s %14s %14s %16s %16s%n", "seconds", "committed", "heap used",
                    "heap after GC", "process RSS", "state on disk", "dup changelog");
            long next = System.nanoTime();
            while (true) {
                if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                    throw new IllegalStateException("validation stopped: " + streams.state());
                }
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("bench-validation")
                        .partitionsToOffsetAndMetadata().get();
                long done = end.keySet().stream().mapToLong(tp -> committed.get(tp) == null ? 0
                        : committed.get(tp).offset()).sum();
                boolean finished = done >= total;
                if (finished || System.nanoTime() >= next) {
                    long[] sample = {usedHeap(), heapAfterLastGc(), residentBytes(), sizeQuietly(stateDir),
                            topicSize(admin, changelog)};
                    for (int i = 0; i < max.length; i++) {
                        max[i] = Math.max(max[i], sample[i]);
                    }
                    out.printf("%8.0f %,12d %,14d %,14d %,14d %,16d %,16d%n", (System.nanoTime() - start) / 1e9,
                            done, sample[0], sample[1], sample[2], sample[3], sample[4]);
                    next = System.nanoTime() + 10_000_000_000L;
                }
                if (finished) {
                    break;
                }
                Thread.sleep(200); // polling offsets in a benchmark driver, not a test
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            streams.close(Duration.ofSeconds(30));
            long bound = retention.toMillis() / STEP_MS;
            out.printf("%nrecords               %,d over %.1f days of event time (%d ms apart); duplicate retention %s"
                    + " = at most %,d event ids in the store%n", n, n * (double) STEP_MS / 86_400_000, STEP_MS,
                    retention, bound);
            out.printf("validation (EOS v2)   %,.0f records/s (%,.0f s, from start, restore included)%n",
                    total / seconds, seconds);
            out.printf("max heap used         %,d bytes (sampled; the broker and the producer's leftovers included)%n",
                    max[0]);
            out.printf("max heap after GC     %,d bytes%n", max[1]);
            out.printf("max process RSS       %,d bytes (heap, RocksDB memtables and caches, the broker's too)%n",
                    max[2]);
            out.printf("max state on disk     %,d bytes (after close %,d: RocksDB flushes its memtables)%n", max[3],
                    sizeQuietly(stateDir));
            out.printf("max dup changelog     %,d bytes (final %,d; the broker deletes closed segments older than"
                    + " the changelog retention every 5 minutes)%n", max[4], topicSize(admin, changelog));
            return 0;
        }
    }

    private static final java.util.Set<String> HEAP_POOLS = java.lang.management.ManagementFactory
            .getMemoryPoolMXBeans().stream().filter(p -> p.getType() == java.lang.management.MemoryType.HEAP)
            .map(java.lang.management.MemoryPoolMXBean::getName).collect(java.util.stream.Collectors.toSet());

    /** The process's resident set (heap, RocksDB's memtables and caches, everything), from /proc; -1 elsewhere. */
    private static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static long usedHeap() {
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    /** Heap in use right after the last garbage collection (of any collector), 0 before the first. */
    private static long heapAfterLastGc() {
        long latestEnd = -1;
        long after = 0;
        for (java.lang.management.GarbageCollectorMXBean gc
                : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof com.sun.management.GarbageCollectorMXBean sun && sun.getLastGcInfo() != null
                    && sun.getLastGcInfo().getEndTime() > latestEnd) {
                latestEnd = sun.getLastGcInfo().getEndTime();
                after = sun.getLastGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                        .filter(pool -> HEAP_POOLS.contains(pool.getKey()))
                        .mapToLong(pool -> pool.getValue().getUsed()).sum();
            }
        }
        return after;
    }

    private static long sizeQuietly(Path dir) {
        for (int attempt = 0; ; attempt++) {
            try {
                return size(dir);
            } catch (RuntimeException e) {
                if (attempt == 5) {
                    return -1;
                }
                // RocksDB deletes files while we walk; walk again
            }
        }
    }

    /** The bytes of {@code topic}'s partitions in the broker's log directories (0 before the topic exists). */
    private static long topicSize(Admin admin, String topic) throws Exception {
        List<Integer> brokers = admin.describeCluster().nodes().get().stream()
                .map(org.apache.kafka.common.Node::id).toList();
        long bytes = 0;
        for (var dirs : admin.describeLogDirs(brokers).allDescriptions().get().values()) {
            for (var dir : dirs.values()) {
                for (var replica : dir.replicaInfos().entrySet()) {
                    if (replica.getKey().topic().equals(topic)) {
                        bytes += replica.getValue().size();
                    }
                }
            }
        }
        return bytes;
    }

    private static void produce(LocalStack stack, PipelineSerdes serdes, String raw, int n) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        SplittableRandom random = new SplittableRandom(7);
        // Event time (also the Kafka timestamp, which windows and the duplicate store go by) advances 200 ms per
        // record, so a run of 5,000,000 spans 11.6 days: the one-day duplicate retention must drop old segments.
        // The last event is an hour old; the raw topic keeps its records (see run), so none expires mid-benchmark.
        long at = Instant.now().minus(Duration.ofHours(1)).toEpochMilli() - (long) n * STEP_MS;
        String[] jobs = {"employed", "employed", "self_employed", "unemployed"};
        byte[] previous = null;
        String previousId = null;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                String id = "e-" + i;
                byte[] value;
                if (i % 100 == 7) {
                    value = ("garbage " + i).getBytes(StandardCharsets.UTF_8);
                } else if (i % 100 == 13 && previous != null) {
                    id = previousId;
                    value = previous;
                } else {
                    GenericRecord r = new GenericData.Record(serdes.dataSchema());
                    r.put("id", "A-" + i);
                    r.put("at", at + i * STEP_MS);
                    r.put("age", i % 20 == 3 ? 12 : 18 + random.nextInt(60));
                    double income = 1000 + random.nextDouble() * 5000;
                    r.put("income", income);
                    r.put("loan_amount", random.nextDouble() * income * 50);
                    r.put("late_30_59", random.nextInt(100) == 0 ? 98 : random.nextInt(4));
                    r.put("employment", jobs[random.nextInt(jobs.length)]);
                    r.put("defaulted", random.nextDouble() < 0.1);
                    value = serdes.valueSerde(Topics.DATA_RAW).serializer().serialize(raw, r);
                    previous = value;
                    previousId = id;
                }
                producer.send(new ProducerRecord<>(raw, null, at + i * STEP_MS, id.getBytes(StandardCharsets.UTF_8),
                        value));
            }
            producer.flush();
        }
    }

    /**
     * One side's figures: records per second (wall clock), and CPU time per record of the whole process (client and
     * in-process broker; the other side is closed) and of the side's stream thread. CPU per record hardly depends on
     * what else loads the machine, so it compares the two sides where the wall-clock rates are noisy.
     */
    private record Run(double recordsPerSecond, double processCpuMicros, double streamThreadCpuMicros,
                       Map<String, Double> threadCpuMicros) {
    }

    private static Properties warmupProps(Properties measured, Path work, String applicationId) {
        Properties props = new Properties();
        props.putAll(measured);
        props.put("application.id", applicationId + "-warmup");
        props.put("state.dir", work.resolve("state-warmup-" + applicationId).toString());
        return props;
    }


    /** CPU time so far of the live threads whose name contains {@code group + "-"} and {@code StreamThread}. */
    private static long streamThreadCpuNanos(String group) {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long total = 0;
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains(group + "-") && info.getThreadName().contains("StreamThread")
                    && !info.getThreadName().contains("producer")) {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    /** Records per second from the client's first RUNNING state until its committed offsets reach the end. */
    private static Run measure(LocalStack stack, Topology topology, Properties props, String raw, String group,
                               long stopAt) throws Exception {
        try (KafkaStreams streams = new KafkaStreams(topology, props); Admin admin = admin(stack)) {
            streams.start();
            while (streams.state() != KafkaStreams.State.RUNNING) {
                if (streams.state() == KafkaStreams.State.ERROR) {
                    throw new IllegalStateException(group + " failed to start");
                }
                Thread.sleep(20); // polling a state in a benchmark driver, not a test
            }
            long start = System.nanoTime();
            long cpuStart = ThreadCpu.processCpuNanos();
            long threadStart = streamThreadCpuNanos(group);
            Map<String, Long> threadsStart = ThreadCpu.snapshot();
            Map<TopicPartition, Long> end = endOffsets(admin, raw);
            long total = end.values().stream().mapToLong(Long::longValue).sum();
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get();
                boolean done = end.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                        && committed.get(e.getKey()).offset() >= e.getValue())
                        || committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum() >= stopAt;
                if (done) {
                    break;
                }
                if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                    throw new IllegalStateException(group + " stopped: " + streams.state());
                }
                Thread.sleep(50);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpu = (ThreadCpu.processCpuNanos() - cpuStart) / 1e3 / total;
            double thread = (streamThreadCpuNanos(group) - threadStart) / 1e3 / total;
            Map<String, Double> byThread = new HashMap<>(ThreadCpu.perUnitMicros(threadsStart, ThreadCpu.snapshot(),
                    total));
            double listed = byThread.values().stream().mapToDouble(Double::doubleValue).sum();
            byThread.put("(other: threads that ended, other native threads)", cpu - listed);
            streams.close(Duration.ofSeconds(30));
            return new Run(total / seconds, cpu, thread, byThread);
        }
    }

    /** Samples the validation state directory's size and the JVM's used heap every second while open. */
    private static final class Peaks implements AutoCloseable {
        private final java.util.concurrent.ScheduledExecutorService timer =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "bench-peaks");
                    t.setDaemon(true);
                    return t;
                });
        private volatile long disk;
        private volatile long heap;

        Peaks(Path stateDir) {
            timer.scheduleAtFixedRate(() -> {
                try {
                    disk = Math.max(disk, size(stateDir));
                } catch (RuntimeException ignored) {
                    // RocksDB deletes files while we walk; the next sample counts them
                }
                Runtime runtime = Runtime.getRuntime();
                heap = Math.max(heap, runtime.totalMemory() - runtime.freeMemory());
            }, 0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, Long> end = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
        return end;
    }

    private static Admin admin(LocalStack stack) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()));
    }

    private static long size(Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(files.toList());
            java.util.Collections.reverse(all);
            all.forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // a temporary directory; the OS cleans it eventually
        }
    }
}
