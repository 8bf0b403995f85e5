package io.mlcycle.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * What can be checked of the compose files without a Docker engine (none runs here): they parse, every long-running
 * container has a healthcheck, start order follows health, the ports are those the README documents, the images
 * match the project's Kafka version, the image's entrypoint starts real main classes, and the secured variant gives
 * each service its own principal and only the orchestrator the right to write the models topic.
 * {@link ComposeScenarioIT} runs the stack where an engine exists.
 */
class ComposeFileTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> SERVICES = List.of("ingestion", "validation", "serving-feedback",
            "training-orchestrator");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file)) {
            // SnakeYAML resolves the anchors and merge keys (<<: *service) as docker compose does.
            return new Yaml().load(reader);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    private static Map<String, Object> services(Map<String, Object> compose) {
        return map(compose.get("services"));
    }

    private static String kafkaVersion() throws IOException {
        Matcher m = Pattern.compile("<kafka.version>([^<]+)</kafka.version>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    /** The host ports of README's docker-compose table: | service | port | ... |. */
    static Map<String, Integer> readmePorts() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("## Running with docker-compose");
        assertThat(start).as("README has a 'Running with docker-compose' section").isNotNegative();
        String section = readme.substring(start, readme.indexOf("\n## ", start + 5) < 0 ? readme.length()
                : readme.indexOf("\n## ", start + 5));
        Map<String, Integer> ports = new LinkedHashMap<>();
        Matcher row = Pattern.compile("(?m)^\\| `?([a-z-]+)`? +\\| (\\d{4,5}) +\\|").matcher(section);
        while (row.find()) {
            ports.put(row.group(1), Integer.parseInt(row.group(2)));
        }
        return ports;
    }

    @SuppressWarnings("unchecked")
    private static void checkStack(Path file, String buildContext) throws IOException {
        Map<String, Object> services = services(load(file));
        assertThat(services).containsKeys("kafka", "schema-registry", "create-topics");
        assertThat(services).containsKeys(SERVICES.toArray(String[]::new));
        assertThat(map(services.get("kafka")).get("image")).isEqualTo("apache/kafka:" + kafkaVersion());
        assertThat((String) map(services.get("schema-registry")).get("image")).startsWith("confluentinc/cp-schema-registry:");

        Map<String, Integer> readme = readmePorts();
        for (Map.Entry<String, Object> entry : services.entrySet()) {
            Map<String, Object> service = map(entry.getValue());
            boolean oneShot = "no".equals(String.valueOf(service.get("restart")));
            if (!oneShot) {
                assertThat(service).as("%s has a healthcheck", entry.getKey()).containsKey("healthcheck");
                assertThat(map(service.get("healthcheck")).get("test")).as(entry.getKey()).isNotNull();
            }
            Object ports = service.get("ports");
            if (ports != null) {
                for (Object port : (List<?>) ports) {
                    int hostPort = Integer.parseInt(port.toString().split(":")[0]);
                    assertThat(readme).as("README documents %s's port", entry.getKey())
                            .containsEntry(entry.getKey(), hostPort);
                }
            }
        }
        for (String name : SERVICES) {
            Map<String, Object> service = map(services.get(name));
            assertThat(service.get("image")).isEqualTo("mlcycle:dev");
            assertThat(service.get("build")).isEqualTo(buildContext);
            assertThat((List<Object>) service.get("command")).containsExactly(name);
            Map<String, Object> dependsOn = map(service.get("depends_on"));
            assertThat(map(dependsOn.get("kafka")).get("condition")).isEqualTo("service_healthy");
            assertThat(map(dependsOn.get("schema-registry")).get("condition")).isEqualTo("service_healthy");
            assertThat(map(dependsOn.get("create-topics")).get("condition")).isEqualTo("service_completed_successfully");
            Map<String, Object> env = map(service.get("environment"));
            int port = Integer.parseInt(env.get("MLCYCLE_HTTP_PORT").toString());
            assertThat((List<Object>) service.get("ports")).containsExactly(port + ":" + port);
            assertThat(map(service.get("healthcheck")).get("test").toString()).contains(":" + port + "/health/ready");
            // The demo spec is mounted where the services look for it.
            String spec = env.get("MLCYCLE_PIPELINE_SPEC").toString();
            String mount = ((List<?>) service.get("volumes")).stream().map(Object::toString)
                    .filter(v -> v.contains(":/specs")).findFirst().orElseThrow();
            Path hostDir = file.getParent().resolve(mount.substring(0, mount.indexOf(':'))).normalize();
            assertThat(hostDir.resolve(spec.substring("/specs/".length()))).isRegularFile();
        }
        assertThat(readme.keySet()).as("every port the README documents is published")
                .allSatisfy(name -> assertThat(services).containsKey(name));
    }

    @Test
    void composeFileRunsTheWholeStackWithHealthchecksAndDocumentedPorts() throws IOException {
        checkStack(ROOT.resolve("docker-compose.yml"), ".");
    }

    @Test
    void securedComposeFileIsTheSameStackWithSaslForEveryService() throws IOException {
        Path file = ROOT.resolve("compose/docker-compose.secure.yml");
        checkStack(file, "..");
        Map<String, Object> services = services(load(file));
        String users = map(map(services.get("kafka")).get("environment"))
                .get("KAFKA_LISTENER_NAME_INTERNAL_PLAIN_SASL_JAAS_CONFIG").toString();
        assertThat(map(map(services.get("kafka")).get("environment")).get("KAFKA_AUTHORIZER_CLASS_NAME"))
                .isEqualTo("org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        for (String name : SERVICES) {
            Map<String, Object> env = map(map(services.get(name)).get("environment"));
            assertThat(env.get("MLCYCLE_KAFKA_SECURITY_PROTOCOL")).isEqualTo("SASL_PLAINTEXT");
            assertThat(env.get("MLCYCLE_KAFKA_SASL_JAAS_CONFIG").toString()).contains("username=\"" + name + "\"");
            assertThat(users).as("the broker knows %s", name).contains("user_" + name + "=");
        }
    }

    @Test
    void onlyTheOrchestratorMayWriteTheModelsTopic() throws IOException {
        List<String> writes = Files.readAllLines(ROOT.resolve("compose/secure/create-acls.sh")).stream()
                .filter(line -> line.startsWith("write ")).toList();
        assertThat(writes).hasSize(SERVICES.size());
        for (String line : writes) {
            String principal = line.split(" ")[1];
            assertThat(SERVICES).contains(principal);
            assertThat(List.of(line.split(" ")).contains("models")).as(line)
                    .isEqualTo(principal.equals("training-orchestrator"));
        }
        // No one gets Write on a prefix that would cover the models topic.
        assertThat(Files.readString(ROOT.resolve("compose/secure/create-acls.sh")))
                .doesNotContainPattern("--operation (Write|All) [^\\n]*--topic \"\\$p\\.\"");
    }

    @Test
    void theImageEntrypointStartsRealMainClasses() throws Exception {
        String entrypoint = Files.readString(ROOT.resolve("docker/entrypoint.sh"));
        Matcher line = Pattern.compile("(?m)^\\s+([a-z-]+)\\)\\s+main=([\\w.]+) ;;").matcher(entrypoint);
        Map<String, String> mains = new LinkedHashMap<>();
        while (line.find()) {
            mains.put(line.group(1), line.group(2));
        }
        assertThat(mains.keySet()).containsExactlyInAnyOrderElementsOf(SERVICES);
        for (String main : mains.values()) {
            Method method = Class.forName(main).getMethod("main", String[].class);
            assertThat(Modifier.isStatic(method.getModifiers())).as(main).isTrue();
        }
        assertThat(entrypoint).contains("io.mlcycle.cli.Mlcycle").contains("mlcycle-service-logback.xml");
        assertThat(ComposeFileTest.class.getResource("/mlcycle-service-logback.xml")).isNotNull();
    }
}
