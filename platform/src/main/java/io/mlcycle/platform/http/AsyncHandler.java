package io.mlcycle.platform.http;

import java.util.concurrent.CompletionStage;

/**
 * Handles one routed HTTP request without holding a thread while it waits (e.g. for Kafka acknowledgements): it
 * returns at once and the answer is sent when the stage completes. Complete exceptionally with (or throw)
 * {@link HttpProblem} for 4xx/5xx answers; any other failure is a logged 500.
 */
@FunctionalInterface
public interface AsyncHandler {
    CompletionStage<Response> handle(Request request) throws Exception;
}
