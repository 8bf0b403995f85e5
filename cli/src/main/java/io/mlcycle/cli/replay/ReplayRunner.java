package io.mlcycle.cli.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.RunStatus;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.TrainingRun;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.mlcore.gates.FutureTimeLimit;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Plays a {@link ReplayPlan} through a running pipeline in event-time batches, so that the prequential rule holds
 * and the result does not depend on the machine's speed:
 *
 * <ol>
 *   <li>the events of one batch ({@code replay.batch} of event time) go to ingestion over HTTP;</li>
 *   <li>the replay waits until each is validated or quarantined, and until serving-feedback has committed past every
 *       validated one (so each is scored by the model serving at that point, or by none before the first);</li>
 *   <li>it delivers the outcomes observed by the batch's end (event time + {@code label.delay}) to the feedback
 *       endpoint, with that observation time, and waits until each is joined into {@code <p>.examples.labeled};</li>
 *   <li>at this quiet point it applies the spec's BOOTSTRAP ({@code training.min_examples}) and VOLUME
 *       ({@code triggers.volume}) rules itself — the orchestrator's wall-clock volume check is switched off for the
 *       replay — publishes the trigger, and waits for the run to end and, if it promoted a version, for serving to
 *       load it.</li>
 * </ol>
 *
 * <p>So no event of a batch can be scored by a model that learnt from an outcome observed after the batch began.
 * DRIFT triggers come from validation while a batch is scored; the replay waits for their runs before delivering
 * outcomes, but which events of that batch the new version scores depends on timing.
 */
final class ReplayRunner {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HTTP_CHUNK = 500;

    /** Where the pipeline is. */
    record Endpoints(String bootstrapServers, URI ingestion, URI serving, String servingGroupId) {
    }

    private final PipelineSpec spec;
    private final PipelineSerdes serdes;
    private final Endpoints endpoints;
    private final Duration timeout;
    private final Consumer<String> progress;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final FutureTimeLimit maxFuture;
    /** The wall clock feedback judges {@code observed_at} by ({@code data.max_future}); fixed in tests. */
    private final Clock wallClock;
    private volatile long clock;

    ReplayRunner(PipelineSpec spec, PipelineSerdes serdes, Endpoints endpoints, Duration timeout,
                 Consumer<String> progress) {
        this(spec, serdes, endpoints, timeout, progress, Clock.systemUTC());
    }

    ReplayRunner(PipelineSpec spec, PipelineSerdes serdes, Endpoints endpoints, Duration timeout,
                 Consumer<String> progress, Clock wallClock) {
        this.maxFuture = FutureTimeLimit.of(spec);
        this.wallClock = wallClock;
        this.spec = spec;
        this.serdes = serdes;
        this.endpoints = endpoints;
        this.timeout = timeout;
        this.progress = progress;
    }

    /** What the replay saw, for the report. */
    record Outcome(String pipeline, ReplayPlan plan, ReplayObserver observer, List<String> rejectedAtIngestion,
                   OutcomesHeldBack outcomesHeldBack, int batches, int triggersPublished, Duration elapsed) {
    }

    /**
     * The outcomes the replay did not deliver although their observation time was due: {@code notYetObservable}
     * (observed later than {@code data.max_future} after the wall clock when due, which feedback would refuse, as
     * with the last outcomes of recent data) and {@code refused} (refused by the feedback endpoint, with its reason).
     * Their events count as unlabeled; the replay does not wait for them.
     */
    record OutcomesHeldBack(List<String> notYetObservable, Map<String, String> refused) {
        boolean isEmpty() {
            return notYetObservable.isEmpty() && refused.isEmpty();
        }
    }

