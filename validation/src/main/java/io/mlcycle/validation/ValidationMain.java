package io.mlcycle.validation;

import io.mlcycle.platform.lifecycle.ServiceMain;

/**
 * Runs the validation service as its own process. Configuration: built-in defaults &lt; the file named by the first argument
 * or by {@code MLCYCLE_CONFIG_FILE} (.properties or .yaml) &lt; {@code MLCYCLE_*} environment variables.
 */
public final class ValidationMain {

    private ValidationMain() {
    }

    public static void main(String[] args) {
        System.exit(ServiceMain.run(ValidationConfig.SERVICE_NAME, args,
                configuration -> ValidationService.start(ValidationConfig.from(configuration))));
    }
}
