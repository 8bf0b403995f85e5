package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.RunStatus;
import io.mlcycle.avro.TrainingRun;
import io.mlcycle.avro.TriggerReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Run progress written through the registry's transactional producer ({@link EventPublisher} with
 * {@link ModelRegistryWriter#writeRecord}): committed in a transaction while this instance owns the pipeline, refused
 * once its producer is fenced or it has stood down, and then not reported as stored.
 */
class FencedRunWritesTest {

    private final MockProducer<byte[], byte[]> transactional =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final MockProducer<byte[], byte[]> events =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final ModelRegistryWriter writer = new ModelRegistryWriter(() -> transactional, "credit.models",
            "credit.monitoring.alerts", new StringSerializer(),
            (topic, v) -> v.getVersion().getBytes(StandardCharsets.UTF_8),
            (topic, a) -> a.getMessage().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5), Fixtures.SIGNING);
    private final EventPublisher publisher = new EventPublisher(events, "credit.training.triggers",
            "credit.training.runs", new StringSerializer(),
            (topic, t) -> t.getTriggerId().getBytes(StandardCharsets.UTF_8),
            (topic, r) -> (r.getRunId() + ":" + r.getStatus()).getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5),
            writer::writeRecord);
    private final AtomicInteger stored = new AtomicInteger();

    private static TrainingRun run(RunStatus status) {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");
        return TrainingRun.newBuilder().setRunId("run-1").setPipeline("credit").setTriggerId("t-1")
                .setTriggerReason(TriggerReason.MANUAL).setStatus(status).setProgress(0.5).setMessage("m")
                .setStartedAt(now).setUpdatedAt(now).build();
    }

    @Test
    void theOwnersProgressIsCommittedInATransactionOfTheRegistryProducer() {
        writer.takeOwnership();

        publisher.publishRun(run(RunStatus.TRAINING), stored::incrementAndGet);

        assertThat(transactional.transactionCommitted()).isTrue();
        assertThat(transactional.history()).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo("credit.training.runs");
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("run-1:TRAINING");
        });
        assertThat(events.history()).as("not through the idempotent producer").isEmpty();
        assertThat(stored).hasValue(1);
        assertThat(publisher.runWritesRefused()).isZero();
    }

    @Test
    void aFencedProducersProgressIsRefusedAndNotReportedStored() {
        writer.takeOwnership();
        transactional.fenceProducer();

        publisher.publishRun(run(RunStatus.EVALUATING), stored::incrementAndGet);

        assertThat(publisher.runWritesRefused()).isEqualTo(1);
        assertThat(stored).as("a refused final record must not settle its trigger").hasValue(0);
        assertThat(transactional.history()).isEmpty();
        assertThat(writer.owns()).as("fenced: it writes nothing until it owns the pipeline again").isFalse();
        publisher.publishRun(run(RunStatus.FAILED), stored::incrementAndGet);
        assertThat(publisher.runWritesRefused()).isEqualTo(2);
    }

    @Test
    void anInstanceThatStoodDownWritesNoProgress() {
        writer.takeOwnership();
        writer.releaseOwnership();

        publisher.publishRun(run(RunStatus.TRAINING), stored::incrementAndGet);

        assertThat(publisher.runWritesRefused()).isEqualTo(1);
        assertThat(stored).hasValue(0);
        assertThat(transactional.history()).isEmpty();
    }
}
