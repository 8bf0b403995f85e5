package io.mlcycle.platform.registry;

/**
 * The registry could not be reached (connection refused, timeout, I/O error) even after the configured retries.
 * The message names the URL(s) tried.
 */
public class RegistryUnreachableException extends SchemaRegistryException {

    public RegistryUnreachableException(String message, Throwable cause) {
        super(-1, -1, message, cause);
    }
}
