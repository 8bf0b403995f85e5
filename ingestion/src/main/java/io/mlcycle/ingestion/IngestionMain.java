package io.mlcycle.ingestion;

import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.lifecycle.ServiceMain;
import java.nio.file.Path;

/**
 * Runs the ingestion service alone. Configuration: defaults &lt; the file named by the first argument (optional)
 * &lt; environment variables {@code MLCYCLE_*}.
 */
public final class IngestionMain {

    private IngestionMain() {
    }

    public static void main(String[] args) {
        System.exit(ServiceMain.run(IngestionConfig.SERVICE_NAME, () -> {
            ConfigSource.Builder source = ConfigSource.builder();
            if (args.length > 0) {
                source.file(Path.of(args[0]));
            }
            return IngestionService.start(IngestionConfig.from(source.environment(System.getenv()).build()));
        }));
    }
}
