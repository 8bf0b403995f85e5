package io.mlcycle.cli.ops;

import io.mlcycle.cli.common.CliException;
import io.mlcycle.cli.common.ConnectionOptions;
import io.mlcycle.cli.common.ExitCodes;
import io.mlcycle.cli.common.OutputOptions;
import io.mlcycle.cli.common.Table;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.mlcore.spec.SpecException;
import io.mlcycle.platform.kafka.TopicAdmin;
import io.mlcycle.schemas.TopicDescriptor;
import io.mlcycle.schemas.Topics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mlcycle topics}: the pipeline topics from the one catalog ({@link Topics}). */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Manage a pipeline's topics (from the topic catalog).",
        subcommands = {TopicsCommand.Create.class})
public final class TopicsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code topics create}: creates a pipeline's missing topics (partitions, cleanup, retention from the catalog) and
     * checks that the joined ones are co-partitioned. Idempotent; what docker-compose's one-shot topic creator runs.
     */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create the missing topics of one or more pipelines and check the joined ones are "
                    + "co-partitioned. Existing topics are left as they are."})
    static final class Create implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        @Mixin
        OutputOptions output;

        @Option(names = "--spec", paramLabel = "FILE", description = "A pipeline spec (repeatable).")
        List<Path> specs = new ArrayList<>();

        @Option(names = {"-p", "--pipeline"}, paramLabel = "P", description = "A pipeline name (repeatable).")
        List<String> pipelines = new ArrayList<>();

        @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "-1",
                description = "Replicas per partition (default: ${DEFAULT-VALUE}, the broker's default.replication.factor).")
        short replicationFactor;

        @Override
        public Integer call() throws Exception {
            List<String> names = new ArrayList<>(pipelines);
            for (Path file : specs) {
                if (!Files.isRegularFile(file)) {
                    throw CliException.notFound("no spec file at " + file);
                }
                try {
                    names.add(PipelineSpecParser.parse(file).pipeline());
                } catch (SpecException e) {
                    throw CliException.usage(file + " is not a valid spec: " + e.errors().get(0));
                }
            }
            if (names.isEmpty()) {
                throw CliException.usage("name a pipeline with --spec FILE or --pipeline P");
            }
            if (replicationFactor == 0 || replicationFactor < -1) {
                throw CliException.usage("--replication-factor must be -1 (broker default) or >= 1");
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (Admin admin = connection.admin()) {
                for (String pipeline : names) {
                    TopicDescriptor.requireValidPipelineName(pipeline);
                    List<String> created = TopicAdmin.ensureTopics(admin, pipeline, Topics.all(), replicationFactor,
                            TopicAdmin.DEFAULT_TIMEOUT);
                    TopicAdmin.requireCoPartitioned(admin, Topics.joined().stream().map(t -> t.name(pipeline)).toList(),
                            TopicAdmin.DEFAULT_TIMEOUT);
                    for (TopicDescriptor<?, ?> topic : Topics.all()) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("topic", topic.name(pipeline));
                        row.put("partitions", topic.partitions());
                        row.put("cleanup", topic.cleanup().configValue());
                        row.put("created", created.contains(topic.name(pipeline)));
                        rows.add(row);
                    }
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                OutputOptions.printJson(out, rows);
            } else {
                Table table = Table.of("TOPIC").right("PARTITIONS").left("CLEANUP").left("STATE");
                rows.forEach(r -> table.row(r.get("topic"), r.get("partitions"), r.get("cleanup"),
                        (Boolean) r.get("created") ? "created" : "existed"));
                table.print(out);
            }
            return ExitCodes.OK;
        }
    }
}
