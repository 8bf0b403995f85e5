package io.mlcycle.validation;

import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.lifecycle.ServiceMain;
import java.nio.file.Path;

/**
 * Runs the validation service alone. Configuration: defaults &lt; the file named by the first argument (optional)
 * &lt; environment variables {@code MLCYCLE_*}.
 */
public final class ValidationMain {

    private ValidationMain() {
    }

    public static void main(String[] args) {
        System.exit(ServiceMain.run(ValidationConfig.SERVICE_NAME, () -> {
            ConfigSource.Builder source = ConfigSource.builder();
            if (args.length > 0) {
                source.file(Path.of(args[0]));
            }
            return ValidationService.start(ValidationConfig.from(source.environment(System.getenv()).build()));
        }));
    }
}
