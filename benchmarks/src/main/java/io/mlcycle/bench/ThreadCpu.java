package io.mlcycle.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * CPU time of this process by thread group, for benchmarks that explain where a run's CPU went: Java threads from
 * {@link ThreadMXBean} (names with digits and client UUIDs folded), and the JVM's own native threads (garbage
 * collection, JIT compilers, RocksDB, VM) from {@code /proc/self/task}, prefixed {@code native:}. CPU per record
 * hardly depends on what else loads the machine, where wall-clock rates do.
 */
public final class ThreadCpu {

    private ThreadCpu() {
    }

    /** CPU nanoseconds this process has used so far, all threads (0 where the JVM does not tell). */
    public static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    /** CPU nanoseconds so far per thread group (native threads in 10 ms ticks; absent where there is no /proc). */
    public static Map<String, Long> snapshot() {
        Map<String, Long> byName = new HashMap<>(java());
        byName.putAll(nativeThreads());
        return byName;
    }

    /** Per group, CPU microseconds per unit of work between two snapshots (groups that did not run left out). */
    public static Map<String, Double> perUnitMicros(Map<String, Long> before, Map<String, Long> after, double units) {
        Map<String, Double> result = new HashMap<>();
        after.forEach((name, nanos) -> {
            double micros = (nanos - before.getOrDefault(name, 0L)) / 1e3 / units;
            if (micros > 0) {
                result.put(name, micros);
            }
        });
        return result;
    }

    /**
     * The largest groups first, as {@code name 1.23} items joined by ", ", then what the process spent besides the
     * listed groups: mostly threads that ended before the second snapshot (a closed client's threads), which
     * {@link ThreadMXBean} no longer lists.
     *
     * @param processMicros the process's CPU per unit over the same interval
     */
    public static String describe(Map<String, Double> micros, int limit, double processMicros) {
        List<Map.Entry<String, Double>> sorted = micros.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(limit).toList();
        double listed = micros.values().stream().mapToDouble(Double::doubleValue).sum();
        return sorted.stream().map(e -> String.format("%s %.2f", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", ")) + String.format("; ended threads and the rest %.2f",
                Math.max(0, processMicros - listed));
    }

    private static Map<String, Long> java() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Long> byName = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null) {
                String name = info.getThreadName().replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "U")
                        .replaceAll("\\d+", "N");
                byName.merge(name, Math.max(0, threads.getThreadCpuTime(info.getThreadId())), Long::sum);
            }
        }
        return byName;
    }

    private static Map<String, Long> nativeThreads() {
        Map<String, Long> byName = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String comm = Files.readString(task.resolve("comm")).trim();
                    if (!(comm.startsWith("GC ") || comm.startsWith("G1 ") || comm.contains("CompilerThre")
                            || comm.startsWith("rocksdb") || comm.startsWith("VM "))) {
                        continue;
                    }
                    String stat = Files.readString(task.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime + stime
                    byName.merge("native:" + comm.replaceAll("\\d+", "N"), ticks * 10_000_000L, Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended while it was read
                }
            }
        } catch (IOException | RuntimeException e) {
            return byName;
        }
        return byName;
    }
}
