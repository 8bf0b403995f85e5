package io.mlcycle.mlcore.registry;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.StageTransition;
import io.mlcycle.mlcore.model.ModelArtifacts;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs and verifies model versions: HMAC-SHA256 over a version's canonical content, with the key from the
 * configuration key {@value #CONFIG_KEY} (the same key for every service of a deployment).
 *
 * <p>A SHA-256 digest proves that an artifact is intact, not who published it: anyone able to write to
 * {@code <p>.models} can recompute a digest. The signature proves the orchestrator (a holder of the key) wrote this
 * exact state — artifact digest, stage, version number, threshold, lineage essentials and the last stage transition —
 * so a copied version with a doctored artifact, or an old version republished as CHAMPION, is refused everywhere.
 *
 * <p>When the key is not configured the documented development key {@value #DEV_KEY} is used and a loud warning is
 * logged: fine for the local stack, worthless in production (the key is public).
 */
public final class ModelSigning {

    /** The configuration key every service reads (environment {@code MLCYCLE_MODEL_SIGNING_KEY}). */
    public static final String CONFIG_KEY = "model.signing.key";
    /** The development key used when {@value #CONFIG_KEY} is not set. Public, hence only for local stacks. */
    public static final String DEV_KEY = "mlcycle-local-dev-model-signing-key-NOT-FOR-PRODUCTION";
    /** Shortest accepted key, in characters. */
    public static final int MIN_KEY_LENGTH = 16;

    static final String SCHEME = "hmac-sha256:";
    private static final String ALGORITHM = "HmacSHA256";
    private static final String CONTENT_VERSION = "mlcycle.model-version.v1";
    private static final Logger LOG = LoggerFactory.getLogger(ModelSigning.class);

    private final SecretKeySpec key;
    private final boolean developmentKey;

    private ModelSigning(String key, boolean developmentKey) {
        this.key = new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), ALGORITHM);
        this.developmentKey = developmentKey;
    }

    /**
     * The signing of a deployment, from the value of {@value #CONFIG_KEY} (empty = not configured: the development
     * key, with a warning).
     *
     * @throws IllegalArgumentException naming {@value #CONFIG_KEY} when the key is shorter than {@value #MIN_KEY_LENGTH}
     */
    public static ModelSigning fromConfig(Optional<String> configured) {
        Optional<String> key = configured.map(String::trim).filter(s -> !s.isEmpty());
        if (key.isEmpty()) {
            LOG.warn("!!! '{}' is not configured: model versions are signed and verified with the PUBLIC development "
                    + "key. Anyone can forge model versions. Set '{}' (the same secret for every service) outside a "
                    + "local stack. !!!", CONFIG_KEY, CONFIG_KEY);
            return new ModelSigning(DEV_KEY, true);
        }
        return withKey(key.get());
    }

    /** A signing with an explicit key. */
    public static ModelSigning withKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.length() < MIN_KEY_LENGTH) {
            throw new IllegalArgumentException("Invalid value for configuration '" + CONFIG_KEY + "': the key has "
                    + key.length() + " characters, expected at least " + MIN_KEY_LENGTH);
        }
        return new ModelSigning(key, DEV_KEY.equals(key));
    }

    /** The development signing (local stack, tests), without the warning. */
    public static ModelSigning development() {
        return new ModelSigning(DEV_KEY, true);
    }

    /** True when the public development key is in use. */
    public boolean usesDevelopmentKey() {
        return developmentKey;
    }

    /** A copy of the version carrying this key's signature of its content. */
    public ModelVersion sign(ModelVersion version) {
        ModelVersion copy = ModelVersion.newBuilder(version).setSignature(null).build();
        copy.setSignature(signature(copy));
        return copy;
    }

    /** The signature text, {@code hmac-sha256:<hex>}, of a version's canonical content. */
    public String signature(ModelVersion version) {
        return signatureOf(canonicalContent(version));
    }

    private String signatureOf(byte[] content) {
        return SCHEME + HexFormat.of().formatHex(mac(content));
    }

    /** Whether a version is intact and signed with this key; the reason says what is wrong in words. */
    public Verification verify(ModelVersion version) {
        if (version == null) {
            return Verification.invalid("a tombstone (null value) carries no signature");
        }
        Declared declared = declared(version.getSignature(), "version");
        if (declared.problem() != null) {
            return declared.problem();
        }
        byte[] artifact = bytes(version.getArtifact());
        String actualSha = ModelArtifacts.sha256(artifact);
        if (!actualSha.equalsIgnoreCase(String.valueOf(version.getArtifactSha256()).trim())) {
            return Verification.invalid("artifact SHA-256 mismatch: declared " + version.getArtifactSha256()
                    + ", the bytes hash to " + actualSha);
        }
        return matches(declared.mac(), canonicalContent(version), "version");
    }

    /** A signature's MAC, or what is wrong with its text. */
    private record Declared(byte[] mac, Verification problem) {
    }

    private static Declared declared(String signature, String what) {
        if (signature == null || signature.isBlank()) {
            return new Declared(null, Verification.invalid("the " + what + " is unsigned"));
        }
        if (!signature.startsWith(SCHEME)) {
            return new Declared(null, Verification.invalid("unknown signature scheme '"
                    + signature.substring(0, Math.min(signature.length(), 20)) + "', expected " + SCHEME));
        }
        try {
            return new Declared(HexFormat.of().parseHex(signature.substring(SCHEME.length())), null);
        } catch (IllegalArgumentException e) {
            return new Declared(null, Verification.invalid("the signature is not hexadecimal"));
        }
    }

    private Verification matches(byte[] declared, byte[] content, String what) {
        if (!MessageDigest.isEqual(declared, mac(content))) {
            return Verification.invalid("the signature does not match: the " + what + " was not signed with this "
                    + "deployment's key (" + CONFIG_KEY + ") or was altered after signing");
        }
        return Verification.VALID;
    }

    /**
     * A copy of a stage decision carrying this key's signature of its content: serving's decisions on online evidence
     * and the requests a standby orchestrator forwards ({@code forwarded_by} set) are signed, and the orchestrator
     * applies only decisions whose signature holds.
     */
    public io.mlcycle.avro.StageDecision sign(io.mlcycle.avro.StageDecision decision) {
        io.mlcycle.avro.StageDecision copy = io.mlcycle.avro.StageDecision.newBuilder(decision).setSignature(null)
                .build();
        copy.setSignature(signatureOf(canonicalContent(copy)));
        return copy;
    }

    /** Whether a stage decision is signed with this key and unaltered; the reason says what is wrong in words. */
    public Verification verify(io.mlcycle.avro.StageDecision decision) {
        Declared declared = declared(decision.getSignature(), "decision");
        return declared.problem() != null ? declared.problem()
                : matches(declared.mac(), canonicalContent(decision), "decision");
    }

    /**
     * The bytes a stage decision's signature covers: every field but the signature (the answer status only when set),
     * field by field, strings as their UTF-8 length and bytes (any length: a decision is not refused, nor a consumer
     * stopped, by a long text).
     */
    static byte[] canonicalContent(io.mlcycle.avro.StageDecision d) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            text(out, "mlcycle-stage-decision-v1");
            text(out, d.getDecisionId());
            text(out, d.getPipeline());
            text(out, d.getModelVersion());
            text(out, d.getFromStage().name());
            text(out, d.getToStage().name());
            text(out, d.getDecision().name());
            text(out, d.getComparedWith());
            text(out, d.getEvidence());
            Map<String, Double> statistics = new TreeMap<>();
            d.getStatistics().forEach((k, val) -> statistics.put(k.toString(), val));
            out.writeInt(statistics.size());
            for (Map.Entry<String, Double> e : statistics.entrySet()) {
                text(out, e.getKey());
                out.writeLong(Double.doubleToLongBits(e.getValue()));
            }
            text(out, d.getDecidedBy());
            out.writeLong(d.getDecidedAt().toEpochMilli());
            text(out, d.getForwardedBy());
            if (d.getAnswer() != null) {
                // only when set: the content of every decision without an answer, and its signature, are unchanged
                text(out, d.getAnswer().name());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A string as its UTF-8 length and bytes; null as -1 (distinct from ""). */
    private static void text(DataOutputStream out, CharSequence value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = value.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    /**
     * The bytes a signature covers: a fixed, field-by-field encoding (not the Avro encoding, whose map order and
     * schema may change). Anything that decides what is served, and how it is traced, is included.
     */
    static byte[] canonicalContent(ModelVersion v) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(CONTENT_VERSION);
            out.writeUTF(v.getPipeline());
            out.writeUTF(v.getVersion());
            out.writeInt(v.getVersionNumber());
            out.writeUTF(v.getStage().name());
            out.writeUTF(v.getArtifactFormat());
            out.writeUTF(v.getArtifactSha256().trim().toLowerCase(java.util.Locale.ROOT));
            out.writeLong(v.getArtifactSizeBytes());
            out.writeLong(Double.doubleToLongBits(v.getDecisionThreshold()));
            out.writeBoolean(v.getGatesPassed());
            out.writeLong(v.getCreatedAt().toEpochMilli());
            out.writeLong(v.getUpdatedAt().toEpochMilli());
            var lineage = v.getLineage();
            out.writeUTF(lineage.getRunId());
            out.writeUTF(lineage.getSpecSha256());
            out.writeUTF(lineage.getTrainer());
            out.writeLong(lineage.getSeed());
            out.writeUTF(lineage.getParentVersion() == null ? "" : lineage.getParentVersion());
            writeSorted(out, lineage.getHyperparameters());
            Map<String, Double> metrics = new TreeMap<>();
            v.getOfflineMetrics().forEach((k, val) -> metrics.put(k.toString(), val));
            out.writeInt(metrics.size());
            for (Map.Entry<String, Double> e : metrics.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(Double.doubleToLongBits(e.getValue()));
            }
            List<StageTransition> history = v.getHistory();
            out.writeInt(history.size());
            if (!history.isEmpty()) {
                StageTransition last = history.get(history.size() - 1);
                out.writeUTF(last.getToStage().name());
                out.writeUTF(last.getBy());
                out.writeUTF(last.getReason());
                out.writeLong(last.getAt().toEpochMilli());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void writeSorted(DataOutputStream out, Map<String, String> map) throws IOException {
        Map<String, String> sorted = new TreeMap<>();
        map.forEach((k, val) -> sorted.put(k.toString(), String.valueOf(val)));
        out.writeInt(sorted.size());
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
    }

    private byte[] mac(byte[] content) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(content);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return new byte[0];
        }
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    /** The outcome of a verification. */
    public record Verification(boolean valid, String reason) {
        static final Verification VALID = new Verification(true, "signed with this deployment's key");

        static Verification invalid(String reason) {
            return new Verification(false, reason);
        }
    }
}
