package io.mlcycle.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** Entry point of {@code ./bench}: lists the benchmarks or runs one by name. */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        List<Benchmark> all = new ArrayList<>();
        ServiceLoader.load(Benchmark.class).forEach(all::add);
        all.sort(Comparator.comparing(Benchmark::name));
        if (args.length == 0 || args[0].equals("--list") || args[0].equals("--help")) {
            System.out.println("usage: ./bench NAME [ARGS...]   (./bench NAME --help for its options)");
            int width = all.stream().mapToInt(b -> b.name().length()).max().orElse(4);
            for (Benchmark b : all) {
                System.out.printf("  %-" + width + "s  %s%n", b.name(), b.description());
            }
            System.exit(args.length == 0 ? 2 : 0);
        }
        for (Benchmark b : all) {
            if (b.name().equals(args[0])) {
                System.exit(b.run(Arrays.asList(args).subList(1, args.length), System.out));
            }
        }
        System.err.println("bench: no benchmark named '" + args[0] + "' (./bench --list shows them)");
        System.exit(2);
    }
}
