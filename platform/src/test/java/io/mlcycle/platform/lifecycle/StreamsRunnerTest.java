package io.mlcycle.platform.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.internals.CloseOptionsInternal;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

class StreamsRunnerTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final KafkaStreams streams = mock(KafkaStreams.class);
    private final ManualClock clock = new ManualClock();
    private final StreamsRunner runner = StreamsRunner.wrap("test", streams,
            new StreamsRunner.Options(3, Duration.ofMinutes(10), Duration.ofSeconds(5)), clock);

    @Test
    void replacesFailedThreadsUpToTheLimitThenShutsDown() {
        RuntimeException boom = new RuntimeException("boom");

        assertThat(runner.onUncaughtException(boom)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(runner.onUncaughtException(boom)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(runner.onUncaughtException(boom)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(runner.onUncaughtException(boom)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }

    @Test
    void replacementsOutsideTheWindowAreForgotten() {
        RuntimeException boom = new RuntimeException("boom");
        for (int i = 0; i < 3; i++) {
            assertThat(runner.onUncaughtException(boom)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        }

        clock.advance(Duration.ofMinutes(11));

        assertThat(runner.onUncaughtException(boom)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    }

    @Test
    void notReadyWhileAStoreRestoresEvenWhenRunning() {
        ArgumentCaptor<org.apache.kafka.streams.processor.StateRestoreListener> restore =
                ArgumentCaptor.forClass(org.apache.kafka.streams.processor.StateRestoreListener.class);
        verify(streams).setGlobalStateRestoreListener(restore.capture());
        when(streams.state()).thenReturn(KafkaStreams.State.RUNNING);
        assertThat(runner.isReady()).isTrue();

        var changelog = new org.apache.kafka.common.TopicPartition("app-store-changelog", 1);
        restore.getValue().onRestoreStart(changelog, "store", 0, 1000);
        assertThat(runner.isReady()).as("restoring").isFalse();
        assertThat(runner.restoringStores()).containsExactly("store/app-store-changelog-1");

        restore.getValue().onBatchRestored(changelog, "store", 500, 500);
        assertThat(runner.isReady()).as("half restored").isFalse();
        restore.getValue().onRestoreEnd(changelog, "store", 1000);
        assertThat(runner.isReady()).as("restored").isTrue();

        restore.getValue().onRestoreStart(changelog, "store", 1000, 2000);
        restore.getValue().onRestoreSuspended(changelog, "store", 10);
        assertThat(runner.isReady()).as("the task went elsewhere").isTrue();
    }

    @Test
    void readyWhenRunningAndDuringRebalancesAfterHavingRun() {
        ArgumentCaptor<KafkaStreams.StateListener> listener = ArgumentCaptor.forClass(KafkaStreams.StateListener.class);
        verify(streams).setStateListener(listener.capture());
        verify(streams).setUncaughtExceptionHandler(any(org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.class));

        when(streams.state()).thenReturn(KafkaStreams.State.REBALANCING);
        assertThat(runner.isReady()).as("first rebalance: not ready yet").isFalse();

        listener.getValue().onChange(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
        when(streams.state()).thenReturn(KafkaStreams.State.RUNNING);
        assertThat(runner.isReady()).isTrue();

        listener.getValue().onChange(KafkaStreams.State.REBALANCING, KafkaStreams.State.RUNNING);
        when(streams.state()).thenReturn(KafkaStreams.State.REBALANCING);
        assertThat(runner.isReady()).isTrue();

        listener.getValue().onChange(KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.REBALANCING);
        when(streams.state()).thenReturn(KafkaStreams.State.ERROR);
        assertThat(runner.isReady()).isFalse();
        assertThat(runner.terminated().toCompletableFuture()).isCompletedWithValue(KafkaStreams.State.PENDING_ERROR);
    }

    @Test
    void notReadyFromAThreadDeathUntilRunningAgain() {
        ArgumentCaptor<KafkaStreams.StateListener> listener = ArgumentCaptor.forClass(KafkaStreams.StateListener.class);
        verify(streams).setStateListener(listener.capture());
        listener.getValue().onChange(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
        when(streams.state()).thenReturn(KafkaStreams.State.RUNNING);
        assertThat(runner.isReady()).isTrue();

        runner.onUncaughtException(new RuntimeException("RecordTooLargeException"));
        assertThat(runner.isReady()).as("the client still says RUNNING, but a thread died").isFalse();

        listener.getValue().onChange(KafkaStreams.State.REBALANCING, KafkaStreams.State.RUNNING);
        when(streams.state()).thenReturn(KafkaStreams.State.REBALANCING);
        assertThat(runner.isReady()).as("the replacement thread is still joining").isFalse();

        listener.getValue().onChange(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
        when(streams.state()).thenReturn(KafkaStreams.State.RUNNING);
        assertThat(runner.isReady()).as("the replacement runs").isTrue();
    }

    @Test
    void closeUsesTheTimeoutLeavesTheGroupAndIsNotATermination() {
        ArgumentCaptor<KafkaStreams.StateListener> listener = ArgumentCaptor.forClass(KafkaStreams.StateListener.class);
        verify(streams).setStateListener(listener.capture());
        ArgumentCaptor<CloseOptions> options = ArgumentCaptor.forClass(CloseOptions.class);
        when(streams.close(options.capture())).thenReturn(true);

        runner.close();
        listener.getValue().onChange(KafkaStreams.State.NOT_RUNNING, KafkaStreams.State.PENDING_SHUTDOWN);

        CloseOptionsInternal used = new CloseOptionsInternal(options.getValue());
        assertThat(used.timeout()).contains(Duration.ofSeconds(5));
        assertThat(used.operation()).isEqualTo(CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
        assertThat(runner.terminated().toCompletableFuture()).isNotDone();
    }
}