    /** Runs the replay; the returned observer is closed by the caller once the report is made. */
    Outcome run(ReplayPlan plan) throws Exception {
        long started = System.nanoTime();
        List<ReplayPlan.Event> events = plan.events();
        if (events.isEmpty()) {
            throw new IllegalArgumentException("the file has no row with a valid label to replay");
        }
        clock = events.get(0).eventTime();
        String pipeline = spec.pipeline();
        ReplayObserver observer = new ReplayObserver(pipeline, endpoints.bootstrapServers(), serdes, () -> clock)
                .start();
        List<String> rejected = new ArrayList<>();
        List<String> notYetObservable = new ArrayList<>();
        Map<String, String> refusedOutcomes = new LinkedHashMap<>();
        int batches = 0;
        int published = 0;
        Properties adminProps = new Properties();
        adminProps.put("bootstrap.servers", endpoints.bootstrapServers());
        Properties producerProps = new Properties();
        producerProps.put("bootstrap.servers", endpoints.bootstrapServers());
        producerProps.put("acks", "all");
        producerProps.put("enable.idempotence", "true");
        try (Admin admin = Admin.create(adminProps);
             Producer<String, TrainingTrigger> triggers = new KafkaProducer<>(producerProps,
                     serdes.keySerde(Topics.TRAINING_TRIGGERS).serializer(),
                     serdes.valueSerde(Topics.TRAINING_TRIGGERS).serializer())) {
            long batchMillis = spec.replay().batch().toMillis();
            long origin = events.get(0).eventTime();
            List<ReplayPlan.Event> awaitingOutcome = new ArrayList<>();
            int labeledBaseline = 0;
            int bootstrapAttemptAt = -1;
            int next = 0;
            while (next < events.size()) {
                long batchEnd = origin + (Math.floorDiv(events.get(next).eventTime() - origin, batchMillis) + 1)
                        * batchMillis;
                int end = next;
                while (end < events.size() && events.get(end).eventTime() < batchEnd) {
                    end++;
                }
                List<ReplayPlan.Event> batch = events.subList(next, end);
                clock = batch.get(0).eventTime();
                List<ReplayPlan.Event> accepted = sendEvents(pipeline, batch, rejected);
                observer.await(() -> accepted.stream().allMatch(e -> observer.validated(e.eventId()) != null
                        || observer.quarantined(e.eventId())), timeout, "validation of the events before "
                        + Instant.ofEpochMilli(batchEnd));
                awaitScored(admin, observer, accepted);
                settle(observer);

                clock = batchEnd;
                for (ReplayPlan.Event event : accepted) {
                    if (observer.validated(event.eventId()) != null) {
                        awaitingOutcome.add(event);
                    }
                }
                List<ReplayPlan.Event> due = new ArrayList<>();
                List<ReplayPlan.Event> later = new ArrayList<>();
                long now = wallClock.millis();
                for (ReplayPlan.Event event : awaitingOutcome) {
                    if (event.observedAt() > batchEnd) {
                        later.add(event);
                    } else if (maxFuture.exceeds(event.observedAt(), now)) {
                        // feedback would refuse the whole request for it (observed_at too far in the future)
                        notYetObservable.add(event.eventId());
                    } else {
                        due.add(event);
                    }
                }
                awaitingOutcome = later;
                List<ReplayPlan.Event> delivered = sendOutcomes(pipeline, due, refusedOutcomes);
                observer.await(() -> delivered.stream().allMatch(e -> observer.isLabeled(e.eventId())), timeout,
                        "the outcomes observed by " + Instant.ofEpochMilli(batchEnd) + " joined into labeled examples");

                // The spec's automatic triggers, applied at this quiet point.
                while (true) {
                    int labeled = observer.labeledCount();
                    TriggerReason reason = null;
                    if (!observer.anyVersion()) {
                        if (labeled >= spec.training().minExamples() && labeled > bootstrapAttemptAt) {
                            reason = TriggerReason.BOOTSTRAP;
                            bootstrapAttemptAt = labeled;
                        }
                    } else if (spec.triggers().volume().isPresent()
                            && labeled - labeledBaseline >= spec.triggers().volume().getAsLong()) {
                        reason = TriggerReason.VOLUME;
                    }
                    if (reason == null) {
                        break;
                    }
                    TrainingRun run = trigger(triggers, observer, reason, labeled - labeledBaseline);
                    published++;
                    if (run.getStatus() != RunStatus.SKIPPED) {
                        labeledBaseline = labeled;
                    }
                    settle(observer);
                    if (run.getStatus() == RunStatus.SKIPPED || reason == TriggerReason.BOOTSTRAP) {
                        break;
                    }
                }
                batches++;
                next = end;
                progress.accept(String.format("%d/%d events, %s, champion %s", next, events.size(),
                        Instant.ofEpochMilli(batchEnd), champion(observer)));
            }
        }
        if (!notYetObservable.isEmpty() || !refusedOutcomes.isEmpty()) {
            progress.accept(String.format("%d outcome(s) not delivered: %d observed beyond data.max_future of now,"
                    + " %d refused by feedback", notYetObservable.size() + refusedOutcomes.size(),
                    notYetObservable.size(), refusedOutcomes.size()));
        }
        return new Outcome(pipeline, plan, observer, rejected,
                new OutcomesHeldBack(List.copyOf(notYetObservable), Map.copyOf(refusedOutcomes)), batches, published,
                Duration.ofNanos(System.nanoTime() - started));
    }

