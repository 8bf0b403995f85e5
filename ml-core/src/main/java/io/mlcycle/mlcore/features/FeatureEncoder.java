package io.mlcycle.mlcore.features;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns feature maps into numeric vectors with parameters fitted on training data only. Numeric features are
 * standardised with the training mean and standard deviation; a missing value is imputed with the training mean and
 * flagged in a {@code <name>__missing} column. Booleans become 0/1 (missing: the training rate, plus the indicator).
 * Categories are one-hot over the spec's values ({@code <name>=<value>}); missing or unseen values give all zeros.
 * Immutable and thread-safe.
 */
public final class FeatureEncoder {
    public static final String MISSING_SUFFIX = "__missing";

    private final List<EncodedFeature> features;
    private final List<String> columns;

    public FeatureEncoder(List<EncodedFeature> features) {
        this.features = List.copyOf(features);
        List<String> names = new ArrayList<>();
        for (EncodedFeature feature : this.features) {
            switch (feature.kind()) {
                case NUMERIC, BOOLEAN -> {
                    names.add(feature.name());
                    names.add(feature.name() + MISSING_SUFFIX);
                }
                case CATEGORY -> feature.categories().forEach(c -> names.add(feature.name() + "=" + c));
            }
        }
        this.columns = Collections.unmodifiableList(names);
    }

    /** Fits the encoding on training feature maps (never on holdout or serving data). */
    public static FeatureEncoder fit(List<FeatureDefinition> definitions, List<Map<String, Object>> training) {
        Objects.requireNonNull(definitions, "definitions");
        List<EncodedFeature> encoded = new ArrayList<>();
        for (FeatureDefinition definition : definitions) {
            String name = definition.name();
            switch (definition.kind()) {
                case NUMERIC -> {
                    double[] values = training.stream().map(row -> numeric(name, row.get(name)))
                            .filter(java.util.Objects::nonNull).mapToDouble(Double::doubleValue).sorted().toArray();
                    int count = values.length;
                    // winsorised at the 0.5% and 99.5% training quantiles: robust to heavy tails and outliers
                    double lower = count == 0 ? Double.NEGATIVE_INFINITY : values[(int) Math.floor(0.005 * (count - 1))];
                    double upper = count == 0 ? Double.POSITIVE_INFINITY : values[(int) Math.ceil(0.995 * (count - 1))];
                    double sum = 0;
                    for (double v : values) {
                        sum += Math.min(upper, Math.max(lower, v));
                    }
                    double mean = count == 0 ? 0 : sum / count;
                    double squares = 0;
                    for (double v : values) {
                        double c = Math.min(upper, Math.max(lower, v));
                        squares += (c - mean) * (c - mean);
                    }
                    double std = count == 0 ? 0 : Math.sqrt(squares / count);
                    encoded.add(new EncodedFeature(name, FeatureKind.NUMERIC, List.of(), mean,
                            std > 1e-12 && Double.isFinite(std) ? std : 1.0, lower, upper));
                }
                case BOOLEAN -> {
                    long trues = 0;
                    long count = 0;
                    for (Map<String, Object> row : training) {
                        Boolean value = bool(name, row.get(name));
                        if (value != null) {
                            count++;
                            trues += value ? 1 : 0;
                        }
                    }
                    encoded.add(new EncodedFeature(name, FeatureKind.BOOLEAN, List.of(),
                            count == 0 ? 0 : (double) trues / count, 1.0));
                }
                case CATEGORY -> encoded.add(new EncodedFeature(name, FeatureKind.CATEGORY, definition.categories(), 0, 1));
            }
        }
        return new FeatureEncoder(encoded);
    }

    public List<EncodedFeature> features() {
        return features;
    }

    /** Column names in encoding order. */
    public List<String> columns() {
        return columns;
    }

    public int width() {
        return columns.size();
    }

    public double[] encode(Map<String, Object> featureValues) {
        double[] out = new double[columns.size()];
        encodeInto(featureValues, out);
        return out;
    }

    /**
     * Encodes into {@code out} (length {@link #width()}).
     *
     * @throws IllegalArgumentException when a value has the wrong Java type for its feature
     */
    public void encodeInto(Map<String, Object> featureValues, double[] out) {
        int column = 0;
        for (EncodedFeature feature : features) {
            Object raw = featureValues.get(feature.name());
            switch (feature.kind()) {
                case NUMERIC -> {
                    Double value = numeric(feature.name(), raw);
                    out[column] = value == null ? 0.0
                            : (Math.min(feature.upper(), Math.max(feature.lower(), value)) - feature.center())
                            / feature.scale();
                    out[column + 1] = value == null ? 1.0 : 0.0;
                    column += 2;
                }
                case BOOLEAN -> {
                    Boolean value = bool(feature.name(), raw);
                    out[column] = value == null ? feature.center() : (value ? 1.0 : 0.0);
                    out[column + 1] = value == null ? 1.0 : 0.0;
                    column += 2;
                }
                case CATEGORY -> {
                    List<String> categories = feature.categories();
                    int hit = categoryIndex(feature.name(), categories, raw);
                    for (int i = 0; i < categories.size(); i++) {
                        out[column + i] = i == hit ? 1.0 : 0.0;
                    }
                    column += categories.size();
                }
            }
        }
    }

    private static Double numeric(String name, Object raw) {
        if (raw == null) {
            return null;
        }
        if (raw instanceof Number number) {
            double d = number.doubleValue();
            return Double.isFinite(d) ? d : null;
        }
        throw new IllegalArgumentException("feature '" + name + "' expects a number but got "
                + raw.getClass().getSimpleName() + " '" + raw + "'");
    }

    private static Boolean bool(String name, Object raw) {
        if (raw == null) {
            return null;
        }
        if (raw instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("feature '" + name + "' expects true/false but got "
                + raw.getClass().getSimpleName() + " '" + raw + "'");
    }

    private static int categoryIndex(String name, List<String> categories, Object raw) {
        if (raw == null) {
            return -1;
        }
        if (!(raw instanceof CharSequence)) {
            throw new IllegalArgumentException("feature '" + name + "' expects a category text but got "
                    + raw.getClass().getSimpleName() + " '" + raw + "'");
        }
        String text = raw.toString();
        int exact = categories.indexOf(text);
        if (exact >= 0) {
            return exact;
        }
        String trimmed = text.trim();
        for (int i = 0; i < categories.size(); i++) {
            if (categories.get(i).equalsIgnoreCase(trimmed)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureEncoder other && features.equals(other.features);
    }

    @Override
    public int hashCode() {
        return features.hashCode();
    }

    @Override
    public String toString() {
        return "FeatureEncoder" + features;
    }
}
