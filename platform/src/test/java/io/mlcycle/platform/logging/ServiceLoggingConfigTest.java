package io.mlcycle.platform.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The services' logging configuration: plain lines by default, JSON lines with one setting. */
class ServiceLoggingConfigTest {

    private static String logWith(String format) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream original = System.out;
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            if (format != null) {
                // Looked up like the environment variable of the same name (context properties come first).
                context.putProperty("MLCYCLE_LOG_FORMAT", format);
            }
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(ServiceLoggingConfigTest.class.getResource("/mlcycle-service-logback.xml"));
            context.getLogger("io.mlcycle.test").info("Started {} on port {}", "validation", 8181);
            context.getLogger("org.apache.kafka.clients.Metadata").info("chatter that stays out");
        } finally {
            context.stop();
            System.setOut(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jsonFormatWritesOneJsonObjectPerEvent() throws Exception {
        String output = logWith("json");
        assertThat(output.lines().toList()).hasSize(1);
        JsonNode event = new ObjectMapper().readTree(output);
        assertThat(event.path("level").asText()).isEqualTo("INFO");
        assertThat(event.path("loggerName").asText()).isEqualTo("io.mlcycle.test");
        assertThat(event.path("formattedMessage").asText()).isEqualTo("Started validation on port 8181");
    }

    @Test
    void textIsTheDefault() throws Exception {
        String output = logWith(null);
        assertThat(output.lines().toList()).hasSize(1);
        assertThat(output).contains("INFO", "io.mlcycle.test", "Started validation on port 8181").doesNotStartWith("{");
    }
}
