package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class TriggerOffsetsTest {

    private static final TopicPartition P = new TopicPartition("credit.training.triggers", 0);
    private final TriggerOffsets offsets = new TriggerOffsets();

    @Test
    void aTriggerIsCommittedOnlyOnceItsRunIsFinal() {
        offsets.received(P, 10, "t-10");
        offsets.received(P, 11, null);
        offsets.received(P, 12, "t-12");
        assertThat(offsets.committable()).as("the run of t-10 is not final: a crash now must re-deliver it")
                .isEqualTo(Map.of(P, new OffsetAndMetadata(10)));
        offsets.committed(offsets.committable());
        assertThat(offsets.committable()).isEmpty();

        offsets.finished("t-12");
        assertThat(offsets.committable()).as("t-10 still holds the partition back").isEmpty();
        assertThat(offsets.isPending("t-10")).isTrue();

        offsets.finished("t-10");
        assertThat(offsets.committable()).isEqualTo(Map.of(P, new OffsetAndMetadata(13)));
        assertThat(offsets.isPending("t-10")).isFalse();
    }
}
