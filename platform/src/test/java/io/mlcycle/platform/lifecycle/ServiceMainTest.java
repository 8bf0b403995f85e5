package io.mlcycle.platform.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.platform.config.ConfigException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ServiceMainTest {

    /** A service that records being closed and can stop on its own. */
    static final class FakeService implements AutoCloseable, Terminating {
        final AtomicInteger closes = new AtomicInteger();
        final CompletableFuture<String> terminated = new CompletableFuture<>();

        @Override
        public void close() {
            closes.incrementAndGet();
        }

        @Override
        public CompletionStage<?> terminated() {
            return terminated;
        }
    }

    /** Captures the shutdown action instead of installing a JVM hook. */
    static final class TestSignal implements ServiceMain.ShutdownSignal {
        final AtomicReference<Runnable> action = new AtomicReference<>();
        final AtomicBoolean unregistered = new AtomicBoolean();

        @Override
        public Runnable register(Runnable onShutdown) {
            action.set(onShutdown);
            return () -> unregistered.set(true);
        }
    }

    @Test
    void configErrorAtStartupIsExitCodeOneWithoutHook() {
        TestSignal signal = new TestSignal();

        int code = ServiceMain.run("svc", () -> {
            throw new ConfigException("Invalid value 'x' for configuration 'http.port'");
        }, Duration.ofSeconds(1), signal);

        assertThat(code).isEqualTo(ServiceMain.EXIT_STARTUP_FAILED);
        assertThat(signal.action.get()).isNull();
    }

    @Test
    void shutdownSignalClosesTheServiceAndExitsZero() throws Exception {
        TestSignal signal = new TestSignal();
        FakeService service = new FakeService();
        CompletableFuture<Integer> code = CompletableFuture.supplyAsync(
                () -> ServiceMain.run("svc", () -> service, Duration.ofSeconds(5), signal));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> signal.action.get() != null);

        signal.action.get().run();

        assertThat(code.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(ServiceMain.EXIT_OK);
        assertThat(service.closes.get()).isEqualTo(1);
    }

    @Test
    void aServiceStoppingOnItsOwnEndsTheMainWithExitCodeTwo() throws Exception {
        TestSignal signal = new TestSignal();
        FakeService service = new FakeService();
        CompletableFuture<Integer> code = CompletableFuture.supplyAsync(
                () -> ServiceMain.run("svc", () -> service, Duration.ofSeconds(5), signal));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> signal.action.get() != null);

        service.terminated.complete("ERROR");

        assertThat(code.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(ServiceMain.EXIT_TERMINATED);
        assertThat(service.closes.get()).isEqualTo(1);
        assertThat(signal.unregistered).isTrue();
    }
}
