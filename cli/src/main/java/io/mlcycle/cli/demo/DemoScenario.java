package io.mlcycle.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.avro.Feedback;
import io.mlcycle.platform.lifecycle.EventIds;
import io.mlcycle.schemas.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The demo's scenario: credit applications arrive through the ingestion HTTP API at a steady rate, their outcomes
 * arrive later on {@code <p>.feedback} (as an application that learns them would publish them), a few malformed
 * records and two records of garbage bytes are mixed in, and the world drifts part-way through. A
 * {@link StageScript} may keep the (changed) traffic going after the planned applications until its canary act is
 * over.
 *
 * <p>Writes to ingestion's {@code POST /v1/pipelines/{p}/events}, to {@code <p>.feedback}, and (garbage only) straight
 * to {@code <p>.data.raw}, as any producer could.
 */
public final class DemoScenario {

    /** The scenario's knobs. */
    public record Settings(int events, double eventsPerSecond, double driftAt, double malformedShare,
                           double labeledShare, Duration feedbackDelay, int batchSize, long seed,
                           Duration stagesBudget) {
        public Settings {
            if (events < 1) {
                throw new IllegalArgumentException("events must be at least 1, was " + events);
            }
            if (eventsPerSecond <= 0) {
                throw new IllegalArgumentException("rate must be positive, was " + eventsPerSecond);
            }
            if (driftAt < 0 || driftAt > 1) {
                throw new IllegalArgumentException("drift point must be within [0, 1], was " + driftAt);
            }
            if (labeledShare < 0 || labeledShare > 1) {
                throw new IllegalArgumentException("labeled share must be within [0, 1], was " + labeledShare);
            }
            Objects.requireNonNull(feedbackDelay, "feedbackDelay");
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, was " + batchSize);
            }
            Objects.requireNonNull(stagesBudget, "stagesBudget");
            if (stagesBudget.isNegative()) {
                throw new IllegalArgumentException("the canary act's budget must not be negative, was "
                        + stagesBudget);
            }
        }

        /** A scenario without the canary act ({@link StageScript}): it ends with its planned applications. */
        public Settings(int events, double eventsPerSecond, double driftAt, double malformedShare,
                        double labeledShare, Duration feedbackDelay, int batchSize, long seed) {
            this(events, eventsPerSecond, driftAt, malformedShare, labeledShare, feedbackDelay, batchSize, seed,
                    Duration.ZERO);
        }

