package io.mlcycle.localstack;

/**
 * A fixed port the local stack needs is already taken. The message names the port, what needed it
 * and the setting (CLI flag) that changes it, e.g.
 * {@code Port 9092 on 127.0.0.1 (Kafka broker) is already in use. Stop the process using it or choose another port with --kafka-port.}
 */
public final class PortInUseException extends LocalStackException {

    private final int port;
    private final String component;
    private final String setting;

    public PortInUseException(int port, String component, String setting) {
        super("Port " + port + " on 127.0.0.1 (" + component + ") is already in use. "
                + "Stop the process using it or choose another port with " + setting + ".");
        this.port = port;
        this.component = component;
        this.setting = setting;
    }

    public int port() {
        return port;
    }

    public String component() {
        return component;
    }

    /** The setting or CLI flag that changes the port, e.g. {@code --kafka-port}. */
    public String setting() {
        return setting;
    }
}
