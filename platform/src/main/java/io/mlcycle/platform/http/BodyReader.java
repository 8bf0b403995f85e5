package io.mlcycle.platform.http;

/**
 * Reads a request body in place (see {@link Request#readBody}): the bytes are the host's own buffer, lent for the
 * call, so a large body is not copied; the reader must neither change nor keep them.
 */
@FunctionalInterface
public interface BodyReader<T, E extends Exception> {
    T read(byte[] bytes, int offset, int length) throws E;
}
