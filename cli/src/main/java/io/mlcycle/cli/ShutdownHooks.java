package io.mlcycle.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Ctrl-C handling: the JVM halts once its shutdown hooks return, so a hook waits for the clean stop it asked for. */
final class ShutdownHooks {

    private static final long CLOSE_TIMEOUT_SECONDS = 60;

    private ShutdownHooks() {
    }

    /** Signals {@code stop} and waits (bounded) until the main thread has counted {@code closed} down. */
    static void stopAndAwait(CountDownLatch stop, CountDownLatch closed) {
        stop.countDown();
        awaitClosed(closed);
    }

    /** Waits (bounded) until the main thread has counted {@code closed} down after its clean stop. */
    static void awaitClosed(CountDownLatch closed) {
        try {
            closed.await(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Removes a hook that is no longer needed; during shutdown there is nothing to remove. */
    static void removeQuietly(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shutdownInProgress) {
            // The JVM is already stopping and runs the hook.
        }
    }
}
