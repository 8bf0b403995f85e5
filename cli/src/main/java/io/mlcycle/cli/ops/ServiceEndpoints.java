package io.mlcycle.cli.ops;

import io.mlcycle.cli.common.CliException;
import io.mlcycle.ingestion.IngestionConfig;
import io.mlcycle.orchestrator.OrchestratorConfig;
import io.mlcycle.serving.ServingFeedbackConfig;
import io.mlcycle.validation.ValidationConfig;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the four services answer HTTP: their default ports on 127.0.0.1 (what {@code mlcycle up} and each service's
 * own main use by default), overridden one by one with {@code --service-url name=url}.
 */
final class ServiceEndpoints {

    /** A service: its name, its Kafka group (application id) for a pipeline if it consumes, its HTTP base URL. */
    record Service(String name, boolean consumes, URI baseUrl) {

        /** The consumer group / Streams application id of this service for a pipeline. */
        String groupId(String pipeline) {
            return "mlcycle-" + pipeline + "-" + name;
        }
    }

    /** In data-flow order. */
    static final Map<String, Integer> DEFAULT_PORTS = defaultPorts();

    private ServiceEndpoints() {
    }

    private static Map<String, Integer> defaultPorts() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put(IngestionConfig.SERVICE_NAME, IngestionConfig.DEFAULT_HTTP_PORT);
        ports.put(ValidationConfig.SERVICE_NAME, ValidationConfig.DEFAULT_HTTP_PORT);
        ports.put(ServingFeedbackConfig.SERVICE_NAME, ServingFeedbackConfig.DEFAULT_HTTP_PORT);
        ports.put(OrchestratorConfig.SERVICE_NAME, OrchestratorConfig.DEFAULT_HTTP_PORT);
        return ports;
    }

    /** The services with their URLs: defaults, then the overrides (whose names must be known services). */
    static List<Service> resolve(Map<String, String> overrides) {
        for (String name : overrides.keySet()) {
            if (!DEFAULT_PORTS.containsKey(name)) {
                throw CliException.usage("--service-url: unknown service '" + name + "'; expected one of "
                        + String.join(", ", DEFAULT_PORTS.keySet()));
            }
        }
        return DEFAULT_PORTS.entrySet().stream().map(entry -> {
            String url = overrides.getOrDefault(entry.getKey(), "http://127.0.0.1:" + entry.getValue());
            URI uri;
            try {
                uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--service-url " + entry.getKey() + ": invalid URL '" + url + "'");
            }
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw CliException.usage("--service-url " + entry.getKey() + ": invalid URL '" + url
                        + "', expected http(s)://host:port");
            }
            return new Service(entry.getKey(), !entry.getKey().equals(IngestionConfig.SERVICE_NAME), uri);
        }).toList();
    }
}
