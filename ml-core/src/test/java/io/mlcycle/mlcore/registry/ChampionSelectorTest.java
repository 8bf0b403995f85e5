package io.mlcycle.mlcore.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import io.mlcycle.mlcore.model.ModelArtifacts;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChampionSelectorTest {

    private final ModelSigning signing = ModelSigning.development();
    private final ChampionSelector selector = new ChampionSelector("credit", signing);

    private ModelVersion signed(int number, Stage stage) {
        return signing.sign(RegistryFixtures.unsigned("credit", number, stage, new byte[] {(byte) number}));
    }

    @Test
    void theHighestNumberedChampionWinsAndNewerShadowsAndCanariesAreChallengers() {
        var selection = selector.select(List.of(signed(1, Stage.RETIRED), signed(2, Stage.CHAMPION),
                signed(3, Stage.CHAMPION), signed(4, Stage.SHADOW), signed(5, Stage.CANARY), signed(6, Stage.CANDIDATE)),
                Set.of());
        assertThat(selection.champion().orElseThrow().getVersionNumber()).isEqualTo(3);
        assertThat(selection.challengers()).extracting(ModelVersion::getVersionNumber).containsExactly(5, 4);
        assertThat(selection.shadow().orElseThrow().getVersionNumber()).isEqualTo(4);
        assertThat(selection.canary().orElseThrow().getVersionNumber()).isEqualTo(5);
    }

    @Test
    void anEarlierVersionStagedAfterTheChampionTookOfficeIsAChallengerAndOneStagedBeforeIsStale() {
        java.time.Instant crowned = RegistryFixtures.T0.plusSeconds(100);
        ModelVersion champion = staged(3, Stage.CHAMPION, crowned);
        ModelVersion restaged = staged(1, Stage.CANARY, crowned.plusSeconds(1));
        ModelVersion stale = staged(2, Stage.SHADOW, crowned.minusSeconds(1));

        var selection = selector.select(List.of(champion, restaged, stale), Set.of());

        assertThat(selection.champion().orElseThrow().getVersionNumber()).isEqualTo(3);
        assertThat(selection.challengers()).extracting(ModelVersion::getVersionNumber).containsExactly(1);
    }

    private ModelVersion staged(int number, Stage stage, java.time.Instant at) {
        ModelVersion version = RegistryFixtures.unsigned("credit", number, stage, new byte[] {(byte) number});
        List<io.mlcycle.avro.StageTransition> history = new java.util.ArrayList<>(version.getHistory());
        history.add(new io.mlcycle.avro.StageTransition(Stage.RETIRED, stage, at, "alice", "staged by hand"));
        return signing.sign(ModelVersion.newBuilder(version).setHistory(history).setUpdatedAt(at).build());
    }

    @Test
    void aForgedChampionNeverCounts() {
        ModelVersion real = signed(3, Stage.CHAMPION);
        byte[] evil = {50};
        ModelVersion forged = ModelVersion.newBuilder(real).setVersion("credit-v999").setVersionNumber(999)
                .setArtifact(ByteBuffer.wrap(evil)).setArtifactSha256(ModelArtifacts.sha256(evil)).build();
        var selection = selector.select(List.of(real, forged), Set.of());
        assertThat(selection.champion().orElseThrow().getVersion()).isEqualTo("credit-v3");
        assertThat(selection.refused()).extracting(ChampionSelector.Refused::version).containsExactly("credit-v999");
    }

    @Test
    void versionsRefusedByServingOrRejectedNeverCount() {
        ModelVersion v2 = signed(2, Stage.CHAMPION);
        ModelVersion v3 = signed(3, Stage.CHAMPION);
        var selection = selector.select(List.of(v2, v3, signed(4, Stage.REJECTED)),
                Set.of(ChampionSelector.rejectionKey(v3)));
        assertThat(selection.champion().orElseThrow().getVersion()).isEqualTo("credit-v2");
        assertThat(selection.refused()).extracting(ChampionSelector.Refused::reason)
                .containsExactly("refused by serving (MODEL_LOAD_FAILURE)");
    }

    @Test
    void otherPipelinesDoNotCount() {
        ModelVersion other = signing.sign(RegistryFixtures.unsigned("fraud", 9, Stage.CHAMPION, new byte[] {1}));
        assertThat(selector.select(List.of(other), Set.of()).champion()).isEmpty();
    }

    @Test
    void theViewKeepsTheLastVerifiedStateAgainstForgeriesStaleStatesAndTombstones() {
        RegistryView view = new RegistryView(selector);
        ModelVersion v3 = signed(3, Stage.CHAMPION);
        assertThat(view.apply("credit-v3", v3).outcome()).isEqualTo(RegistryView.Outcome.APPLIED);

        ModelVersion unsignedOverwrite = ModelVersion.newBuilder(v3).setSignature(null).setStage(Stage.RETIRED).build();
        assertThat(view.apply("credit-v3", unsignedOverwrite).outcome()).isEqualTo(RegistryView.Outcome.REFUSED);

        RegistryView.Applied tombstone = view.apply("credit-v3", null);
        assertThat(tombstone.outcome()).isEqualTo(RegistryView.Outcome.TOMBSTONE_IGNORED);
        assertThat(tombstone.held()).contains(v3);

        ModelVersion older = signing.sign(ModelVersion.newBuilder(v3).setSignature(null)
                .setUpdatedAt(v3.getUpdatedAt().minusSeconds(60)).setStage(Stage.RETIRED).build());
        assertThat(view.apply("credit-v3", older).outcome()).isEqualTo(RegistryView.Outcome.STALE);

        assertThat(view.apply("credit-v7", v3).outcome()).isEqualTo(RegistryView.Outcome.REFUSED);
        assertThat(view.champion()).contains(v3);
        assertThat(view.highestVersionNumber()).isEqualTo(3);

        view.markRejectedByServing("credit-v3", v3.getArtifactSha256());
        assertThat(view.champion()).isEmpty();
    }
}
