package io.mlcycle.orchestrator;

import io.mlcycle.platform.lifecycle.ServiceMain;

/**
 * Runs the training orchestrator as its own process. Configuration: built-in defaults &lt; the file named by the first argument
 * or by {@code MLCYCLE_CONFIG_FILE} (.properties or .yaml) &lt; {@code MLCYCLE_*} environment variables.
 */
public final class OrchestratorMain {

    private OrchestratorMain() {
    }

    public static void main(String[] args) {
        System.exit(ServiceMain.run(OrchestratorConfig.SERVICE_NAME, args,
                configuration -> OrchestratorService.start(OrchestratorConfig.from(configuration))));
    }
}
