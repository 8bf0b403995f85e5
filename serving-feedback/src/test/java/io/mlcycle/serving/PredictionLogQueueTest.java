package io.mlcycle.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.Variant;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class PredictionLogQueueTest {
    private final ServingMetrics metrics = ServingMetrics.inMemory("credit");

    private static Prediction prediction(String id) {
        Instant at = Instant.parse("2025-03-01T12:00:00Z");
        return Prediction.newBuilder().setPredictionId(id).setEventId("e-" + id).setPipeline("credit")
                .setModelVersion("credit-v1").setVariant(Variant.CHAMPION).setServed(true).setScore(0.5)
                .setDecision(true).setThreshold(0.5).setLatencyMicros(1).setFeatures(Map.of()).setEventTime(at)
                .setPredictedAt(at).setSource("http").build();
    }

    @Test
    void aBlockedSinkNeverHoldsTheCallerAndAFullQueueDropsAndCounts() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean sending = new AtomicBoolean();
        List<String> sent = new CopyOnWriteArrayList<>();
        try (PredictionLogQueue queue = new PredictionLogQueue(p -> {
            sending.set(true);
            try {
                release.await(); // Kafka away: the send blocks
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sent.add(p.getPredictionId());
        }, 3, metrics, "test-prediction-log")) {
            queue.log(prediction("p0"));
            await().atMost(Duration.ofSeconds(10)).untilTrue(sending); // p0 is in the blocked send
            for (int i = 1; i <= 5; i++) {
                queue.log(prediction("p" + i)); // returns: p1..p3 wait, p4 and p5 do not fit
            }
            assertThat(queue.dropped()).isEqualTo(2);
            assertThat(metrics.count(ServingMetrics.PREDICTION_LOG_FAILURES)).isEqualTo(2);
            assertThat(sent).isEmpty();

            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 4);
            assertThat(sent).containsExactly("p0", "p1", "p2", "p3");
        }
    }

    @Test
    void closeSendsWhatIsQueuedAndLaterPredictionsAreCountedNotLost() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        List<String> sent = new CopyOnWriteArrayList<>();
        PredictionLogQueue queue = new PredictionLogQueue(p -> {
            try {
                hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sent.add(p.getPredictionId());
        }, 100, metrics, "test-prediction-log");
        for (int i = 0; i < 20; i++) {
            queue.log(prediction("p" + i));
        }
        hold.countDown();
        queue.close(Duration.ofSeconds(10));
        assertThat(sent).hasSize(20);
        queue.log(prediction("late"));
        assertThat(queue.dropped()).isEqualTo(1);
        assertThat(metrics.count(ServingMetrics.PREDICTION_LOG_FAILURES)).isEqualTo(1);
    }

    @Test
    void aSinkThatThrowsIsCountedAndTheQueueGoesOn() {
        List<String> sent = new CopyOnWriteArrayList<>();
        try (PredictionLogQueue queue = new PredictionLogQueue(p -> {
            if (p.getPredictionId().equals("bad")) {
                throw new IllegalStateException("serialisation failed");
            }
            sent.add(p.getPredictionId());
        }, 10, metrics, "test-prediction-log")) {
            queue.log(prediction("bad"));
            queue.log(prediction("good"));
            await().atMost(Duration.ofSeconds(10)).until(() -> sent.contains("good"));
            assertThat(metrics.count(ServingMetrics.PREDICTION_LOG_FAILURES)).isEqualTo(1);
        }
    }

    /** Predictions logged while the queue closes are each either sent or counted as not logged, never stranded. */
    @Test
    void everyPredictionLoggedDuringCloseIsSentOrCounted() throws Exception {
        List<String> sent = new CopyOnWriteArrayList<>();
        PredictionLogQueue queue = new PredictionLogQueue(p -> sent.add(p.getPredictionId()), 64, metrics,
                "test-prediction-log");
        int threads = 4;
        int each = 5_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> loggers = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread logger = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < each; i++) {
                    queue.log(prediction(thread + "-" + i));
                }
            });
            logger.start();
            loggers.add(logger);
        }
        start.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() > 100);
        queue.close(Duration.ofSeconds(10));
        for (Thread logger : loggers) {
            logger.join(10_000);
        }
        assertThat(sent.size() + queue.dropped()).isEqualTo((long) threads * each);
        assertThat(metrics.count(ServingMetrics.PREDICTION_LOG_FAILURES)).isEqualTo(queue.dropped());
    }

    /** A close that gives up on a blocked sink counts what it leaves, and what is logged meanwhile: none is lost. */
    @Test
    void aCloseThatGivesUpCountsEveryPredictionItLeaves() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        AtomicBoolean sending = new AtomicBoolean();
        List<String> sent = new CopyOnWriteArrayList<>();
        PredictionLogQueue queue = new PredictionLogQueue(p -> {
            sending.set(true);
            try {
                never.await(); // Kafka away: interrupted by close
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            sent.add(p.getPredictionId());
        }, 1_000, metrics, "test-prediction-log");
        queue.log(prediction("blocked"));
        await().atMost(Duration.ofSeconds(10)).untilTrue(sending);
        int logged = 1;
        for (int i = 0; i < 50; i++) {
            queue.log(prediction("q" + i));
            logged++;
        }
        Thread late = new Thread(() -> {
            for (int i = 0; i < 2_000; i++) {
                queue.log(prediction("late" + i));
            }
        });
        late.start();
        queue.close(Duration.ofMillis(200));
        late.join(10_000);
        logged += 2_000;
        // the blocked send was interrupted: neither sent nor counted as dropped by the queue, so it is the one
        // prediction the sink itself lost
        assertThat(sent).isEmpty();
        assertThat(queue.dropped()).isEqualTo(logged - 1L);
        assertThat(metrics.count(ServingMetrics.PREDICTION_LOG_FAILURES)).isEqualTo(logged - 1L);
    }
}
