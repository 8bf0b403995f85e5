package io.mlcycle.localstack;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class QuietKafkaLogbackConfiguratorTest {

    @Test
    void quietsKafkaWhenTheConsumerHasNoLogbackConfiguration() {
        LoggerContext context = new LoggerContext();
        ClassLoader original = Thread.currentThread().getContextClassLoader();
        // A loader that sees no logback.xml / logback-test.xml, like a consumer without its own configuration.
        Thread.currentThread().setContextClassLoader(new ClassLoader(null) { });
        try {
            assertThat(new QuietKafkaLogbackConfigurator().configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        } finally {
            Thread.currentThread().setContextClassLoader(original);
        }
        assertThat(context.getLogger("org.apache.kafka.clients.NetworkClient").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("kafka.server.BrokerServer").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("io.mlcycle.Anything").getEffectiveLevel()).isEqualTo(Level.INFO);
    }

    @Test
    void stepsAsideWhenTheConsumerHasItsOwnConfiguration() {
        // This module's test classpath has a logback-test.xml.
        assertThat(new QuietKafkaLogbackConfigurator().configure(new LoggerContext())).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    }
}
