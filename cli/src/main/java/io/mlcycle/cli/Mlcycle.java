package io.mlcycle.cli;

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
        subcommands = {UpCommand.class, DemoCommand.class, io.mlcycle.cli.models.ModelsCommand.class,
                io.mlcycle.cli.models.RetrainCommand.class, CommandLine.HelpCommand.class})
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
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Mlcycle());
        commandLine.setExecutionExceptionHandler((exception, cmd, parseResult) -> {
            // One line a person can act on; the details are in the log.
            cmd.getErr().println("mlcycle " + cmd.getCommandName() + ": " + describe(exception));
            org.slf4j.LoggerFactory.getLogger(Mlcycle.class).debug("Command failed", exception);
            return 1;
        });
        return commandLine;
    }

    static String describe(Throwable exception) {
        Throwable cause = exception;
        while (cause.getCause() != null && (cause.getMessage() == null || cause instanceof java.util.concurrent.ExecutionException)) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
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
