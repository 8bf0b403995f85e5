package io.mlcycle.bench.serving;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An open-loop, constant-rate HTTP load generator, run in its own JVM by {@code ./bench serving-http}: request i is
 * due at start + i / rate whatever happened to earlier ones, and its latency is measured from when it was due (not
 * when it was sent), so a slow server cannot slow the load down and hide its own queueing (no coordinated
 * omission; wrk, closed-loop, cannot do this). As wrk2 does, at most CONNECTIONS requests are outstanding: a request
 * due while all are busy is sent when one frees, and its wait counts in its latency. Prints one line of figures for
 * the parent to parse.
 *
 * <p>Usage: {@code OpenLoopLoad URL BODY_FILE RATE SECONDS [CONNECTIONS [WARMUP_SECONDS]]} (POST of the file as
 * JSON).
 */
public final class OpenLoopLoad {

    /** The figures of one run, in milliseconds. */
    record Result(long sent, long ok, long errors, double achievedPerSecond, double p50Ms, double p99Ms,
                  double p999Ms, double maxMs) {
    }

    private OpenLoopLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: OpenLoopLoad URL BODY_FILE RATE SECONDS [CONNECTIONS [WARMUP_SECONDS]]");
            System.exit(2);
        }
        URI uri = URI.create(args[0]);
        byte[] body = Files.readAllBytes(Path.of(args[1]));
        int rate = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        int connections = args.length > 4 ? Integer.parseInt(args[4]) : 16;
        int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        run(client, request, rate, warmup, connections, null);
        Result result = run(client, request, rate, seconds, connections, new long[Math.multiplyExact(rate, seconds)]);
        print(System.out, result);
        System.exit(0);
    }

    private static Result run(HttpClient client, HttpRequest request, int rate, int seconds, int connections,
                              long[] latencies) throws InterruptedException {
        Semaphore free = new Semaphore(connections);
        long total = (long) rate * seconds;
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicInteger recorded = new AtomicInteger();
        AtomicLong outstanding = new AtomicLong();
        long start = System.nanoTime();
        for (long i = 0; i < total; i++) {
            long due = start + i * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            free.acquire();
            outstanding.incrementAndGet();
            client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
                long latency = System.nanoTime() - due;
                if (failure == null && response.statusCode() / 100 == 2) {
                    ok.incrementAndGet();
                } else {
                    errors.incrementAndGet();
                }
                if (latencies != null) {
                    int at = recorded.getAndIncrement();
                    if (at < latencies.length) {
                        latencies[at] = latency;
                    }
                }
                outstanding.decrementAndGet();
                free.release();
            });
        }
        long sendEnd = System.nanoTime();
        long deadline = sendEnd + TimeUnit.SECONDS.toNanos(30);
        while (outstanding.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        double achieved = total / ((sendEnd - start) / 1e9);
        if (latencies == null) {
            return null;
        }
        int n = Math.min(recorded.get(), latencies.length);
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        return new Result(total, ok.get(), errors.get() + outstanding.get(), achieved, percentile(sorted, 0.50),
                percentile(sorted, 0.99), percentile(sorted, 0.999), n == 0 ? Double.NaN : sorted[n - 1] / 1e6);
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }

    private static void print(PrintStream out, Result r) {
        out.printf(Locale.ROOT, "open-loop sent=%d ok=%d errors=%d achieved=%.1f p50=%.3f p99=%.3f p999=%.3f"
                + " max=%.3f%n", r.sent(), r.ok(), r.errors(), r.achievedPerSecond(), r.p50Ms(), r.p99Ms(),
                r.p999Ms(), r.maxMs());
    }

    /** Runs the generator in a new JVM (same classpath) and parses its line. */
    static Result inAnotherJvm(String url, Path body, int rate, int seconds, int connections)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx256m", "-cp", System.getProperty("java.class.path"), OpenLoopLoad.class.getName(),
                url, body.toString(), Integer.toString(rate), Integer.toString(seconds), Integer.toString(connections)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("the load generator failed: " + output);
        }
        Matcher m = Pattern.compile("open-loop sent=(\\d+) ok=(\\d+) errors=(\\d+) achieved=([0-9.]+) p50=([0-9.]+)"
                + " p99=([0-9.]+) p999=([0-9.]+) max=([0-9.]+)").matcher(output);
        if (!m.find()) {
            throw new IOException("the load generator printed no figures: " + output);
        }
        return new Result(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5)), Double.parseDouble(m.group(6)),
                Double.parseDouble(m.group(7)), Double.parseDouble(m.group(8)));
    }
}
