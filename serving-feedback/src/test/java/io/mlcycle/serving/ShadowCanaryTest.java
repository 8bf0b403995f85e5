package io.mlcycle.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.Variant;
import io.mlcycle.mlcore.spec.CanarySpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Who answers: champion, canary by a stable hash of the entity, shadows never; and swapping under load. */
class ShadowCanaryTest {
    private static final PipelineSpec SPEC = TestFixtures.spec();
    private static final Map<String, Object> FEATURES = Map.of("age", 50, "income", 100.0, "employment", "employed");

    private final ModelRegistryWatcher watcher = new ModelRegistryWatcher(SPEC, alert -> { },
            ServingMetrics.inMemory(SPEC.pipeline()), Clock.fixed(TestFixtures.T0, ZoneOffset.UTC),
            io.mlcycle.mlcore.registry.ModelSigning.development());

    private static Scoring.Event event(String eventId, String entity) {
        return new Scoring.Event("credit", eventId, entity, FEATURES, TestFixtures.T0, TestFixtures.T0, "stream");
    }

    @Test
    void selectionTakesTheNewestChampionANewerCanaryAndTheShadows() {
        // Serving selects through ml-core's one ChampionSelector, like every service.
        io.mlcycle.mlcore.registry.ChampionSelector selector = new io.mlcycle.mlcore.registry.ChampionSelector(
                SPEC.pipeline(), io.mlcycle.mlcore.registry.ModelSigning.development());
        io.mlcycle.mlcore.registry.ChampionSelector.Selection targets = selector.select(List.of(
                TestFixtures.version(SPEC, 1, Stage.RETIRED, 0.0),
                TestFixtures.version(SPEC, 2, Stage.CHAMPION, 0.0),
                TestFixtures.version(SPEC, 3, Stage.CANARY, 0.0),
                TestFixtures.version(SPEC, 4, Stage.SHADOW, 0.0),
                TestFixtures.version(SPEC, 5, Stage.SHADOW, 0.0)), java.util.Set.of());

        assertThat(targets.champion()).map(v -> v.getVersion()).contains("credit-v2");
        assertThat(targets.canary()).map(v -> v.getVersion()).contains("credit-v3");
        assertThat(targets.shadows(ModelRegistryWatcher.MAX_SHADOWS)).extracting(v -> v.getVersion())
                .containsExactly("credit-v5", "credit-v4");
        assertThat(selector.select(List.of(TestFixtures.version(SPEC, 1, Stage.CANARY, 0.0),
                TestFixtures.version(SPEC, 2, Stage.CHAMPION, 0.0)), java.util.Set.of()).canary())
                .as("a canary older than the champion is stale").isEmpty();
    }

    @Test
    void theCanaryAnswersItsShareOfEntitiesStablyAndShadowsNeverAnswer() {
        watcher.apply(List.of(TestFixtures.champion(SPEC, 1, 0.0),
                TestFixtures.version(SPEC, 2, Stage.CANARY, 0.5),
                TestFixtures.version(SPEC, 3, Stage.SHADOW, -0.5)));
        ServingModels models = watcher.models();
        assertThat(models.canary().version()).isEqualTo("credit-v2");
        assertThat(models.shadows()).extracting(LoadedModel::version).containsExactly("credit-v3");

        int entities = 2000;
        int canaryServed = 0;
        Map<String, Variant> firstArm = new HashMap<>();
        for (int i = 0; i < entities; i++) {
            String entity = "app-" + i;
            List<Prediction> predictions = Scoring.predict(models, SPEC.canary(), event("e" + i, entity));
            assertThat(predictions.stream().filter(Prediction::getServed)).hasSize(1);
            Prediction served = predictions.get(0);
            assertThat(served.getServed()).isTrue();
            assertThat(predictions).filteredOn(p -> p.getVariant() == Variant.SHADOW).singleElement()
                    .satisfies(p -> {
                        assertThat(p.getServed()).isFalse();
                        assertThat(p.getModelVersion()).isEqualTo("credit-v3");
                    });
            if (served.getVariant() == Variant.CANARY) {
                canaryServed++;
                assertThat(served.getModelVersion()).isEqualTo("credit-v2");
                // The champion scores the same event unserved, for the paired comparison.
                assertThat(predictions).filteredOn(p -> p.getVariant() == Variant.CHAMPION).singleElement()
                        .satisfies(p -> assertThat(p.getServed()).isFalse());
            } else {
                assertThat(served.getVariant()).isEqualTo(Variant.CHAMPION);
                assertThat(served.getModelVersion()).isEqualTo("credit-v1");
            }
            firstArm.put(entity, served.getVariant());
        }
        assertThat(canaryServed).isBetween((int) (entities * (SPEC.canary().fraction() - 0.04)),
                (int) (entities * (SPEC.canary().fraction() + 0.04)));
        // The same entity, another event, later: the same arm.
        for (int i = 0; i < entities; i += 7) {
            String entity = "app-" + i;
            assertThat(Scoring.predict(models, SPEC.canary(), event("again-" + i, entity)).get(0).getVariant())
                    .isEqualTo(firstArm.get(entity));
        }
    }

    @Test
    void noRequestFailsOrSeesAHalfSwappedSetWhileChampionsAreSwappedUnderLoad() throws Exception {
        watcher.apply(List.of(TestFixtures.champion(SPEC, 1, 0.0)));
        AtomicBoolean swapping = new AtomicBoolean(true);
        AtomicLong scored = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<List<String>>> scorers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int thread = t;
            scorers.add(pool.submit(() -> {
                List<String> versions = new ArrayList<>();
                long i = 0;
                long afterSwaps = 0;
                // Keeps scoring during every swap, and a few requests more once the last swap is done.
                while (swapping.get() || afterSwaps++ < 10 || i < 100) {
                    List<Prediction> predictions = Scoring.predict(watcher.models(), SPEC.canary(),
                            event("t" + thread + "-" + i, "app-" + i));
                    Prediction served = predictions.get(0);
                    assertThat(served.getScore()).isBetween(0.0, 1.0);
                    versions.add(served.getModelVersion());
                    scored.incrementAndGet();
                    i++;
                }
                return versions;
            }));
        }
        for (int n = 2; n <= 30; n++) {
            watcher.apply(List.of(TestFixtures.champion(SPEC, n, n / 10.0)));
            assertThat(watcher.champion().orElseThrow().version()).isEqualTo("credit-v" + n);
        }
        swapping.set(false);
        List<String> seen = new ArrayList<>();
        for (Future<List<String>> scorer : scorers) {
            seen.addAll(scorer.get(30, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(scored.get()).isEqualTo(seen.size()).isGreaterThanOrEqualTo(300);
        assertThat(seen).allSatisfy(v -> assertThat(v).matches("credit-v([1-9]|[12][0-9]|30)"));
        assertThat(seen).contains("credit-v30");
    }
}
