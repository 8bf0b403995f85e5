package io.mlcycle.mlcore.model;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.mlcycle.mlcore.features.EncodedFeature;
import io.mlcycle.mlcore.features.FeatureEncoder;
import io.mlcycle.mlcore.features.FeatureKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes model artifacts. Format {@value LinearModel#FORMAT_ID}: canonical JSON in UTF-8, no whitespace,
 * object keys sorted, doubles in their shortest round-trip form (Jackson's Schubfach writer, identical on every JDK).
 * The same model therefore always gives the same bytes and the same SHA-256. Stateless and thread-safe.
 */
public final class ModelArtifacts {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();
    private static final ObjectMapper READER = JsonMapper.builder()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private ModelArtifacts() {
    }

    /** Lower-case hex SHA-256 of the artifact bytes, as recorded in lineage and checked before loading. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /**
     * Loads an artifact into a scorer.
     *
     * @throws ModelArtifactException when the bytes are corrupt or of an unknown format
     */
    public static Scorer load(byte[] bytes) {
        String format = formatId(bytes);
        if (TreeEnsembleModel.FORMAT_ID.equals(format)) {
            return loadTrees(bytes);
        }
        return loadLinear(bytes);
    }

    /** Loads an artifact of format {@value TreeEnsembleModel#FORMAT_ID}. */
    public static TreeEnsembleModel loadTrees(byte[] bytes) {
        JsonNode root = parse(bytes);
        if (!TreeEnsembleModel.FORMAT_ID.equals(formatId(bytes))) {
            throw new ModelArtifactException("not a " + TreeEnsembleModel.FORMAT_ID + " artifact");
        }
        try {
            FeatureEncoder encoder = readEncoder(root);
            List<TreeEnsembleModel.Tree> trees = new ArrayList<>();
            for (JsonNode t : array(root, "trees")) {
                JsonNode f = array(t, "feature");
                int n = f.size();
                int[] feature = new int[n];
                float[] threshold = new float[n];
                int[] left = new int[n];
                int[] right = new int[n];
                int[] missing = new int[n];
                float[] value = new float[n];
                for (int i = 0; i < n; i++) {
                    feature[i] = array(t, "feature").get(i).intValue();
                    threshold[i] = (float) array(t, "threshold").get(i).doubleValue();
                    left[i] = array(t, "left").get(i).intValue();
                    right[i] = array(t, "right").get(i).intValue();
                    missing[i] = array(t, "missing").get(i).intValue();
                    value[i] = (float) array(t, "value").get(i).doubleValue();
                }
                trees.add(new TreeEnsembleModel.Tree(feature, threshold, left, right, missing, value));
            }
            return new TreeEnsembleModel(encoder, number(root, "base_margin"), trees, readMetadata(root));
        } catch (ModelArtifactException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelArtifactException("corrupt model artifact: " + e.getMessage(), e);
        }
    }

    private static FeatureEncoder readEncoder(JsonNode root) {
        List<EncodedFeature> features = new ArrayList<>();
        for (JsonNode f : array(root, "features")) {
            List<String> categories = new ArrayList<>();
            for (JsonNode c : array(f, "categories")) {
                categories.add(c.textValue());
            }
            FeatureKind kind = FeatureKind.valueOf(text(f, "kind").toUpperCase(Locale.ROOT));
            features.add(new EncodedFeature(text(f, "name"), kind, categories, number(f, "center"), number(f, "scale"),
                    f.has("lower") ? number(f, "lower") : Double.NEGATIVE_INFINITY,
                    f.has("upper") ? number(f, "upper") : Double.POSITIVE_INFINITY));
        }
        FeatureEncoder encoder = new FeatureEncoder(features);
        List<String> columns = new ArrayList<>();
        array(root, "columns").forEach(c -> columns.add(c.textValue()));
        if (!columns.equals(encoder.columns())) {
            throw new ModelArtifactException("corrupt model artifact: columns " + columns
                    + " do not match the features' encoding " + encoder.columns());
        }
        return encoder;
    }

    private static Map<String, String> readMetadata(JsonNode root) {
        Map<String, String> metadata = new TreeMap<>();
        JsonNode meta = root.get("metadata");
        if (meta != null && meta.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = meta.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                metadata.put(e.getKey(), e.getValue().asText());
            }
        }
        return metadata;
    }

    static byte[] write(TreeEnsembleModel model) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            // keys in alphabetical order at every level
            g.writeStartObject();
            g.writeNumberField("base_margin", model.baseMargin());
            writeEncoder(g, model.encoder());
            g.writeStringField("format", TreeEnsembleModel.FORMAT_ID);
            g.writeObjectFieldStart("metadata");
            for (Map.Entry<String, String> e : model.metadata().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeArrayFieldStart("trees");
            for (TreeEnsembleModel.Tree t : model.trees()) {
                g.writeStartObject();
                g.writeArrayFieldStart("feature");
                for (int v : t.feature()) {
                    g.writeNumber(v);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("left");
                for (int v : t.left()) {
                    g.writeNumber(v);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("missing");
                for (int v : t.missing()) {
                    g.writeNumber(v);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("right");
                for (int v : t.right()) {
                    g.writeNumber(v);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("threshold");
                for (float v : t.threshold()) {
                    g.writeNumber(v);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("value");
                for (float v : t.value()) {
                    g.writeNumber(v);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /** Writes "columns" and "features" (in this order). */
    private static void writeEncoder(JsonGenerator g, FeatureEncoder encoder) throws IOException {
        g.writeArrayFieldStart("columns");
        for (String column : encoder.columns()) {
            g.writeString(column);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("features");
        for (EncodedFeature f : encoder.features()) {
            g.writeStartObject();
            g.writeArrayFieldStart("categories");
            for (String c : f.categories()) {
                g.writeString(c);
            }
            g.writeEndArray();
            g.writeNumberField("center", f.center());
            g.writeStringField("kind", f.kind().name().toLowerCase(Locale.ROOT));
            if (Double.isFinite(f.lower())) {
                g.writeNumberField("lower", f.lower());
            }
            g.writeStringField("name", f.name());
            g.writeNumberField("scale", f.scale());
            if (Double.isFinite(f.upper())) {
                g.writeNumberField("upper", f.upper());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** Reads the format id without loading; throws {@link ModelArtifactException} when unreadable. */
    public static String formatId(byte[] bytes) {
        JsonNode root = parse(bytes);
        JsonNode format = root.get("format");
        if (format == null || !format.isTextual()) {
            throw new ModelArtifactException("corrupt model artifact: no 'format' id");
        }
        return format.textValue();
    }

    /** Loads an artifact of format {@value LinearModel#FORMAT_ID}. */
    public static LinearModel loadLinear(byte[] bytes) {
        JsonNode root = parse(bytes);
        String format = formatId(bytes);
        if (!LinearModel.FORMAT_ID.equals(format)) {
            throw new ModelArtifactException("unknown model artifact format '" + format + "'; this build reads "
                    + LinearModel.FORMAT_ID + " and " + TreeEnsembleModel.FORMAT_ID);
        }
        try {
            List<EncodedFeature> features = new ArrayList<>();
            for (JsonNode f : array(root, "features")) {
                List<String> categories = new ArrayList<>();
                for (JsonNode c : array(f, "categories")) {
                    categories.add(c.textValue());
                }
                FeatureKind kind = FeatureKind.valueOf(text(f, "kind").toUpperCase(Locale.ROOT));
                features.add(new EncodedFeature(text(f, "name"), kind, categories, number(f, "center"),
                        number(f, "scale"), f.has("lower") ? number(f, "lower") : Double.NEGATIVE_INFINITY,
                        f.has("upper") ? number(f, "upper") : Double.POSITIVE_INFINITY));
            }
            FeatureEncoder encoder = new FeatureEncoder(features);
            List<String> columns = new ArrayList<>();
            array(root, "columns").forEach(c -> columns.add(c.textValue()));
            if (!columns.equals(encoder.columns())) {
                throw new ModelArtifactException("corrupt model artifact: columns " + columns
                        + " do not match the features' encoding " + encoder.columns());
            }
            JsonNode weightsNode = array(root, "weights");
            double[] weights = new double[weightsNode.size()];
            for (int i = 0; i < weights.length; i++) {
                JsonNode w = weightsNode.get(i);
                if (!w.isNumber()) {
                    throw new ModelArtifactException("corrupt model artifact: weight " + i + " is not a number");
                }
                weights[i] = w.doubleValue();
            }
            Map<String, String> metadata = new TreeMap<>();
            JsonNode meta = root.get("metadata");
            if (meta != null && meta.isObject()) {
                Iterator<Map.Entry<String, JsonNode>> it = meta.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    metadata.put(e.getKey(), e.getValue().asText());
                }
            }
            return new LinearModel(encoder, weights, number(root, "intercept"), metadata);
        } catch (ModelArtifactException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelArtifactException("corrupt model artifact: " + e.getMessage(), e);
        }
    }

    static byte[] write(LinearModel model) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            // keys in alphabetical order at every level: columns, features, format, intercept, metadata, weights
            g.writeStartObject();
            writeEncoder(g, model.encoder());
            g.writeStringField("format", LinearModel.FORMAT_ID);
            g.writeNumberField("intercept", model.intercept());
            g.writeObjectFieldStart("metadata");
            for (Map.Entry<String, String> e : model.metadata().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeArrayFieldStart("weights");
            for (double w : model.weights()) {
                g.writeNumber(w);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    private static JsonNode parse(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new ModelArtifactException("corrupt model artifact: it is empty");
        }
        try {
            JsonNode root = READER.readTree(bytes);
            if (root == null || !root.isObject()) {
                throw new ModelArtifactException("corrupt model artifact: not a JSON object");
            }
            return root;
        } catch (IOException e) {
            throw new ModelArtifactException("corrupt model artifact: not readable as JSON (" + firstLine(e.getMessage())
                    + ")", e);
        }
    }

    private static JsonNode array(JsonNode node, String key) {
        JsonNode value = node.get(key);
        if (value == null || !value.isArray()) {
            throw new ModelArtifactException("corrupt model artifact: '" + key + "' is missing or not a list");
        }
        return value;
    }

    private static String text(JsonNode node, String key) {
        JsonNode value = node.get(key);
        if (value == null || !value.isTextual()) {
            throw new ModelArtifactException("corrupt model artifact: '" + key + "' is missing or not text");
        }
        return value.textValue();
    }

    private static double number(JsonNode node, String key) {
        JsonNode value = node.get(key);
        if (value == null || !value.isNumber()) {
            throw new ModelArtifactException("corrupt model artifact: '" + key + "' is missing or not a number");
        }
        return value.doubleValue();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
