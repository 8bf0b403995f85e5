package io.mlcycle.platform.lifecycle;

import java.util.concurrent.CompletionStage;

/**
 * Something running that can stop on its own (a Kafka Streams client that shut down after repeated failures).
 * {@link ServiceMain} watches it and ends the process with a non-zero exit code instead of lingering half-dead.
 */
public interface Terminating {

    /** Completes (normally or exceptionally) when this stops for any reason other than {@code close()}. */
    CompletionStage<?> terminated();
}
