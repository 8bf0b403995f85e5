package io.mlcycle.mlcore.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.features.FeatureEncoder;
import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.model.TreeEnsembleModel;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.mlcore.spec.TrainingSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gradient-boosted trees trained with XGBoost4J ({@code binary:logistic}, histogram splits, one thread, seeded
 * row and column sampling: deterministic), on features encoded by a {@link FeatureEncoder} fitted on the training set.
 * The trees are exported from XGBoost's JSON dump into a {@link TreeEnsembleModel} artifact that ml-core evaluates in
 * pure Java: serving needs neither XGBoost nor its native library. XGBoost is an optional dependency of ml-core; the
 * modules that train declare it.
 * <p>
 * Hyper-parameters: {@code rounds} (default 300), {@code learning_rate} (0.05), {@code max_depth} (4),
 * {@code min_child_weight} (5), {@code subsample} (0.8), {@code colsample} (0.8), {@code l2} (1),
 * {@code class_weight} ({@code none} or {@code balanced}: positives weighted by negatives/positives).
 * An example's own {@link Example#weight()} becomes its XGBoost instance weight (set only when some weight is not 1,
 * so unweighted training is bit-identical to before).
 */
public final class GradientBoostingTrainer implements Trainer {
    private static final Logger log = LoggerFactory.getLogger(GradientBoostingTrainer.class);
    private static final Map<String, String> DEFAULTS = Map.of("rounds", "300", "learning_rate", "0.05",
            "max_depth", "4", "min_child_weight", "5", "subsample", "0.8", "colsample", "0.8", "l2", "1",
            "class_weight", "none");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<FeatureDefinition> features;

    public GradientBoostingTrainer(List<FeatureDefinition> features) {
        this.features = List.copyOf(features);
        if (this.features.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one feature");
        }
    }

    @Override
    public String name() {
        return TrainingSpec.GRADIENT_BOOSTING;
    }

    public static Map<String, String> defaultHyperparameters() {
        return new TreeMap<>(DEFAULTS);
    }

