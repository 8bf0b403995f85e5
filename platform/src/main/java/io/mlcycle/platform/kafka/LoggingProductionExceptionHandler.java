package io.mlcycle.platform.kafka;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams production exception handler that logs the failed record's topic, partition, task and cause, then
 * fails (never drops a record silently: the stream thread stops and the uncaught-exception policy decides).
 */
public class LoggingProductionExceptionHandler implements ProductionExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(LoggingProductionExceptionHandler.class);

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        log.error("Kafka Streams could not produce to topic {} (task {}, source {}-{}@{}): {}", record.topic(),
                context.taskId(), context.topic(), context.partition(), context.offset(), exception.toString(), exception);
        return Response.fail();
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                             SerializationExceptionOrigin origin) {
        log.error("Kafka Streams could not serialise the {} of a record for topic {} (task {}, source {}-{}@{}): {}",
                origin == SerializationExceptionOrigin.KEY ? "key" : "value", record.topic(), context.taskId(),
                context.topic(), context.partition(), context.offset(), exception.toString(), exception);
        return Response.fail();
    }

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure
    }
}
