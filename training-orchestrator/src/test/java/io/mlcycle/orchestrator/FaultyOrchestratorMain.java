package io.mlcycle.orchestrator;

import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.lifecycle.ServiceMain;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * The orchestrator as its own process for {@link OrchestratorCrashIT}, with one fault seam chosen by the second
 * argument: {@code run} (none), {@code hold} (every run stops just before its registry write, forever: the test kills
 * the process there), {@code die} (the control loop dies once the service is up). The first argument is a
 * .properties file with the configuration.
 */
public final class FaultyOrchestratorMain {

    private FaultyOrchestratorMain() {
    }

    public static void main(String[] args) throws IOException {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of(args[0]))) {
            props.load(reader);
        }
        Map<String, Object> overrides = new HashMap<>();
        props.forEach((k, v) -> overrides.put((String) k, v));
        String mode = args[1];
        System.exit(ServiceMain.run(OrchestratorConfig.SERVICE_NAME, () -> {
            OrchestratorService service = OrchestratorService.start(
                    OrchestratorConfig.from(ConfigSource.builder().overrides(overrides).build()));
            if (mode.equals("hold")) {
                CountDownLatch never = new CountDownLatch(1);
                service.coordinator().beforeRegister = () -> {
                    try {
                        never.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                };
            } else if (mode.equals("die")) {
                service.controlLoopHook = () -> {
                    if (service.isActive()) {
                        throw new AssertionError("injected fault: the control loop dies");
                    }
                };
            }
            return service;
        }));
    }
}
