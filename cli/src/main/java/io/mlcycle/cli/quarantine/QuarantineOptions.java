package io.mlcycle.cli.quarantine;

import io.mlcycle.platform.config.PlatformConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Options of {@code quarantine} and {@code quarantine replay}; accepted before or after {@code replay}. */
final class QuarantineOptions {

    @Option(names = "--pipeline", paramLabel = "P", description = "Pipeline name (topic prefix); required.")
    String pipeline;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka (default: " + PlatformConfig.DEFAULT_BOOTSTRAP_SERVERS + ").")
    String bootstrapServers;

    @Option(names = "--registry-url", paramLabel = "URL",
            description = "Schema registry (default: " + PlatformConfig.DEFAULT_SCHEMA_REGISTRY_URL + ").")
    String registryUrl;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    /** These options, with what the parent command was given filling the gaps. */
    QuarantineOptions withDefaultsFrom(QuarantineOptions parent, CommandLine commandLine) {
        QuarantineOptions merged = new QuarantineOptions();
        merged.pipeline = pipeline != null ? pipeline : parent == null ? null : parent.pipeline;
        merged.bootstrapServers = bootstrapServers != null ? bootstrapServers
                : parent != null && parent.bootstrapServers != null ? parent.bootstrapServers
                : PlatformConfig.DEFAULT_BOOTSTRAP_SERVERS;
        merged.registryUrl = registryUrl != null ? registryUrl
                : parent != null && parent.registryUrl != null ? parent.registryUrl
                : PlatformConfig.DEFAULT_SCHEMA_REGISTRY_URL;
        merged.json = json || (parent != null && parent.json);
        if (merged.pipeline == null || merged.pipeline.isBlank()) {
            throw new CommandLine.ParameterException(commandLine, "Missing required option: '--pipeline=P'");
        }
        return merged;
    }
}
