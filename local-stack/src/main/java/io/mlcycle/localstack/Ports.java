package io.mlcycle.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Loopback port helpers: probing that a fixed port is free and picking free ephemeral ports. */
final class Ports {

    static final String LOOPBACK_HOST = "127.0.0.1";

    private Ports() {
    }

    /**
     * Fails with a {@link PortInUseException} naming {@code component} and {@code setting} when
     * {@code port} cannot be bound on 127.0.0.1. Checked before starting anything, so that a taken
     * port is reported in words instead of as a broker bind failure deep in a stack trace.
     */
    static void requireFree(int port, String component, String setting) {
        if (port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK_HOST), port));
        } catch (IOException e) {
            throw new PortInUseException(port, component, setting);
        }
    }

    /** A port that was free a moment ago on 127.0.0.1. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK_HOST), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on 127.0.0.1", e);
        }
    }

    static void requireValid(int port, String setting) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(setting + " must be between 0 and 65535, was " + port);
        }
    }
}
