package io.mlcycle.cli.common;

/**
 * A failure a person can act on: its message is printed as the one line {@code mlcycle <command>: <message>} and the
 * process exits with {@link #exitCode()} (see {@link ExitCodes}). Throw it from a command's {@code call()}.
 */
public class CliException extends RuntimeException {

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** A bad argument or input file (exit {@value ExitCodes#USAGE}). */
    public static CliException usage(String message) {
        return new CliException(ExitCodes.USAGE, message);
    }

    /** Kafka, the registry or a service could not be reached (exit {@value ExitCodes#UNAVAILABLE}). */
    public static CliException unavailable(String message, Throwable cause) {
        return new CliException(ExitCodes.UNAVAILABLE, message, cause);
    }

    /** A pipeline, topic, model or record that does not exist (exit {@value ExitCodes#NOT_FOUND}). */
    public static CliException notFound(String message) {
        return new CliException(ExitCodes.NOT_FOUND, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
