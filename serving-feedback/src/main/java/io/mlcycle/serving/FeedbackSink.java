package io.mlcycle.serving;

import io.mlcycle.avro.Feedback;
import java.util.concurrent.CompletableFuture;

/** Where HTTP feedback goes: {@code <p>.feedback}, keyed by event id. Completes when the broker acknowledged it. */
@FunctionalInterface
public interface FeedbackSink {
    CompletableFuture<Void> send(Feedback feedback);
}
