package io.mlcycle.ingestion;

import io.mlcycle.platform.lifecycle.ServiceMain;

/**
 * Runs the ingestion service as its own process. Configuration: built-in defaults &lt; the file named by the first argument
 * or by {@code MLCYCLE_CONFIG_FILE} (.properties or .yaml) &lt; {@code MLCYCLE_*} environment variables.
 */
public final class IngestionMain {

    private IngestionMain() {
    }

    public static void main(String[] args) {
        System.exit(ServiceMain.run(IngestionConfig.SERVICE_NAME, args,
                configuration -> IngestionService.start(IngestionConfig.from(configuration))));
    }
}
