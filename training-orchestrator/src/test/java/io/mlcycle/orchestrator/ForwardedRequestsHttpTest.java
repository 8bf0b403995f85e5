package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.RequestStatus;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageDecision;
import io.mlcycle.mlcore.registry.ModelSigning;
import io.mlcycle.mlcore.spec.CanarySpec;
import io.mlcycle.platform.http.AdminTokens;
import io.mlcycle.platform.http.HttpServerHost;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A standby's 202 names where to follow a forwarded request, and {@code GET .../requests/{id}} answers its outcome:
 * pending until the owner's signed answer, then applied, or refused with the owner's reason.
 */
class ForwardedRequestsHttpTest {

    private static final String TOKEN = "a-test-admin-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelRegistry registry = new ModelRegistry("credit", Fixtures.SIGNING);
    private final ForwardedRequests requests = new ForwardedRequests("credit", Fixtures.SIGNING);
    private final List<StageDecision> forwarded = new CopyOnWriteArrayList<>();
    private final HttpClient client = HttpClient.newHttpClient();
    private HttpServerHost http;

    @BeforeEach
    void setUp() {
        put(1, Stage.CHAMPION);
        put(2, Stage.RETIRED);
        put(3, Stage.RETIRED);
        OrchestratorHttp api = new OrchestratorHttp("credit", mock(TrainingCoordinator.class), registry,
                new RunTracker("credit", run -> { }, 10, Clock.systemUTC()),
                AdminTokens.fromConfig(Optional.of("alice:" + TOKEN)), new RegistryGuard("credit", registry),
                CanarySpec.defaults(), requests, planner -> {
                    throw new AssertionError("a standby writes nothing to the registry");
                }, new OrchestratorHttp.Forwarding() {
                    @Override
                    public boolean owns() {
                        return false;
                    }

                    @Override
                    public boolean registryReplayed() {
                        return true;
                    }

                    @Override
                    public String instance() {
                        return "standby-b";
                    }

                    @Override
                    public void forward(StageDecision request) {
                        forwarded.add(request);
                    }
                });
        http = new HttpServerHost("127.0.0.1", 0, HttpServerHost.Options.defaults("training-orchestrator"))
                .route("POST", OrchestratorHttp.PROMOTE, api::promote)
                .route("GET", OrchestratorHttp.REQUEST, api::request)
                .start();
    }

    @AfterEach
    void tearDown() {
        http.close();
    }

    private void put(int number, Stage stage) {
        registry.apply(Fixtures.SIGNING.sign(StagePlanner.transition(Fixtures.version("credit", number,
                Stage.CANDIDATE, List.of(Fixtures.gate("beats_baseline", true, "ok"))), stage, Fixtures.T0, "test")));
    }

