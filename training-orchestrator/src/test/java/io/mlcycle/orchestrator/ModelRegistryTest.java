package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelRegistryTest {

    @Test
    void versionNumbersContinueFromTheHighestEverSeenEvenAfterATombstone() {
        ModelRegistry registry = new ModelRegistry("credit", Fixtures.SIGNING);
        assertThat(registry.isEmpty()).isTrue();
        assertThat(registry.nextVersionNumber()).isEqualTo(1);

        registry.apply(Fixtures.version("credit", 1, Stage.RETIRED, List.of()));
        registry.apply(Fixtures.version("credit", 3, Stage.REJECTED, List.of()));
        registry.apply(Fixtures.version("credit", 2, Stage.CHAMPION, List.of()));
        assertThat(registry.nextVersionNumber()).isEqualTo(4);
        assertThat(ModelRegistry.versionId("credit", registry.nextVersionNumber())).isEqualTo("credit-v4");

        registry.apply("credit-v3", null);
        assertThat(registry.get("credit-v3")).as("a tombstone proves nothing and is ignored").isPresent();
        assertThat(registry.nextVersionNumber()).as("a number is never reused").isEqualTo(4);
    }

    @Test
    void latestValuePerVersionWinsAndTheChampionIsTheHighestChampion() {
        ModelRegistry registry = new ModelRegistry("credit", Fixtures.SIGNING);
        registry.apply(Fixtures.version("credit", 1, Stage.CHAMPION, List.of()));
        assertThat(registry.champion()).map(ModelVersion::getVersion).hasValue("credit-v1");

        registry.apply(Fixtures.version("credit", 2, Stage.CHAMPION, List.of()));
        registry.apply(Fixtures.version("credit", 1, Stage.RETIRED, List.of()));
        assertThat(registry.champion()).map(ModelVersion::getVersion).hasValue("credit-v2");
        assertThat(registry.all()).extracting(ModelVersion::getStage).containsExactly(Stage.RETIRED, Stage.CHAMPION);
        assertThat(registry.latest()).map(ModelVersion::getVersionNumber).hasValue(2);

        ModelVersion stale = Fixtures.SIGNING.sign(ModelVersion.newBuilder(
                Fixtures.version("credit", 2, Stage.CANDIDATE, List.of())).setUpdatedAt(Fixtures.T0.minusSeconds(1)).build());
        registry.apply(stale);
        assertThat(registry.get("credit-v2")).map(ModelVersion::getStage).as("a late, older state is ignored")
                .hasValue(Stage.CHAMPION);

        registry.apply(Fixtures.version("other", 9, Stage.CHAMPION, List.of()));
        assertThat(registry.highestVersionNumber()).as("other pipelines are ignored").isEqualTo(2);
    }
}
