package io.mlcycle.orchestrator;

import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.lifecycle.ServiceMain;
import java.util.Map;

/** Runs the training orchestrator as its own process: configuration (defaults, file, MLCYCLE_* env), start, stop. */
public final class OrchestratorMain {

    private OrchestratorMain() {
    }

    public static void main(String[] args) {
        int exitCode = ServiceMain.run(OrchestratorConfig.SERVICE_NAME,
                () -> OrchestratorService.start(OrchestratorConfig.from(ConfigSource.standard(Map.of()))));
        System.exit(exitCode);
    }
}
