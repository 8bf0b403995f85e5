package io.mlcycle.orchestrator;

import io.mlcycle.avro.RequestStatus;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageDecision;
import io.mlcycle.mlcore.registry.ModelSigning;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What became of the promote, rollback and stage requests standbys forwarded to the owner, as every orchestrator
 * instance reads them on {@code <p>.models.decisions}: a forwarded request is pending until the owner's signed answer
 * ({@link StageDecisions#answer}) says it was applied or refused, and why. Answers {@code GET .../requests/{id}} on any
 * instance, so the person who got a 202 from a standby learns the outcome.
 *
 * <p>The first answer to a request id is its outcome: a signed request sent again (a replay, or a re-delivery) is
 * refused by the owner as applied already or stale, which says nothing about the request the person made. Answers
 * whose signature does not hold are ignored: a writer of the topic cannot answer in the owner's name. Bounded: the
 * {@link #MAX_REQUESTS} most recently seen requests are kept.
 */
final class ForwardedRequests {

    private static final Logger LOG = LoggerFactory.getLogger(ForwardedRequests.class);

    /** Requests kept (the oldest seen is forgotten first): people follow a request for minutes, not months. */
    static final int MAX_REQUESTS = 1000;

    /**
     * One forwarded request and its outcome.
     *
     * @param status null while pending
     * @param reason the owner's note (what was done, or why not); null while pending
     */
    record Entry(String requestId, String kind, String modelVersion, Stage toStage, String requestedBy,
                 String forwardedBy, Instant requestedAt, RequestStatus status, String reason, Instant answeredAt) {

        boolean pending() {
            return status == null;
        }
    }

    private final String pipeline;
    private final ModelSigning signing;
    private final Map<String, Entry> requests = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > MAX_REQUESTS;
        }
    };

    ForwardedRequests(String pipeline, ModelSigning signing) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.signing = Objects.requireNonNull(signing, "signing");
    }

    /** Takes in one record of {@code <p>.models.decisions}: a forwarded request, an answer, or neither (ignored). */
    synchronized void onDecision(StageDecision decision) {
        if (decision == null || !pipeline.equals(decision.getPipeline())) {
            return;
        }
        if (StageDecisions.isAnswer(decision)) {
            answered(decision);
        } else if (decision.getForwardedBy() != null) {
            // Only a request a standby signed is followed: what else a writer of the topic sends must not take
            // room from real requests (the owner refuses it anyway, and its signed answer is then recorded).
            ModelSigning.Verification signed = signing.verify(decision);
            if (signed.valid()) {
                forwarded(decision);
            } else {
                LOG.warn("A forwarded request {} is not followed: {}", StageDecisions.clip(decision.getDecisionId(),
                        StageDecisions.MAX_ANSWER_NAME), signed.reason());
            }
        }
    }

    /** A forwarded request (seen on the topic, or just published by this instance): pending unless known already. */
    synchronized void forwarded(StageDecision request) {
        requests.putIfAbsent(request.getDecisionId(), new Entry(request.getDecisionId(), kind(request),
                name(request.getModelVersion()), request.getToStage(), name(request.getDecidedBy()),
                name(request.getForwardedBy()), request.getDecidedAt(), null, null, null));
    }

    private void answered(StageDecision answer) {
        ModelSigning.Verification signed = signing.verify(answer);
        if (!signed.valid()) {
            LOG.warn("An answer to forwarded request {} is ignored: {}", StageDecisions.clip(answer.getDecisionId(),
                    StageDecisions.MAX_ANSWER_NAME), signed.reason());
            return;
        }
        RequestStatus status = answer.getAnswer() == null ? RequestStatus.UNKNOWN : answer.getAnswer();
        Entry known = requests.get(answer.getDecisionId());
        if (known != null && !known.pending()) {
            return;
        }
        // the answer repeats the request's fields: an answer read without its request (forgotten) is still complete
        requests.put(answer.getDecisionId(), new Entry(answer.getDecisionId(),
                known != null ? known.kind() : kind(answer), name(answer.getModelVersion()),
                answer.getToStage(), known != null ? known.requestedBy() : null,
                name(answer.getForwardedBy()), known != null ? known.requestedAt() : null, status,
                StageDecisions.clip(answer.getEvidence(), StageDecisions.MAX_ANSWER_TEXT), answer.getDecidedAt()));
    }

    /** The request with this id, if this instance has seen it. */
    synchronized Optional<Entry> get(String requestId) {
        return Optional.ofNullable(requests.get(requestId));
    }

    /** Names and ids kept from the topic, bounded like an answer's. */
    private static String name(String text) {
        return StageDecisions.clip(text, StageDecisions.MAX_ANSWER_NAME);
    }

    /**
     * The HTTP view of a request at {@code now}: status pending, applied or refused, with the reason.
     *
     * @param appliedInRegistry whether this instance's registry names the request in a transition's reason: applied,
     *                          also when no answer came (an owner from before answers, during a rolling upgrade)
     */
    Map<String, Object> view(Entry entry, Instant now, boolean appliedInRegistry) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("request_id", entry.requestId());
        body.put("pipeline", pipeline);
        boolean appliedWithoutAnswer = entry.pending() && appliedInRegistry;
        body.put("status", appliedWithoutAnswer ? "applied" : entry.pending() ? "pending" : switch (entry.status()) {
            case APPLIED -> "applied";
            case REFUSED -> "refused";
            default -> "unknown";
        });
        String reason = entry.reason();
        if (appliedWithoutAnswer) {
            reason = "applied: the registry's history names this request (no answer came: the owner that applied it "
                    + "predates answers)";
        } else if (entry.pending()) {
            Duration waiting = entry.requestedAt() == null ? Duration.ZERO : Duration.between(entry.requestedAt(), now);
            reason = waiting.compareTo(StageDecisions.MAX_FORWARDED_AGE) > 0
                    ? "not answered yet: no instance has owned the pipeline since it was made, or the owner is "
                    + "behind; it was made more than " + StageDecisions.MAX_FORWARDED_AGE.toMinutes() + " minutes ago, "
                    + "so the owner will refuse it (send it again)"
                    : "waiting for the instance that owns the pipeline to apply or refuse it";
        }
        body.put("reason", reason);
        body.put("kind", entry.kind());
        body.put("model_version", entry.modelVersion());
        body.put("to_stage", entry.toStage() == null ? null : entry.toStage().name());
        body.put("requested_by", entry.requestedBy());
        body.put("forwarded_by", entry.forwardedBy());
        body.put("requested_at", entry.requestedAt() == null ? null : entry.requestedAt().toString());
        body.put("answered_at", entry.answeredAt() == null ? null : entry.answeredAt().toString());
        return body;
    }

    /** promote, rollback or stage, as the person asked. */
    private static String kind(StageDecision decision) {
        if (StageDecisions.isAnswer(decision)) {
            // an answer keeps the request's fields: only a promote asks for CHAMPION, and only a rollback retires the
            // champion it saw (a withdrawn challenger is not the champion)
            return switch (decision.getToStage()) {
                case CHAMPION -> "promote";
                case SHADOW, CANARY -> "stage";
                default -> decision.getComparedWith() != null
                        && decision.getComparedWith().equals(decision.getModelVersion()) ? "rollback" : "stage";
            };
        }
        return decision.getDecision().name().toLowerCase(Locale.ROOT);
    }
}
