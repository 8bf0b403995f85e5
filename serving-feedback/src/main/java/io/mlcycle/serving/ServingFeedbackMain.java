package io.mlcycle.serving;

import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.lifecycle.ServiceMain;
import java.nio.file.Path;
import java.util.Map;

/**
 * Starts the serving-feedback service: configuration from defaults, an optional file (first argument or
 * {@code MLCYCLE_CONFIG_FILE}) and {@code MLCYCLE_*} environment variables.
 */
public final class ServingFeedbackMain {
    private ServingFeedbackMain() {
    }

    public static void main(String[] args) {
        ConfigSource.Builder builder = ConfigSource.builder().defaults(Map.of());
        String file = args.length > 0 ? args[0] : System.getenv("MLCYCLE_CONFIG_FILE");
        if (file != null && !file.isBlank()) {
            builder.file(Path.of(file));
        }
        ConfigSource source = builder.environment(System.getenv()).build();
        System.exit(ServiceMain.run(ServingFeedbackConfig.SERVICE_NAME,
                () -> ServingFeedbackService.start(ServingFeedbackConfig.from(source))));
    }
}
