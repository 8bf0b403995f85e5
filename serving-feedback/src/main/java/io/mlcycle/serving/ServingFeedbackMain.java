package io.mlcycle.serving;

import io.mlcycle.platform.lifecycle.ServiceMain;

/**
 * Runs the serving-feedback service as its own process. Configuration: built-in defaults &lt; the file named by the first argument
 * or by {@code MLCYCLE_CONFIG_FILE} (.properties or .yaml) &lt; {@code MLCYCLE_*} environment variables.
 */
public final class ServingFeedbackMain {

    private ServingFeedbackMain() {
    }

    public static void main(String[] args) {
        System.exit(ServiceMain.run(ServingFeedbackConfig.SERVICE_NAME, args,
                configuration -> ServingFeedbackService.start(ServingFeedbackConfig.from(configuration))));
    }
}
