package io.mlcycle.localstack;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

import java.util.List;

/**
 * Logback's fallback when an application or test using the local stack ships no logback
 * configuration: INFO to the console, but the in-process broker and Kafka clients at WARN.
 * Without it logback's own default is DEBUG for everything, and an embedded broker at DEBUG
 * buries the output and slows tests down.
 *
 * <p>Registered through {@code META-INF/services}; logback alone loads it. It steps aside
 * whenever {@code logback.xml}, {@code logback-test.xml} or {@code -Dlogback.configurationFile}
 * exists, so a consumer's own configuration always wins.
 */
public final class QuietKafkaLogbackConfigurator extends ContextAwareBase implements Configurator {

    private static final List<String> QUIET_LOGGERS = List.of("org.apache.kafka", "kafka", "state.change.logger");

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (hasOwnConfiguration()) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n");
        encoder.start();

        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("console");
        console.setEncoder(encoder);
        console.start();

        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(console);
        for (String name : QUIET_LOGGERS) {
            context.getLogger(name).setLevel(Level.WARN);
        }
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static boolean hasOwnConfiguration() {
        if (System.getProperty("logback.configurationFile") != null) {
            return true;
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = QuietKafkaLogbackConfigurator.class.getClassLoader();
        }
        return loader.getResource("logback-test.xml") != null || loader.getResource("logback.xml") != null;
    }
}
