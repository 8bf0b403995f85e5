package io.mlcycle.mlcore.spec;

import io.mlcycle.mlcore.spec.YamlTree.Entry;
import io.mlcycle.mlcore.spec.YamlTree.MapNode;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the online part of the {@code promotion} section into a {@link CanarySpec}: {@code policy} (direct |
 * staged), {@code stages} ({@code shadow}: {@code min_predictions}, {@code duration}; {@code canary}:
 * {@code fraction}, {@code min_labeled}, {@code alpha}, {@code margin}) and the older flat keys
 * {@code canary_fraction}, {@code min_labeled}, {@code canary_alpha}, {@code canary_margin}, which still work but
 * may not be given together with their {@code stages.canary} twin. Kept apart from the main parser so the promotion
 * policy can grow without touching the field parsing.
 */
final class PromotionStagesReader {

    /** Keys of the promotion section this reader owns. */
    static final Set<String> KEYS = Set.of("policy", "stages", "canary_fraction", "min_labeled", "canary_alpha",
            "canary_margin", "max_test_duration");
    private static final Set<String> STAGE_KEYS = Set.of("shadow", "canary");
    private static final Set<String> SHADOW_KEYS = Set.of("min_predictions", "duration");
    private static final Set<String> CANARY_KEYS = Set.of("fraction", "min_labeled", "alpha", "margin");
    private static final String SECTION = "promotion";

    private final PipelineSpecParser.Context ctx;

    PromotionStagesReader(PipelineSpecParser.Context ctx) {
        this.ctx = ctx;
    }

    /** @param promotion the promotion section, or null when the spec has none */
    CanarySpec read(MapNode promotion) {
        CanarySpec.Policy read = readPolicy(promotion);
        // an unreadable policy is reported once, not again as "stages need the staged policy"
        boolean invalidPolicy = read == null;
        CanarySpec.Policy policy = invalidPolicy ? CanarySpec.Policy.DIRECT : read;
        MapNode stages = subMap(promotion, SECTION, "stages", STAGE_KEYS);
        Entry shadowEntry = ctx.entry(stages, "shadow");
        Entry canaryEntry = ctx.entry(stages, "canary");
        MapNode canary = subMap(stages, SECTION + ".stages", "canary", CANARY_KEYS);
        String canaryPath = SECTION + ".stages.canary";
        double fraction = pick(promotion, "canary_fraction", canary, "fraction", canaryPath,
                CanarySpec.DEFAULT_FRACTION, 0, 1, "between 0 and 1 (exclusive)");
        long minLabeled = pickInteger(promotion, canary, canaryPath);
        double alpha = pick(promotion, "canary_alpha", canary, "alpha", canaryPath, CanarySpec.DEFAULT_ALPHA, 0, 0.5,
                "between 0 and 0.5 (exclusive)");
        double margin = pick(promotion, "canary_margin", canary, "margin", canaryPath, CanarySpec.DEFAULT_MARGIN,
                -Double.MIN_VALUE, 1, "at least 0 and below 1");

        CanarySpec.ShadowStage shadow = null;
        if (shadowEntry != null) {
            MapNode map = subMap(stages, SECTION + ".stages", "shadow", SHADOW_KEYS);
            String path = SECTION + ".stages.shadow";
            long minPredictions = ctx.integer(map, path, "min_predictions", CanarySpec.DEFAULT_SHADOW_MIN_PREDICTIONS,
                    0);
            Duration duration = ctx.duration(map, path, "duration", Duration.ZERO);
            shadow = new CanarySpec.ShadowStage(minPredictions, duration);
        }
        boolean canaryStage = canaryEntry != null || shadowEntry == null;
        if (policy == CanarySpec.Policy.DIRECT && stages != null && !invalidPolicy) {
            ctx.error(ctx.line(promotion, "stages"), SECTION + ".stages",
                    "stages apply only to 'policy: staged' (the policy is direct: a version passing the offline "
                            + "gates becomes champion at once); add 'policy: staged' or remove the stages");
        }
        Duration maxTestDuration = ctx.duration(promotion, SECTION, "max_test_duration",
                CanarySpec.DEFAULT_MAX_TEST_DURATION);
        return new CanarySpec(fraction, minLabeled, alpha, margin, policy,
                policy == CanarySpec.Policy.STAGED ? shadow : null, policy == CanarySpec.Policy.STAGED && canaryStage,
                maxTestDuration);
    }

    private CanarySpec.Policy readPolicy(MapNode promotion) {
        String text = ctx.string(promotion, SECTION, "policy", false);
        if (text == null) {
            return CanarySpec.Policy.DIRECT;
        }
        try {
            return CanarySpec.Policy.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            ctx.error(ctx.line(promotion, "policy"), SECTION + ".policy",
                    "must be direct or staged, but is '" + text + "'");
            return null;
        }
    }

    private MapNode subMap(MapNode parent, String parentPath, String key, Set<String> allowed) {
        Entry entry = ctx.entry(parent, key);
        if (entry == null) {
            return null;
        }
        String path = parentPath + "." + key;
        MapNode map = ctx.asMap(entry.value(), path);
        if (map != null) {
            ctx.checkKeys(map, path, allowed);
        }
        return map;
    }

    /** A canary setting from {@code stages.canary} or its older flat twin, never both. */
    private double pick(MapNode promotion, String flatKey, MapNode canary, String key, String canaryPath,
                        double defaultValue, double low, double high, String words) {
        boolean flat = ctx.entry(promotion, flatKey) != null;
        boolean staged = ctx.entry(canary, key) != null;
        if (flat && staged) {
            twice(canary, key, canaryPath, flatKey);
        }
        return staged ? ctx.decimal(canary, canaryPath, key, defaultValue, low, high, words)
                : ctx.decimal(promotion, SECTION, flatKey, defaultValue, low, high, words);
    }

    private long pickInteger(MapNode promotion, MapNode canary, String canaryPath) {
        boolean flat = ctx.entry(promotion, "min_labeled") != null;
        boolean staged = ctx.entry(canary, "min_labeled") != null;
        if (flat && staged) {
            twice(canary, "min_labeled", canaryPath, "min_labeled");
        }
        return staged ? ctx.integer(canary, canaryPath, "min_labeled", CanarySpec.DEFAULT_MIN_LABELED, 1)
                : ctx.integer(promotion, SECTION, "min_labeled", CanarySpec.DEFAULT_MIN_LABELED, 1);
    }

    private void twice(MapNode canary, String key, String canaryPath, String flatKey) {
        ctx.error(ctx.line(canary, key), canaryPath + "." + key, "is also given as " + SECTION + "." + flatKey
                + "; keep one (" + canaryPath + "." + key + ")");
    }
}
