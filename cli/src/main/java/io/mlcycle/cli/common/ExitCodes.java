package io.mlcycle.cli.common;

/** The exit codes every mlcycle command uses, so scripts can tell failures apart. */
public final class ExitCodes {

    /** Done; for checks ({@code spec validate}, {@code spec diff}): the check passed. */
    public static final int OK = 0;
    /** The command failed, or a check it ran did not pass (an invalid spec, an incompatible change). */
    public static final int FAILURE = 1;
    /** Bad arguments, options or configuration (picocli uses 2 for parse errors too). */
    public static final int USAGE = 2;
    /** Kafka, the schema registry or a service could not be reached. */
    public static final int UNAVAILABLE = 3;
    /** The pipeline, topic or other named thing does not exist. */
    public static final int NOT_FOUND = 4;

    private ExitCodes() {
    }
}
