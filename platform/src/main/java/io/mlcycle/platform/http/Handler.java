package io.mlcycle.platform.http;

/** Handles one routed HTTP request. Throw {@link HttpProblem} for 4xx answers; any other exception is a logged 500. */
@FunctionalInterface
public interface Handler {
    Response handle(Request request) throws Exception;
}