    /** Sends one batch to ingestion; returns the accepted events, adds the rejected ids to {@code rejected}. */
    private List<ReplayPlan.Event> sendEvents(String pipeline, List<ReplayPlan.Event> batch, List<String> rejected)
            throws IOException, InterruptedException {
        List<ReplayPlan.Event> accepted = new ArrayList<>(batch.size());
        URI uri = endpoints.ingestion().resolve("/v1/pipelines/" + pipeline + "/events");
        for (int from = 0; from < batch.size(); from += HTTP_CHUNK) {
            List<ReplayPlan.Event> chunk = batch.subList(from, Math.min(batch.size(), from + HTTP_CHUNK));
            StringBuilder body = new StringBuilder();
            for (ReplayPlan.Event event : chunk) {
                body.append(JSON.writeValueAsString(event.json())).append('\n');
            }
            JsonNode answer = post(uri, "application/x-ndjson", body.toString());
            // Ingestion answers counts plus the rejected events (by index); every other event was accepted.
            java.util.Set<Integer> rejectedIndexes = new java.util.HashSet<>();
            for (JsonNode rejection : answer.path("rejections")) {
                rejectedIndexes.add(rejection.path("index").asInt());
            }
            for (int i = 0; i < chunk.size(); i++) {
                if (rejectedIndexes.contains(i)) {
                    rejected.add(chunk.get(i).eventId());
                } else {
                    accepted.add(chunk.get(i));
                }
            }
        }
        return accepted;
    }

    /**
     * Posts the outcomes in chunks; returns those written. Feedback writes nothing of a request with an invalid
     * record (422), so the refused ones are recorded in {@code refused} with the reason and the rest posted again.
     */
    private List<ReplayPlan.Event> sendOutcomes(String pipeline, List<ReplayPlan.Event> due, Map<String, String> refused)
            throws IOException, InterruptedException {
        URI uri = endpoints.serving().resolve("/v1/pipelines/" + pipeline + "/feedback");
        List<ReplayPlan.Event> delivered = new ArrayList<>(due.size());
        for (int from = 0; from < due.size(); from += HTTP_CHUNK) {
            List<ReplayPlan.Event> chunk = new ArrayList<>(due.subList(from, Math.min(due.size(), from + HTTP_CHUNK)));
            while (!chunk.isEmpty()) {
                ArrayNode body = JSON.createArrayNode();
                for (ReplayPlan.Event event : chunk) {
                    ObjectNode feedback = body.addObject();
                    feedback.put("event_id", event.eventId());
                    feedback.put("label", event.label());
                    feedback.put("observed_at", event.observedAt());
                    feedback.put("source", "mlcycle-replay");
                }
                JsonNode answer = post(uri, "application/json", JSON.writeValueAsString(body));
                JsonNode problems = answer.path("records");
                if (!answer.path("error").isTextual() || problems.isEmpty()) {
                    delivered.addAll(chunk);
                    break;
                }
                java.util.Set<Integer> refusedIndexes = new java.util.HashSet<>();
                for (JsonNode problem : problems) {
                    int index = problem.path("index").asInt(-1);
                    if (index >= 0 && index < chunk.size() && refusedIndexes.add(index)) {
                        refused.put(chunk.get(index).eventId(), reasonText(problem.path("reasons")));
                    }
                }
                if (refusedIndexes.isEmpty()) {
                    throw new IllegalStateException("POST " + uri.getPath() + " refused the outcomes without naming"
                            + " one: " + answer.path("message").asText());
                }
                List<ReplayPlan.Event> rest = new ArrayList<>(chunk.size() - refusedIndexes.size());
                for (int i = 0; i < chunk.size(); i++) {
                    if (!refusedIndexes.contains(i)) {
                        rest.add(chunk.get(i));
                    }
                }
                chunk = rest;
            }
        }
        return delivered;
    }

