package io.mlcycle.platform.lifecycle;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Routes java.util.logging (used by some libraries, Tribuo among them) to SLF4J, so that every log line goes where
 * the service's logging configuration says instead of to standard error.
 */
public final class JulBridge {

    private JulBridge() {
    }

    /** Installs the bridge once per JVM; calling it again does nothing. */
    public static synchronized void install() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }
}
