package io.mlcycle.cli.common;

import io.mlcycle.platform.config.ConfigException;
import io.mlcycle.platform.registry.RegistryUnreachableException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * How every command fails: one line {@code mlcycle <command>: <reason>} on stderr, the stack trace only in the debug
 * log, and an exit code from {@link ExitCodes} chosen by the kind of failure.
 */
public final class CliErrors {

    private CliErrors() {
    }

    /** The handler the top-level command line installs. */
    public static CommandLine.IExecutionExceptionHandler handler() {
        return (exception, cmd, parseResult) -> {
            cmd.getErr().println("mlcycle " + commandPath(cmd) + ": " + describe(exception));
            cmd.getErr().flush();
            LoggerFactory.getLogger(CliErrors.class).debug("Command failed", exception);
            return exitCode(exception);
        };
    }

    /** The exit code for a failure: the {@link CliException}'s own, else by the kind of cause. */
    public static int exitCode(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof CliException cli) {
                return cli.exitCode();
            }
            if (t instanceof ConfigException || t instanceof CommandLine.ParameterException) {
                return ExitCodes.USAGE;
            }
            if (t instanceof RegistryUnreachableException || t instanceof ConnectException
                    || t instanceof org.apache.kafka.common.errors.TimeoutException
                    || t instanceof java.util.concurrent.TimeoutException) {
                return ExitCodes.UNAVAILABLE;
            }
            if (t instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                return ExitCodes.NOT_FOUND;
            }
        }
        return ExitCodes.FAILURE;
    }

    /** The message that explains a failure, skipping wrappers without one of their own. */
    public static String describe(Throwable exception) {
        Throwable cause = exception;
        while (cause.getCause() != null && (cause.getMessage() == null || cause instanceof ExecutionException
                || cause instanceof CompletionException)) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        // One line: a multi-line message (e.g. a list of config problems) is joined.
        return message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    private static String commandPath(CommandLine cmd) {
        StringBuilder path = new StringBuilder(cmd.getCommandName());
        for (CommandLine parent = cmd.getParent(); parent != null && parent.getParent() != null; parent = parent.getParent()) {
            path.insert(0, parent.getCommandName() + " ");
        }
        return path.toString();
    }
}