    @Override
    public TrainedModel train(List<Example> trainingSet, Map<String, String> hyperparameters, long seed) {
        long started = System.nanoTime();
        Map<String, String> effective = effective(hyperparameters);
        int n = trainingSet.size();
        long positives = Trainers.requireBothClasses(trainingSet);
        List<Map<String, Object>> featureMaps = new ArrayList<>(n);
        trainingSet.forEach(e -> featureMaps.add(e.features()));
        FeatureEncoder encoder = FeatureEncoder.fit(features, featureMaps);
        int width = encoder.width();
        float[] data = new float[n * width];
        float[] labels = new float[n];
        float[] weights = new float[n];
        boolean weighted = false;
        double[] row = new double[width];
        for (int i = 0; i < n; i++) {
            Example example = trainingSet.get(i);
            encoder.encodeInto(example.features(), row);
            for (int c = 0; c < width; c++) {
                data[i * width + c] = (float) row[c];
            }
            labels[i] = example.label() ? 1f : 0f;
            weights[i] = (float) example.weight();
            weighted |= example.weight() != 1.0;
        }
        boolean balanced = effective.get("class_weight").equals("balanced");
        double positiveRate = (double) positives / n;
        // the starting margin is the training log-odds, written explicitly so that it is part of the artifact
        double baseScore = positiveRate;
        Map<String, Object> params = new HashMap<>();
        params.put("objective", "binary:logistic");
        params.put("tree_method", "hist");
        params.put("nthread", 1);
        params.put("seed", seed);
        params.put("eta", Double.parseDouble(effective.get("learning_rate")));
        params.put("max_depth", Integer.parseInt(effective.get("max_depth")));
        params.put("min_child_weight", Double.parseDouble(effective.get("min_child_weight")));
        params.put("subsample", Double.parseDouble(effective.get("subsample")));
        params.put("colsample_bytree", Double.parseDouble(effective.get("colsample")));
        params.put("lambda", Double.parseDouble(effective.get("l2")));
        params.put("base_score", baseScore);
        if (balanced) {
            params.put("scale_pos_weight", (double) (n - positives) / positives);
        }
        params.put("verbosity", 0);
        int rounds = Integer.parseInt(effective.get("rounds"));
        List<TreeEnsembleModel.Tree> trees;
        DMatrix matrix = null;
        Booster booster = null;
        try {
            matrix = new DMatrix(data, n, width, Float.NaN);
            matrix.setLabel(labels);
            if (weighted) {
                matrix.setWeight(weights);
            }
            booster = XGBoost.train(matrix, params, rounds, new HashMap<>(), null, null);
            trees = export(booster.getModelDump((String) null, false, "json"));
        } catch (XGBoostError e) {
            throw new IllegalStateException("XGBoost failed: " + e.getMessage(), e);
        } finally {
            if (booster != null) {
                booster.dispose();
            }
            if (matrix != null) {
                matrix.dispose();
            }
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("trainer", name());
        metadata.put("library", "xgboost4j 2.1.4 (binary:logistic, hist, nthread 1)");
        metadata.put("seed", Long.toString(seed));
        metadata.put("training_examples", Integer.toString(n));
        metadata.put("training_positives", Long.toString(positives));
        effective.forEach((k, v) -> metadata.put("hyperparameter." + k, v));
        double baseMargin = Math.log(baseScore / (1 - baseScore));
        TreeEnsembleModel model = new TreeEnsembleModel(encoder, baseMargin, trees, metadata);
        byte[] artifact = model.toBytes();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        log.info("Trained gradient-boosted trees on {} examples ({} positive), {} columns, {} rounds in {} ms",
                n, positives, width, rounds, took.toMillis());
        return new TrainedModel(name(), TreeEnsembleModel.FORMAT_ID, artifact, ModelArtifacts.loadTrees(artifact),
                effective, seed, n, positiveRate, took);
    }

    /** Converts XGBoost's JSON dump (one nested object per tree) into parallel arrays, parents before children. */
    static List<TreeEnsembleModel.Tree> export(String[] dump) {
        List<TreeEnsembleModel.Tree> trees = new ArrayList<>(dump.length);
        for (String text : dump) {
            JsonNode root;
            try {
                root = JSON.readTree(text);
            } catch (IOException e) {
                throw new UncheckedIOException("unreadable XGBoost tree dump", e);
            }
            Map<Integer, JsonNode> byId = new TreeMap<>();
            collect(root, byId);
            // XGBoost numbers nodes so that children follow parents (breadth first); re-index densely anyway
            Map<Integer, Integer> index = new HashMap<>();
            int next = 0;
            for (Integer id : byId.keySet()) {
                index.put(id, next++);
            }
            int size = byId.size();
            int[] feature = new int[size];
            float[] threshold = new float[size];
            int[] left = new int[size];
            int[] right = new int[size];
            int[] missing = new int[size];
            float[] value = new float[size];
            for (Map.Entry<Integer, JsonNode> e : byId.entrySet()) {
                int i = index.get(e.getKey());
                JsonNode node = e.getValue();
                if (node.has("leaf")) {
                    feature[i] = -1;
                    value[i] = (float) node.get("leaf").doubleValue();
                } else {
                    String split = node.get("split").asText();
                    feature[i] = Integer.parseInt(split.startsWith("f") ? split.substring(1) : split);
                    threshold[i] = (float) node.get("split_condition").doubleValue();
                    left[i] = index.get(node.get("yes").intValue());
                    right[i] = index.get(node.get("no").intValue());
                    missing[i] = index.get(node.get("missing").intValue());
                }
            }
            trees.add(new TreeEnsembleModel.Tree(feature, threshold, left, right, missing, value));
        }
        return trees;
    }

    private static void collect(JsonNode node, Map<Integer, JsonNode> byId) {
        byId.put(node.get("nodeid").intValue(), node);
        JsonNode children = node.get("children");
        if (children != null) {
            children.forEach(child -> collect(child, byId));
        }
    }

    private static Map<String, String> effective(Map<String, String> given) {
        Map<String, String> effective = new TreeMap<>(DEFAULTS);
        if (given != null) {
            for (Map.Entry<String, String> e : given.entrySet()) {
                String problem = PipelineSpecParser.checkHyperparameter(TrainingSpec.GRADIENT_BOOSTING, e.getKey(),
                        e.getValue());
                if (problem != null) {
                    throw new IllegalArgumentException("hyper-parameter '" + e.getKey() + "': " + problem);
                }
                effective.put(e.getKey(), e.getValue().trim().toLowerCase(Locale.ROOT));
            }
        }
        return effective;
    }
}