    private HttpResponse<String> promote(String version) throws Exception {
        return client.send(HttpRequest.newBuilder(http.baseUrl().resolve("/v1/pipelines/credit/models/" + version
                        + "/promote")).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(http.baseUrl().resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** What the owner does with the request it consumes at {@code at}: apply or refuse, and answer, signed. */
    private StageDecision ownerAnswers(StageDecision request, Instant at) {
        return Fixtures.SIGNING.sign(StageDecisions.answer(request, StageDecisions.apply("credit", request, registry,
                at), at));
    }

    @Test
    void aStaleRequestIsPendingAndThenRefusedWithTheOwnersReason() throws Exception {
        HttpResponse<String> accepted = promote("credit-v2");
        assertThat(accepted.statusCode()).isEqualTo(202);
        JsonNode body = JSON.readTree(accepted.body());
        String id = body.get("request_id").asText();
        assertThat(body.get("request_url").asText()).isEqualTo("/v1/pipelines/credit/requests/" + id);
        assertThat(body.get("note").asText()).contains("mlcycle models request " + id);

        JsonNode pending = JSON.readTree(get(body.get("request_url").asText()).body());
        assertThat(pending.get("status").asText()).isEqualTo("pending");
        assertThat(pending.get("kind").asText()).isEqualTo("promote");
        assertThat(pending.get("model_version").asText()).isEqualTo("credit-v2");
        assertThat(pending.get("requested_by").asText()).isEqualTo("alice");
        assertThat(pending.get("forwarded_by").asText()).isEqualTo("standby-b");
        assertThat(pending.get("reason").asText()).contains("waiting for the instance that owns the pipeline");

        // the owner reads it too late (no owner for a while): refused, and every instance reads the answer
        StageDecision request = forwarded.get(0);
        StageDecision answer = ownerAnswers(request, request.getDecidedAt()
                .plus(StageDecisions.MAX_FORWARDED_AGE).plusSeconds(1));
        requests.onDecision(request);
        requests.onDecision(answer);

        HttpResponse<String> refused = get("/v1/pipelines/credit/requests/" + id);
        assertThat(refused.statusCode()).isEqualTo(200);
        JsonNode outcome = JSON.readTree(refused.body());
        assertThat(outcome.get("status").asText()).isEqualTo("refused");
        assertThat(outcome.get("reason").asText()).contains("more than 10 minutes").contains("send it again");
        assertThat(outcome.get("answered_at").asText()).isEqualTo(answer.getDecidedAt().toString());
        assertThat(outcome.get("requested_by").asText()).isEqualTo("alice");
    }

    @Test
    void anInvalidRequestIsRefusedWithTheReasonAndOnlyTheOwnersSignedAnswerCounts() throws Exception {
        String id = JSON.readTree(promote("credit-v3").body()).get("request_id").asText();
        // the standby signed with a key other than the owner's (a misconfigured instance)
        StageDecision foreign = ModelSigning.withKey("another-deployments-key-0123").sign(forwarded.get(0));

        // an answer not signed with the deployment's key is not the owner's: ignored, still pending
        StageDecision forged = StageDecisions.answer(forwarded.get(0), new StageDecisions.Outcome(Optional.of(
                new StagePlanner.RegistryUpdate(List.of(), Optional.empty())), "applied, trust me"), Instant.now());
        requests.onDecision(forged);
        assertThat(JSON.readTree(get("/v1/pipelines/credit/requests/" + id).body()).get("status").asText())
                .isEqualTo("pending");

        StageDecision answer = ownerAnswers(foreign, Instant.now());
        assertThat(answer.getAnswer()).isEqualTo(RequestStatus.REFUSED);
        requests.onDecision(answer);
        JsonNode outcome = JSON.readTree(get("/v1/pipelines/credit/requests/" + id).body());
        assertThat(outcome.get("status").asText()).isEqualTo("refused");
        assertThat(outcome.get("reason").asText()).contains("refused").contains("signature does not match");
    }

    @Test
    void theFirstAnswerIsTheOutcomeAndAReplayedRequestDoesNotChangeIt() throws Exception {
        String id = JSON.readTree(promote("credit-v2").body()).get("request_id").asText();
        StageDecision request = forwarded.get(0);
        StageDecisions.Outcome applied = StageDecisions.apply("credit", request, registry, Instant.now());
        assertThat(applied.applied()).isTrue();
        requests.onDecision(Fixtures.SIGNING.sign(StageDecisions.answer(request, applied, Instant.now())));
        applied.update().orElseThrow().versions().forEach(v -> registry.apply(Fixtures.SIGNING.sign(v)));
        // the same signed request sent again later: the owner refuses it, which is not the person's outcome
        requests.onDecision(request);
        requests.onDecision(ownerAnswers(request, Instant.now()));

        JsonNode outcome = JSON.readTree(get("/v1/pipelines/credit/requests/" + id).body());
        assertThat(outcome.get("status").asText()).isEqualTo("applied");
        assertThat(outcome.get("reason").asText()).contains("promote of credit-v2").contains("champion now credit-v2");
    }

    @Test
    void aRequestTheRegistryNamesIsAppliedAlsoWithoutAnAnswer() throws Exception {
        // an owner from before answers (a rolling upgrade) applies the request and publishes no answer
        String id = JSON.readTree(promote("credit-v2").body()).get("request_id").asText();
        StageDecisions.Outcome applied = StageDecisions.apply("credit", forwarded.get(0), registry, Instant.now());
        assertThat(applied.applied()).isTrue();
        applied.update().orElseThrow().versions().forEach(v -> registry.apply(Fixtures.SIGNING.sign(v)));

        JsonNode outcome = JSON.readTree(get("/v1/pipelines/credit/requests/" + id).body());
        assertThat(outcome.get("status").asText()).isEqualTo("applied");
        assertThat(outcome.get("reason").asText()).contains("registry's history names this request");
    }

    @Test
    void aForgedRequestIsNotFollowedAndItsAnswerStaysSmall() throws Exception {
        String huge = "x".repeat(600_000);
        StageDecision forged = StageDecision.newBuilder(StageDecisions.forwarded("forged-1", "credit",
                        io.mlcycle.avro.DecisionKind.PROMOTE, registry.get("credit-v2").orElseThrow(),
                        registry.champion(), huge, huge, huge, Instant.now()))
                .setStatistics(java.util.Map.of("padding", 1.0)).build();
        requests.onDecision(forged);
        assertThat(requests.get("forged-1")).as("unsigned: not followed").isEmpty();

        StageDecision answer = ownerAnswers(forged, Instant.now());
        assertThat(answer.getAnswer()).isEqualTo(RequestStatus.REFUSED);
        assertThat(answer.getForwardedBy()).hasSizeLessThanOrEqualTo(StageDecisions.MAX_ANSWER_NAME);
        assertThat(answer.getEvidence()).hasSizeLessThanOrEqualTo(StageDecisions.MAX_ANSWER_TEXT);
        assertThat(answer.getStatistics()).isEmpty();
        assertThat(answer.toByteBuffer().remaining()).as("far below Kafka's 1 MB record limit").isLessThan(4_096);
        requests.onDecision(answer);
        assertThat(requests.get("forged-1")).hasValueSatisfying(entry -> {
            assertThat(entry.status()).isEqualTo(RequestStatus.REFUSED);
            assertThat(entry.reason()).hasSizeLessThanOrEqualTo(StageDecisions.MAX_ANSWER_TEXT);
            assertThat(entry.forwardedBy()).hasSizeLessThanOrEqualTo(StageDecisions.MAX_ANSWER_NAME);
        });
    }

    @Test
    void anUnknownRequestIs404WithAProblemNotAStackTrace() throws Exception {
        HttpResponse<String> unknown = get("/v1/pipelines/credit/requests/no-such-request");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("no forwarded request 'no-such-request'").doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertThat(get("/v1/pipelines/other/requests/x").statusCode()).isEqualTo(404);
    }

    @Test
    void requestsAreBounded() {
        for (int i = 0; i <= ForwardedRequests.MAX_REQUESTS; i++) {
            requests.forwarded(StageDecisions.forwarded("r-" + i, "credit", io.mlcycle.avro.DecisionKind.PROMOTE,
                    registry.get("credit-v2").orElseThrow(), registry.champion(), "alice", "why", "standby-b",
                    Instant.now()));
        }
        assertThat(requests.get("r-0")).isEmpty();
        assertThat(requests.get("r-1")).isPresent();
        assertThat(requests.get("r-" + ForwardedRequests.MAX_REQUESTS)).isPresent();
    }
}