        public static Settings defaults() {
            return new Settings(8000, 80, 0.55, 0.03, 0.97, Duration.ofSeconds(2), 20, 7L, Duration.ofMinutes(3));
        }
    }

    /** What the scenario sent, and when (wall clock, which is also the events' time) the world changed (or null). */
    public record Sent(long events, long accepted, long rejectedAtIngestion, long garbage, long feedback,
                       Instant driftAt) {
    }

    private final String pipeline;
    private final URI eventsUri;
    private final Settings settings;
    private final Producer<String, Feedback> feedbackProducer;
    private final Producer<byte[], byte[]> rawBytesProducer;
    private final Timeline timeline;
    private final StageScript stages;
    private volatile Instant driftAt;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicBoolean stopRequested = new AtomicBoolean();

    public DemoScenario(String pipeline, URI ingestionBaseUri, Settings settings,
                        Producer<String, Feedback> feedbackProducer, Producer<byte[], byte[]> rawBytesProducer,
                        Timeline timeline, StageScript stages) {
        this.pipeline = pipeline;
        this.eventsUri = ingestionBaseUri.resolve("/v1/pipelines/" + pipeline + "/events");
        this.settings = settings;
        this.feedbackProducer = feedbackProducer;
        this.rawBytesProducer = rawBytesProducer;
        this.timeline = timeline;
        this.stages = stages;
    }

    /** When the world changed (wall clock, which is also the events' time), or null before it did. */
    public Instant driftAt() {
        return driftAt;
    }

    /** Asks a running scenario to stop after the current batch (Ctrl-C). */
    public void requestStop() {
        stopRequested.set(true);
    }

    /** Runs the scenario to its end (or until stopped); returns what was sent. */
    public Sent run() throws IOException, InterruptedException {
        CreditApplicationGenerator generator = new CreditApplicationGenerator(settings.seed(), settings.malformedShare());
        java.util.SplittableRandom labelRandom = new java.util.SplittableRandom(settings.seed() + 1);
        DelayQueue<PendingOutcome> pending = new DelayQueue<>();
        AtomicLong accepted = new AtomicLong();
        AtomicLong rejected = new AtomicLong();
        AtomicLong feedbackSent = new AtomicLong();
        long garbage = 0;
        int driftIndex = (int) Math.round(settings.events() * settings.driftAt());
        long nanosPerBatch = (long) (settings.batchSize() * 1_000_000_000L / settings.eventsPerSecond());
        long nextBatchAt = System.nanoTime();
        int sent = 0;
        boolean driftAnnounced = false;

        while (!stopRequested.get()) {
            // After the planned applications, the stage script may keep (post-drift) traffic going until the online
            // decisions it waits for are taken.
            boolean plannedDone = sent >= settings.events();
            if (stages == null ? plannedDone : !stages.moreTraffic(plannedDone)) {
                break;
            }
            List<CreditApplicationGenerator.Application> batch = new ArrayList<>();
            for (int i = 0; i < settings.batchSize() && (plannedDone || sent < settings.events()); i++, sent++) {
                boolean drifted = sent >= driftIndex;
                if (drifted && !driftAnnounced) {
                    timeline.print("scenario", "the world changes now: incomes fall, unemployment rises, debt weighs "
                            + "more on default (event %d of %d)", sent, settings.events());
                    driftAnnounced = true;
                    driftAt = Instant.now();
                }
                batch.add(generator.next(Instant.now(), drifted));
            }
            List<String> eventIds = post(batch);
            for (int i = 0; i < batch.size(); i++) {
                String eventId = eventIds.get(i);
                if (eventId == null) {
                    rejected.incrementAndGet();
                    continue;
                }
                accepted.incrementAndGet();
                if (labelRandom.nextDouble() < settings.labeledShare()) {
                    pending.add(new PendingOutcome(eventId, batch.get(i).defaulted(),
                            System.nanoTime() + settings.feedbackDelay().toNanos()));
                }
            }
            if (garbage == 0 && sent >= settings.events() / 10 || garbage == 1 && sent >= settings.events() / 2) {
                sendGarbage(garbage);
                garbage++;
            }
            publishDue(pending, feedbackSent);
            nextBatchAt += nanosPerBatch;
            waitUntil(nextBatchAt, pending, feedbackSent);
        }
        // Outcomes still pending arrive after the last application, as they would in life.
        while (!pending.isEmpty() && !stopRequested.get()) {
            PendingOutcome outcome = pending.poll(100, TimeUnit.MILLISECONDS);
            if (outcome != null) {
                publish(outcome, feedbackSent);
            }
        }
        feedbackProducer.flush();
        return new Sent(sent, accepted.get(), rejected.get(), garbage, feedbackSent.get(), driftAt);
    }

    private List<String> post(List<CreditApplicationGenerator.Application> batch)
            throws IOException, InterruptedException {
        // Ids are chosen here: the answer to a batch lists only its rejected events.
        List<String> eventIds = new ArrayList<>();
        List<Object> body = new ArrayList<>();
        for (CreditApplicationGenerator.Application application : batch) {
            String eventId = EventIds.newTimeOrderedId();
            Map<String, Object> event = new LinkedHashMap<>(application.json());
            event.put("event_id", eventId);
            eventIds.add(eventId);
            body.add(event);
        }
        HttpRequest request = HttpRequest.newBuilder(eventsUri)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() / 100 != 2 && response.statusCode() != 422) {
            throw new IOException("ingestion answered " + response.statusCode() + ": " + response.body());
        }
        for (JsonNode rejection : json.readTree(response.body()).path("rejections")) {
            eventIds.set(rejection.path("index").asInt(), null);
        }
        return eventIds;
    }

    private void sendGarbage(long index) {
        // Not Avro at all, as a misconfigured producer would write: validation must quarantine it with its bytes.
        byte[] value = index == 0 ? "{\"age\": 42}".getBytes(StandardCharsets.UTF_8) : new byte[] {0, 0, 0, 0x7f, 1};
        rawBytesProducer.send(new ProducerRecord<>(Topics.DATA_RAW.name(pipeline),
                ("garbage-" + index).getBytes(StandardCharsets.UTF_8), value));
        rawBytesProducer.flush();
    }

    private void waitUntil(long deadlineNanos, DelayQueue<PendingOutcome> pending, AtomicLong feedbackSent)
            throws InterruptedException {
        while (true) {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                return;
            }
            PendingOutcome outcome = pending.poll(remaining, TimeUnit.NANOSECONDS);
            if (outcome != null) {
                publish(outcome, feedbackSent);
            }
        }
    }

    private void publishDue(DelayQueue<PendingOutcome> pending, AtomicLong feedbackSent) {
        PendingOutcome outcome;
        while ((outcome = pending.poll()) != null) {
            publish(outcome, feedbackSent);
        }
    }

    private void publish(PendingOutcome outcome, AtomicLong feedbackSent) {
        // The canary act's bug: the loan book publishes outcomes inverted for a while.
        boolean corrupted = stages != null && stages.corruptOutcomes();
        if (corrupted) {
            stages.corrupted(outcome.eventId());
        }
        Feedback feedback = Feedback.newBuilder()
                .setEventId(outcome.eventId())
                .setLabel(Boolean.toString(corrupted != outcome.defaulted()))
                .setObservedAt(Instant.now())
                .setSource("demo-loan-book")
                .build();
        feedbackProducer.send(new ProducerRecord<>(Topics.FEEDBACK.name(pipeline), outcome.eventId(), feedback));
        feedbackSent.incrementAndGet();
    }

    private record PendingOutcome(String eventId, boolean defaulted, long dueNanos) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(dueNanos, ((PendingOutcome) other).dueNanos);
        }
    }
}