    /** The reasons of one refused record as one line ({@code CODE: message; ...}). */
    private static String reasonText(JsonNode reasons) {
        List<String> parts = new ArrayList<>();
        for (JsonNode reason : reasons) {
            String code = reason.path("code").asText("");
            String message = reason.path("detail").asText(reason.asText());
            parts.add(code.isEmpty() ? message : code + ": " + message);
        }
        return parts.isEmpty() ? "refused" : String.join("; ", parts);
    }

    private JsonNode post(URI uri, String contentType, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        // 422: every event of the request was rejected; the answer still lists them.
        if (response.statusCode() / 100 != 2 && response.statusCode() != 422) {
            throw new IllegalStateException("POST " + uri.getPath() + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** Waits until serving-feedback has committed past every validated event of the batch. */
    private void awaitScored(Admin admin, ReplayObserver observer, List<ReplayPlan.Event> accepted)
            throws InterruptedException, ExecutionException {
        Map<TopicPartition, Long> needed = new HashMap<>();
        String topic = Topics.DATA_VALIDATED.name(spec.pipeline());
        for (ReplayPlan.Event event : accepted) {
            ReplayObserver.Position position = observer.validated(event.eventId());
            if (position != null) {
                needed.merge(new TopicPartition(topic, position.partition()), position.offset() + 1, Math::max);
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                    endpoints.servingGroupId()).partitionsToOffsetAndMetadata().get();
            boolean done = needed.entrySet().stream().allMatch(need -> {
                OffsetAndMetadata offset = committed.get(need.getKey());
                return offset != null && offset.offset() >= need.getValue();
            });
            if (done) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("serving-feedback did not process the validated events within "
                        + timeout.toSeconds() + " s");
            }
            // The group's committed offsets are a state on the broker, not an event: poll them.
            Thread.sleep(20);
        }
    }

    /** Publishes a trigger and waits for its run to end; returns the run's final record. */
    private TrainingRun trigger(Producer<String, TrainingTrigger> producer, ReplayObserver observer,
                                TriggerReason reason, long newExamples) throws Exception {
        Map<String, String> evidence = new LinkedHashMap<>();
        if (reason == TriggerReason.BOOTSTRAP) {
            evidence.put("labeled_examples", Long.toString(newExamples));
            evidence.put("min_examples", Long.toString(spec.training().minExamples()));
        } else {
            evidence.put("new_examples", Long.toString(newExamples));
            evidence.put("volume_threshold", Long.toString(spec.triggers().volume().orElse(0)));
        }
        evidence.put("replay_event_time", Instant.ofEpochMilli(clock).toString());
        TrainingTrigger trigger = TrainingTrigger.newBuilder()
                .setTriggerId(UUID.randomUUID().toString())
                .setPipeline(spec.pipeline())
                .setReason(reason)
                .setEvidence(evidence)
                .setRequestedBy("mlcycle-replay")
                .setRequestedAt(Instant.now())
                .setNote(reason + " rule of the spec, applied by the replay at event time "
                        + Instant.ofEpochMilli(clock))
                .build();
        producer.send(new ProducerRecord<>(Topics.TRAINING_TRIGGERS.name(spec.pipeline()), spec.pipeline(), trigger))
                .get();
        String id = trigger.getTriggerId();
        observer.await(() -> {
            TrainingRun run = observer.runOf(id);
            return run != null && ReplayObserver.TERMINAL.contains(run.getStatus());
        }, timeout, "the " + reason + " training run");
        return observer.runOf(id);
    }

    /**
     * Waits until every trigger's run has ended and serving-feedback serves the current champion (so the next
     * events are scored by it).
     */
    private void settle(ReplayObserver observer) throws Exception {
        observer.await(() -> observer.orchestratorIdle() && observer.promotionsSeen(), timeout,
                "the training runs to end");
        String champion = champion(observer);
        if (champion == null) {
            return;
        }
        URI uri = endpoints.serving().resolve("/v1/pipelines/" + spec.pipeline() + "/model");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200
                    && champion.equals(JSON.readTree(response.body()).path("version").asText())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("serving-feedback did not load the champion " + champion + " within "
                        + timeout.toSeconds() + " s");
            }
            // Which model serving holds is a state behind HTTP, not an event: poll it.
            Thread.sleep(20);
        }
    }

    static String champion(ReplayObserver observer) {
        return observer.models().values().stream().filter(m -> m.getStage() == Stage.CHAMPION)
                .max((a, b) -> Integer.compare(a.getVersionNumber(), b.getVersionNumber()))
                .map(ModelVersion::getVersion).orElse(null);
    }
}
