package io.mlcycle.serving;

import io.mlcycle.mlcore.spec.FieldSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Synthetic feature maps derived from the spec, scored by a freshly loaded model before it serves: they exercise
 * every feature (numeric bounds, each category, both booleans, all missing) so the first real request neither pays
 * for class loading nor meets a model that cannot score this pipeline's features.
 */
final class WarmUp {
    private WarmUp() {
    }

    static List<Map<String, Object>> featureMaps(PipelineSpec spec) {
        List<Map<String, Object>> maps = new ArrayList<>();
        Map<String, Object> allMissing = new HashMap<>();
        spec.features().forEach(f -> allMissing.put(f.name(), null));
        maps.add(allMissing);
        for (int variant = 0; variant < 3; variant++) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (FieldSpec field : spec.features()) {
                map.put(field.name(), value(field, variant));
            }
            maps.add(map);
        }
        return maps;
    }

    private static Object value(FieldSpec field, int variant) {
        double low = field.min() != null ? field.min() : (field.max() != null ? Math.min(0, field.max()) : 0.0);
        double high = field.max() != null ? field.max() : low + 100.0;
        double number = switch (variant) {
            case 0 -> low;
            case 1 -> (low + high) / 2;
            default -> high;
        };
        return switch (field.type()) {
            case INT -> (int) Math.round(number);
            case LONG, TIMESTAMP -> Math.round(number);
            case DOUBLE -> number;
            case BOOLEAN -> variant % 2 == 0;
            case CATEGORY -> field.values().isEmpty() ? null : field.values().get(variant % field.values().size());
            case STRING -> "warm-up";
        };
    }
}
