package io.mlcycle.bench.serving;

import java.io.IOException;
import java.io.PrintStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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
 * omission; wrk, closed-loop, cannot do this). As wrk2 does, CONNECTIONS keep-alive connections each carry one request
 * at a time: a request due while all are busy is sent when one frees, and its wait counts in its latency. Prints one line of figures for
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
        String head = "POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] request = new byte[head.length() + body.length];
        System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, request, 0, head.length());
        System.arraycopy(body, 0, request, head.length(), body.length);
        run(uri, request, rate, warmup, connections, null, null);
        long[] dues = new long[Math.multiplyExact(rate, seconds)];
        long wallAtStart = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        Result result = run(uri, request, rate, seconds, connections, new long[dues.length], dues);
        print(System.out, result);
        String trace = System.getenv("MLCYCLE_OPEN_LOOP_TRACE");
        if (trace != null && !trace.isBlank()) {
            // Diagnostics: when each slow request (1 ms or more) was due, wall clock, to line up with the server's
            // logs and profiles; one "epoch-ms latency-us" line each.
            writeTrace(Path.of(trace), dues, wallAtStart);
        }
        System.exit(0);
    }

    /**
     * Plain blocking sockets, one thread per keep-alive connection (far lighter than an HTTP client library, so the
     * generator does not become the bottleneck): each thread takes the next request number, waits until it is due,
     * sends the fixed request and reads the whole answer.
     */
    private static Result run(URI uri, byte[] request, int rate, int seconds, int connections, long[] latencies,
                              long[] trace) throws InterruptedException {
        long total = (long) rate * seconds;
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        AtomicLong next = new AtomicLong();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicInteger recorded = new AtomicInteger();
        AtomicLong lastSent = new AtomicLong();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        traceStart = start;
        traceInterval = intervalNanos;
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Thread thread = new Thread(() -> {
                Socket socket = null;
                byte[] buffer = new byte[1 << 16];
                while (true) {
                    long i = next.getAndIncrement();
                    if (i >= total) {
                        break;
                    }
                    long due = start + i * intervalNanos;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    try {
                        if (socket == null) {
                            socket = new Socket(uri.getHost(), uri.getPort());
                            socket.setTcpNoDelay(true);
                            socket.setSoTimeout(30_000);
                        }
                        socket.getOutputStream().write(request);
                        long sent = System.nanoTime();
                        lastSent.accumulateAndGet(sent, Math::max);
                        int status = readResponse(socket.getInputStream(), buffer);
                        if (status / 100 == 2) {
                            ok.incrementAndGet();
                        } else {
                            errors.incrementAndGet();
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        closeQuietly(socket);
                        socket = null;
                    }
                    if (latencies != null) {
                        int at = recorded.getAndIncrement();
                        if (at < latencies.length) {
                            latencies[at] = System.nanoTime() - due;
                            if (trace != null && i < trace.length) {
                                trace[(int) i] = latencies[at];
                            }
                        }
                    }
                }
                closeQuietly(socket);
            }, "open-loop-" + c);
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (latencies == null) {
            return null;
        }
        double achieved = total / Math.max(1e-9, (lastSent.get() - start) / 1e9);
        int n = Math.min(recorded.get(), latencies.length);
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        return new Result(total, ok.get(), errors.get(), achieved, percentile(sorted, 0.50),
                percentile(sorted, 0.99), percentile(sorted, 0.999), n == 0 ? Double.NaN : sorted[n - 1] / 1e6);
    }

    private static void writeTrace(Path file, long[] latencyByRequest, long wallAtStart) throws IOException {
        StringBuilder out = new StringBuilder();
        long start = traceStart;
        for (int i = 0; i < latencyByRequest.length; i++) {
            if (latencyByRequest[i] >= 1_000_000L) {
                out.append((wallAtStart + start + i * traceInterval) / 1_000_000L).append(' ')
                        .append(latencyByRequest[i] / 1_000L).append('\n');
            }
        }
        Files.writeString(file, out.toString());
    }

    private static volatile long traceStart;
    private static volatile long traceInterval;

    /** Reads one HTTP/1.1 answer (Content-Length or chunked) and gives its status. */
    private static int readResponse(InputStream in, byte[] buffer) throws IOException {
        int length = 0;
        int headerEnd = -1;
        while (headerEnd < 0) {
            int read = in.read(buffer, length, buffer.length - length);
            if (read < 0) {
                throw new IOException("connection closed");
            }
            length += read;
            headerEnd = indexOf(buffer, length, HEADER_END, 0);
            if (headerEnd < 0 && length == buffer.length) {
                throw new IOException("headers too long");
            }
        }
        String headers = new String(buffer, 0, headerEnd, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        int status = Integer.parseInt(headers.substring(9, 12));
        int bodyStart = headerEnd + HEADER_END.length;
        Matcher contentLength = CONTENT_LENGTH.matcher(headers);
        if (contentLength.find()) {
            long remaining = Long.parseLong(contentLength.group(1)) - (length - bodyStart);
            while (remaining > 0) {
                int read = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (read < 0) {
                    throw new IOException("connection closed");
                }
                remaining -= read;
            }
        } else if (headers.contains("transfer-encoding: chunked")) {
            // Keep the tail only: the answer ends with the last chunk, "0\r\n\r\n".
            int kept = length - bodyStart;
            System.arraycopy(buffer, bodyStart, buffer, 0, kept);
            while (indexOf(buffer, kept, LAST_CHUNK, Math.max(0, kept - LAST_CHUNK.length)) < 0) {
                if (kept > buffer.length / 2) {
                    System.arraycopy(buffer, kept - LAST_CHUNK.length, buffer, 0, LAST_CHUNK.length);
                    kept = LAST_CHUNK.length;
                }
                int read = in.read(buffer, kept, buffer.length - kept);
                if (read < 0) {
                    throw new IOException("connection closed");
                }
                kept += read;
            }
        }
        return status;
    }

    private static final byte[] HEADER_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern CONTENT_LENGTH = Pattern.compile("content-length:\\s*(\\d+)");

    private static int indexOf(byte[] data, int length, byte[] pattern, int from) {
        outer:
        for (int i = from; i + pattern.length <= length; i++) {
            for (int k = 0; k < pattern.length; k++) {
                if (data[i + k] != pattern[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
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
