package io.mlcycle.platform.lifecycle;

import io.mlcycle.platform.config.ConfigException;
import io.mlcycle.platform.config.ConfigSource;
import java.nio.file.Path;
import java.util.Map;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of every service {@code main}: starts the service, closes it on SIGTERM/SIGINT (shutdown hook, with a
 * timeout), and blocks until then. A startup failure is logged as one clear line and yields exit code
 * {@link #EXIT_STARTUP_FAILED}; a service that stops on its own ({@link Terminating}) yields
 * {@link #EXIT_TERMINATED}. Usage: {@code System.exit(ServiceMain.run("validation", () -> start(config)))}.
 */
public final class ServiceMain {

    private static final Logger log = LoggerFactory.getLogger(ServiceMain.class);

    public static final int EXIT_OK = 0;
    public static final int EXIT_STARTUP_FAILED = 1;
    public static final int EXIT_TERMINATED = 2;
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /** Where the shutdown signal comes from; the JVM's shutdown hooks in production, a test's trigger in tests. */
    interface ShutdownSignal {
        /** Registers {@code onShutdown} to run when the process is asked to stop; returns a handle to unregister it. */
        Runnable register(Runnable onShutdown);
    }

    private ServiceMain() {
    }

    /** Starts a service from its configuration; may throw (a {@link ConfigException} for bad settings). */
    @FunctionalInterface
    public interface Starter {
        AutoCloseable start(ConfigSource configuration) throws Exception;
    }

    /**
     * What every service main does: reads the configuration (built-in defaults, the file named by the first
     * argument or by {@value ConfigSource#CONFIG_FILE_ENV}, then {@code MLCYCLE_*} environment variables), starts
     * the service and runs it until the process is asked to stop; returns the exit code for {@code System.exit}.
     */
    public static int run(String serviceName, String[] args, Starter starter) {
        return run(serviceName, () -> starter.start(configuration(args, System.getenv())));
    }

    /** The configuration a service main reads; see {@link #run(String, String[], Starter)}. */
    public static ConfigSource configuration(String[] args, Map<String, String> environment) {
        String file = args.length > 0 ? args[0] : environment.get(ConfigSource.CONFIG_FILE_ENV);
        return ConfigSource.builder()
                .file(file == null || file.isBlank() ? null : Path.of(file))
                .environment(environment)
                .build();
    }

    /** Runs a service until the process is asked to stop; returns the exit code for {@code System.exit}. */
    public static int run(String serviceName, Callable<? extends AutoCloseable> starter) {
        JulBridge.install();
        return run(serviceName, starter, DEFAULT_CLOSE_TIMEOUT, ServiceMain::jvmShutdownHook);
    }

    static int run(String serviceName, Callable<? extends AutoCloseable> starter, Duration closeTimeout,
                   ShutdownSignal signal) {
        Objects.requireNonNull(starter, "starter");
        AutoCloseable service;
        long startedAt = System.nanoTime();
        try {
            service = starter.call();
        } catch (ConfigException e) {
            log.error("{} cannot start: configuration error: {}", serviceName, e.getMessage());
            return EXIT_STARTUP_FAILED;
        } catch (Exception e) {
            log.error("{} cannot start: {}", serviceName, describe(e));
            log.debug("{} startup failure detail", serviceName, e);
            return EXIT_STARTUP_FAILED;
        }
        log.info("{} started in {} ms", serviceName, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));

        CountDownLatch stopped = new CountDownLatch(1);
        CompletableFuture<Integer> outcome = new CompletableFuture<>();
        Runnable unregister = signal.register(() -> {
            log.info("{} stopping (shutdown requested)", serviceName);
            closeQuietly(serviceName, service, closeTimeout);
            outcome.complete(EXIT_OK);
            stopped.countDown();
        });
        if (service instanceof Terminating terminating) {
            terminating.terminated().whenComplete((state, error) -> {
                if (outcome.complete(EXIT_TERMINATED)) {
                    log.error("{} stopped on its own ({}); exiting", serviceName, error != null ? describe(error) : state);
                    stopped.countDown();
                }
            });
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome.complete(EXIT_OK);
        }
        int code = outcome.join();
        if (code != EXIT_OK || Thread.currentThread().isInterrupted()) {
            unregister.run();
            closeQuietly(serviceName, service, closeTimeout);
        }
        log.info("{} stopped", serviceName);
        return code;
    }

    private static Runnable jvmShutdownHook(Runnable onShutdown) {
        Thread hook = new Thread(onShutdown, "mlcycle-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return () -> {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shutdownInProgress) {
                // The hook is already running or done; nothing to undo.
            }
        };
    }

    private static void closeQuietly(String serviceName, AutoCloseable service, Duration timeout) {
        CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
            try {
                service.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, runnable -> {
            Thread thread = new Thread(runnable, serviceName + "-close");
            thread.setDaemon(true);
            thread.start();
        });
        try {
            closing.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("{} did not close within {}", serviceName, timeout);
        } catch (ExecutionException e) {
            log.warn("{} failed while closing: {}", serviceName, describe(e.getCause().getCause() != null ? e.getCause().getCause() : e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(e.getClass().getSimpleName());
        if (e.getMessage() != null) {
            text.append(": ").append(e.getMessage());
        }
        Throwable cause = e.getCause();
        if (cause != null && cause != e && cause.getMessage() != null && !Objects.equals(cause.getMessage(), e.getMessage())) {
            text.append(" (caused by ").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage()).append(')');
        }
        return text.toString();
    }
}
