package io.mlcycle.localstack;

/** A local stack component (broker or schema registry) could not start or stop; the message says why. */
public class LocalStackException extends RuntimeException {

    public LocalStackException(String message) {
        super(message);
    }

    public LocalStackException(String message, Throwable cause) {
        super(message, cause);
    }
}
