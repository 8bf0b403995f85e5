package io.mlcycle.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.cli.common.CliException;
import io.mlcycle.cli.common.ConnectionOptions;
import io.mlcycle.cli.common.ExitCodes;
import io.mlcycle.cli.common.OutputOptions;
import io.mlcycle.cli.common.TopicReader;
import io.mlcycle.schemas.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mlcycle tail TOPIC}: prints a topic's records decoded through the schema registry, one JSON object per line
 * ({@code topic, partition, offset, timestamp, key, value}; {@code error} instead of {@code value} for a record that
 * cannot be decoded). Without a consumer group: it never moves the services' offsets.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Print a topic's records decoded to JSON (one object per line).",
                "By default the last 10 records of each partition, then stop; --follow keeps waiting for new ones."})
public final class TailCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "TOPIC",
            description = "Full topic name (credit.predictions), or a catalog suffix (predictions) with --pipeline.")
    String topicArgument;

    @Option(names = {"-p", "--pipeline"}, paramLabel = "P", description = "Pipeline of a suffix TOPIC.")
    String pipeline;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new records until Ctrl-C (or --max).")
    boolean follow;

    @Option(names = "--from-beginning", description = "Start at the first record of each partition.")
    boolean fromBeginning;

    @Option(names = {"-n", "--last"}, paramLabel = "N", defaultValue = "10",
            description = "Start N records before the end of each partition (default: ${DEFAULT-VALUE}).")
    int last;

    @Option(names = "--partition", paramLabel = "N", split = ",", description = "Only these partitions (repeatable).")
    List<Integer> partitions = new ArrayList<>();

    @Option(names = "--offset", paramLabel = "OFFSET",
            description = "Start at this offset in each selected partition (clamped to what the partition holds).")
    Long offset;

    @Option(names = "--where", paramLabel = "FIELD=VALUE",
            description = "Only records whose value field (dotted path, e.g. stage or reasons.0.code; key = the record key) equals VALUE "
                    + "(repeatable; all must match).")
    List<String> where = new ArrayList<>();

    @Option(names = "--max", paramLabel = "N", description = "Stop after printing N records.")
    Long max;

    @Override
    public Integer call() {
        if (fromBeginning && offset != null) {
            throw CliException.usage("--from-beginning and --offset cannot be used together");
        }
        if (last < 0 || (max != null && max < 1)) {
            throw CliException.usage("--last must be >= 0 and --max >= 1");
        }
        Map<List<String>, String> filters = parseWhere(where);
        String topic = topicName();
        PrintWriter out = spec.commandLine().getOut();
        AtomicLong printed = new AtomicLong();
        try (TopicReader reader = new TopicReader(connection.consumerProperties("tail"), connection.registryClient())) {
            List<TopicPartition> selected = select(reader.partitions(topic));
            Map<TopicPartition, Long> begin = reader.beginningOffsets(selected);
            Map<TopicPartition, Long> end = reader.endOffsets(selected);
            Map<TopicPartition, Long> start = new HashMap<>();
            for (TopicPartition tp : selected) {
                long from;
                if (fromBeginning) {
                    from = begin.get(tp);
                } else if (offset != null) {
                    from = Math.min(Math.max(offset, begin.get(tp)), end.get(tp));
                } else {
                    from = Math.max(begin.get(tp), end.get(tp) - last);
                }
                start.put(tp, from);
            }
            Thread hook = new Thread(reader::wakeup, "mlcycle-tail-stop");
            if (follow) {
                Runtime.getRuntime().addShutdownHook(hook);
            }
            try {
                reader.read(start, follow ? null : end, follow ? null : Duration.ofSeconds(60), record -> {
                    if (matches(record, filters)) {
                        OutputOptions.printJsonLine(out, record.toMap());
                        return max == null || printed.incrementAndGet() < max;
                    }
                    return true;
                });
            } catch (WakeupException stopped) {
                // Ctrl-C during --follow: a normal end.
            } finally {
                if (follow) {
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // The JVM is exiting: the hook has run.
                    }
                }
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private String topicName() {
        if (pipeline == null) {
            return topicArgument;
        }
        String suffix = topicArgument.startsWith(pipeline + ".") ? topicArgument.substring(pipeline.length() + 1) : topicArgument;
        return Topics.all().stream().filter(t -> t.suffix().equals(suffix)).findFirst()
                .map(t -> t.name(pipeline))
                .orElseThrow(() -> CliException.usage("'" + topicArgument + "' is not a pipeline topic; expected one of "
                        + String.join(", ", Topics.all().stream().map(t -> t.suffix()).toList())));
    }

    private List<TopicPartition> select(List<TopicPartition> all) {
        if (partitions.isEmpty()) {
            return all;
        }
        List<TopicPartition> selected = new ArrayList<>();
        for (int partition : partitions) {
            TopicPartition tp = all.stream().filter(p -> p.partition() == partition).findFirst()
                    .orElseThrow(() -> CliException.notFound("topic " + all.get(0).topic() + " has no partition "
                            + partition + " (it has " + all.size() + ")"));
            selected.add(tp);
        }
        return selected;
    }

    static Map<List<String>, String> parseWhere(List<String> where) {
        Map<List<String>, String> filters = new LinkedHashMap<>();
        for (String clause : where) {
            int eq = clause.indexOf('=');
            if (eq <= 0) {
                throw CliException.usage("--where '" + clause + "': expected FIELD=VALUE");
            }
            filters.put(List.of(clause.substring(0, eq).trim().split("\\.")), clause.substring(eq + 1));
        }
        return filters;
    }

    /** True when every filter's field has the value: text compared as text, other JSON values by their text form. */
    static boolean matches(TopicReader.Decoded record, Map<List<String>, String> filters) {
        for (Map.Entry<List<String>, String> filter : filters.entrySet()) {
            List<String> path = filter.getKey();
            String actual;
            if (path.size() == 1 && path.get(0).equals("key")) {
                actual = record.key();
            } else {
                if (record.value() == null) {
                    return false;
                }
                JsonNode node = record.value();
                for (String part : path) {
                    // reasons.0.code: a number steps into an array.
                    node = node.isArray() && part.matches("\\d{1,9}") ? node.path(Integer.parseInt(part)) : node.path(part);
                }
                actual = node.isMissingNode() ? null : node.isValueNode() ? node.asText() : node.toString();
            }
            if (actual == null || !actual.equals(filter.getValue())) {
                return false;
            }
        }
        return true;
    }
}
