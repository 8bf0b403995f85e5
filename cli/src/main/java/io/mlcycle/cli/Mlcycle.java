package io.mlcycle.cli;

import io.mlcycle.cli.common.CliErrors;
import io.mlcycle.platform.lifecycle.JulBridge;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code mlcycle} command: runs the whole pipeline locally ({@code up}) or a scripted scenario on it
 * ({@code demo}).
 */
@Command(name = "mlcycle",
        mixinStandardHelpOptions = true,
        versionProvider = Mlcycle.Version.class,
        description = "An event-driven ML lifecycle pipeline on Apache Kafka.",
        // One line per command, so commands added in parallel merge cleanly.
        subcommands = {
                UpCommand.class,
                DemoCommand.class,
                io.mlcycle.cli.ops.StatusCommand.class,
                io.mlcycle.cli.ops.TailCommand.class,
                io.mlcycle.cli.ops.SpecCommand.class,
                io.mlcycle.cli.ingest.IngestCommand.class,
                io.mlcycle.cli.replay.ReplayCommand.class,
                io.mlcycle.cli.quarantine.QuarantineCommand.class,
                io.mlcycle.cli.ops.TopicsCommand.class,
                io.mlcycle.cli.models.ModelsCommand.class,
                io.mlcycle.cli.models.RetrainCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Mlcycle implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        JulBridge.install();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Mlcycle());
        // One line a person can act on and an exit code by kind of failure; the details are in the debug log.
        commandLine.setExecutionExceptionHandler(CliErrors.handler());
        return commandLine;
    }

    static String describe(Throwable exception) {
        return CliErrors.describe(exception);
    }

    /** The project version, written into a resource at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws java.io.IOException {
            java.util.Properties properties = new java.util.Properties();
            try (java.io.InputStream in = Mlcycle.class.getResourceAsStream("/mlcycle-version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            }
            return new String[] {"mlcycle " + properties.getProperty("version", "dev")};
        }
    }
}
