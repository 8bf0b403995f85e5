package io.mlcycle.mlcore.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import io.mlcycle.mlcore.model.ModelArtifacts;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelSigningTest {

    private final ModelSigning signing = ModelSigning.withKey("a-production-secret-of-some-length");

    @Test
    void aSignedVersionVerifies() {
        ModelVersion signed = signing.sign(RegistryFixtures.unsigned("credit", 1, Stage.CHAMPION, new byte[] {1, 2}));
        assertThat(signed.getSignature()).startsWith("hmac-sha256:");
        assertThat(signing.verify(signed).valid()).isTrue();
    }

    @Test
    void unsignedVersionsAreRefused() {
        var result = signing.verify(RegistryFixtures.unsigned("credit", 1, Stage.CHAMPION, new byte[] {1}));
        assertThat(result.valid()).isFalse();
        assertThat(result.reason()).contains("unsigned");
    }

    @Test
    void aDoctoredArtifactWithARecomputedDigestIsRefused() {
        ModelVersion signed = signing.sign(RegistryFixtures.unsigned("credit", 3, Stage.CHAMPION, new byte[] {1, 2}));
        byte[] evil = {9, 9, 9};
        ModelVersion forged = ModelVersion.newBuilder(signed).setArtifact(ByteBuffer.wrap(evil))
                .setArtifactSha256(ModelArtifacts.sha256(evil)).setArtifactSizeBytes(3L)
                .setVersion("credit-v999").setVersionNumber(999).build();
        var result = signing.verify(forged);
        assertThat(result.valid()).isFalse();
        assertThat(result.reason()).contains("does not match");
    }

    @Test
    void anOldVersionRepublishedInAnotherStageIsRefused() {
        ModelVersion retired = signing.sign(RegistryFixtures.unsigned("credit", 2, Stage.RETIRED, new byte[] {1}));
        ModelVersion promotedByHand = ModelVersion.newBuilder(retired).setStage(Stage.CHAMPION).build();
        assertThat(signing.verify(promotedByHand).valid()).isFalse();
    }

    @Test
    void aTamperedArtifactIsRefusedByItsDigest() {
        ModelVersion signed = signing.sign(RegistryFixtures.unsigned("credit", 1, Stage.CHAMPION, new byte[] {1, 2}));
        ModelVersion tampered = ModelVersion.newBuilder(signed).setArtifact(ByteBuffer.wrap(new byte[] {1, 3})).build();
        assertThat(signing.verify(tampered).reason()).contains("SHA-256 mismatch");
    }

    @Test
    void anotherKeysSignatureIsRefused() {
        ModelVersion signedElsewhere = ModelSigning.development()
                .sign(RegistryFixtures.unsigned("credit", 1, Stage.CHAMPION, new byte[] {1}));
        assertThat(signing.verify(signedElsewhere).valid()).isFalse();
    }

    @Test
    void theDevelopmentKeyIsUsedOnlyWhenNoneIsConfiguredAndShortKeysAreRejected() {
        assertThat(ModelSigning.fromConfig(Optional.empty()).usesDevelopmentKey()).isTrue();
        assertThat(ModelSigning.fromConfig(Optional.of("  ")).usesDevelopmentKey()).isTrue();
        assertThat(ModelSigning.fromConfig(Optional.of("a-production-secret-of-some-length")).usesDevelopmentKey())
                .isFalse();
        assertThatThrownBy(() -> ModelSigning.fromConfig(Optional.of("short")))
                .hasMessageContaining(ModelSigning.CONFIG_KEY);
    }
}
