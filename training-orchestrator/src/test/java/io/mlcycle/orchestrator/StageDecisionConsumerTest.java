package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.mlcycle.avro.DecisionKind;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.RequestStatus;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageDecision;
import io.mlcycle.mlcore.registry.ModelSigning;
import io.mlcycle.mlcore.spec.CanarySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The owner's consumer of {@code <p>.models.decisions} answers every forwarded request (applied, or refused and why)
 * on the same topic, in the transaction that consumes it, and answers nothing else.
 */
class StageDecisionConsumerTest {

    private static final String TOPIC = "credit.models.decisions";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final Instant NOW = Instant.parse("2025-02-01T00:00:00Z");

    private final ModelRegistry registry = new ModelRegistry("credit", Fixtures.SIGNING);
    private final MockConsumer<String, StageDecision> consumer = new MockConsumer<>("earliest");
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private StageDecisionConsumer decisions;
    private ModelVersion champion;
    private ModelVersion retired;

    @BeforeEach
    void setUp() {
        champion = put(1, Stage.CHAMPION);
        retired = put(2, Stage.RETIRED);
        ModelRegistryWriter writer = new ModelRegistryWriter(producer, "credit.models", "credit.monitoring.alerts",
                new StringSerializer(), (topic, v) -> v.getVersion().getBytes(StandardCharsets.UTF_8),
                (topic, a) -> a.getMessage().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5), Fixtures.SIGNING);
        decisions = new StageDecisionConsumer("credit", TOPIC, consumer, new StringSerializer(),
                StageDecisionConsumerTest::avro, registry, writer, c -> Optional.empty(), CanarySpec.defaults(),
                () -> true, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofSeconds(5));
        consumer.assign(List.of(PARTITION));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
    }

    private ModelVersion put(int number, Stage stage) {
        ModelVersion version = Fixtures.SIGNING.sign(StagePlanner.transition(Fixtures.version("credit", number,
                Stage.CANDIDATE, List.of(Fixtures.gate("beats_baseline", true, "ok"))), stage, Fixtures.T0, "test"));
        registry.apply(version);
        return version;
    }

    private static byte[] avro(String topic, StageDecision decision) {
        try {
            ByteBuffer buffer = decision.toByteBuffer();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static StageDecision read(byte[] bytes) {
        try {
            return StageDecision.fromByteBuffer(ByteBuffer.wrap(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private StageDecision promoteRequest(String id, Instant at, ModelSigning signing) {
        return signing.sign(StageDecisions.forwarded(id, "credit", DecisionKind.PROMOTE, retired,
                Optional.of(champion), "alice", "why", "standby-b", at));
    }

    private void offer(long offset, StageDecision decision) {
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, decision.getModelVersion(), decision));
    }

    private List<StageDecision> answers() {
        return producer.history().stream().filter(r -> r.topic().equals(TOPIC)).map(ProducerRecord::value)
                .map(StageDecisionConsumerTest::read).toList();
    }

    @Test
    void aStaleAndAnInvalidForwardedRequestAreAnsweredRefusedWithTheirReasonAndAFreshOneApplied() {
        offer(0, promoteRequest("req-stale", NOW.minus(StageDecisions.MAX_FORWARDED_AGE).minusSeconds(1),
                Fixtures.SIGNING));
        offer(1, promoteRequest("req-foreign", NOW, ModelSigning.withKey("another-deployments-key-0123")));
        offer(2, promoteRequest("req-ok", NOW.minusSeconds(5), Fixtures.SIGNING));

        decisions.pollOnce();

        List<StageDecision> answers = answers();
        assertThat(answers).extracting(StageDecision::getDecisionId, StageDecision::getDecision,
                StageDecision::getAnswer).containsExactly(
                tuple("req-stale", DecisionKind.ANSWER, RequestStatus.REFUSED),
                tuple("req-foreign", DecisionKind.ANSWER, RequestStatus.REFUSED),
                tuple("req-ok", DecisionKind.ANSWER, RequestStatus.APPLIED));
        assertThat(answers.get(0).getEvidence()).contains("more than 10 minutes").contains("send it again");
        assertThat(answers.get(1).getEvidence()).contains("refused").contains("signature does not match");
        assertThat(answers.get(2).getEvidence()).contains("promote of credit-v2");
        assertThat(answers).allSatisfy(answer -> {
            assertThat(Fixtures.SIGNING.verify(answer).valid()).isTrue();
            assertThat(answer.getDecidedBy()).isEqualTo(StagePlanner.ACTOR);
            assertThat(answer.getDecidedAt()).isEqualTo(NOW);
        });
        // keyed like the request (by version): one partition, in order with the requests
        assertThat(producer.history().stream().filter(r -> r.topic().equals(TOPIC))
                .map(r -> new String(r.key(), StandardCharsets.UTF_8))).containsOnly("credit-v2");
        // only the fresh, signed request moved a version
        assertThat(producer.history().stream().filter(r -> r.topic().equals("credit.models"))
                .map(r -> new String(r.value(), StandardCharsets.UTF_8))).containsExactly("credit-v2", "credit-v1");
        assertThat(registry.champion().map(ModelVersion::getVersion)).contains("credit-v2");
        // every answer in the transaction that consumed its request: three transactions, offsets 1, 2, 3
        assertThat(producer.consumerGroupOffsetsHistory()).hasSize(3);
        assertThat(producer.consumerGroupOffsetsHistory().get(2).values().iterator().next())
                .containsEntry(PARTITION, new OffsetAndMetadata(3));
    }

    @Test
    void answersAndDecisionsOnOnlineEvidenceAreNotAnswered() {
        StageDecision request = promoteRequest("req-1", NOW, Fixtures.SIGNING);
        StageDecision answer = Fixtures.SIGNING.sign(StageDecisions.answer(request,
                StageDecisions.Outcome.skip("stale request req-1: because"), NOW));
        StageDecision onEvidence = Fixtures.SIGNING.sign(StageDecision.newBuilder(request).setForwardedBy(null)
                .setDecisionId("d-1").setSignature(null).build());
        offer(0, answer);
        offer(1, onEvidence);

        decisions.pollOnce();

        assertThat(answers()).isEmpty();
        assertThat(producer.history()).isEmpty();
        assertThat(producer.consumerGroupOffsetsHistory()).hasSize(2);
        assertThat(registry.champion().map(ModelVersion::getVersion)).contains("credit-v1");
    }
}
