package io.mlcycle.mlcore.train;

import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.features.FeatureEncoder;
import io.mlcycle.mlcore.model.LinearModel;
import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.mlcore.spec.TrainingSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.MutableDataset;
import org.tribuo.VariableInfo;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.math.optimisers.AdaGradRDA;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * Logistic regression trained with Tribuo's {@link LinearSGDTrainer} (log loss, AdaGrad, seeded shuffling), on
 * features encoded by a {@link FeatureEncoder} fitted on the training set. Tribuo's two-class softmax weights are
 * exported as one logistic weight vector (positive row minus negative row, which gives exactly the same
 * probabilities) into a {@link LinearModel} artifact, so serving needs no Tribuo classes.
 * <p>
 * Hyper-parameters: {@code epochs} (default 10), {@code learning_rate} (AdaGrad initial rate, default 0.1),
 * {@code l2} (default 0; when positive, Tribuo's AdaGradRDA with this L2 penalty), {@code minibatch_size}
 * (default 1), {@code class_weight} ({@code none} or {@code balanced}: examples weighted n / (2 n_class)).
 * An example's own {@link Example#weight()} multiplies its class weight (Tribuo example weights scale the loss).
 * Thread-safe: every call builds its own Tribuo trainer.
 */
public final class LogisticRegressionTrainer implements Trainer {
    private static final Logger log = LoggerFactory.getLogger(LogisticRegressionTrainer.class);
    private static final Map<String, String> DEFAULTS = Map.of(
            "epochs", "10", "learning_rate", "0.1", "l2", "0", "minibatch_size", "1", "class_weight", "none");
    private static final String POSITIVE = "1";
    private static final String NEGATIVE = "0";

    private final List<FeatureDefinition> features;

    /** @param features the features to use, in order (see {@link FeatureDefinition#fromSpec}) */
    public LogisticRegressionTrainer(List<FeatureDefinition> features) {
        this.features = List.copyOf(features);
        if (this.features.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one feature");
        }
    }

    @Override
    public String name() {
        return TrainingSpec.LOGISTIC_REGRESSION;
    }

    /** The defaults used for absent hyper-parameters. */
    public static Map<String, String> defaultHyperparameters() {
        return new TreeMap<>(DEFAULTS);
    }

    @Override
    public TrainedModel train(List<Example> trainingSet, Map<String, String> hyperparameters, long seed) {
        long started = System.nanoTime();
        Map<String, String> effective = effectiveHyperparameters(hyperparameters);
        int epochs = Integer.parseInt(effective.get("epochs").trim());
        double learningRate = Double.parseDouble(effective.get("learning_rate").trim());
        double l2 = Double.parseDouble(effective.get("l2").trim());
        int minibatch = Integer.parseInt(effective.get("minibatch_size").trim());
        boolean balanced = effective.get("class_weight").trim().equalsIgnoreCase("balanced");

        int n = trainingSet.size();
        long positives = Trainers.requireBothClasses(trainingSet);

        List<Map<String, Object>> featureMaps = new ArrayList<>(n);
        trainingSet.forEach(e -> featureMaps.add(e.features()));
        FeatureEncoder encoder = FeatureEncoder.fit(features, featureMaps);
        String[] columns = encoder.columns().toArray(String[]::new);

        float positiveWeight = balanced ? (float) (n / (2.0 * positives)) : 1f;
        float negativeWeight = balanced ? (float) (n / (2.0 * (n - positives))) : 1f;
        Label positive = new Label(POSITIVE);
        Label negative = new Label(NEGATIVE);
        LabelFactory labelFactory = new LabelFactory();
        MutableDataset<Label> dataset =
                new MutableDataset<>(new SimpleDataSourceProvenance("mlcycle training set", labelFactory), labelFactory);
        double[] row = new double[columns.length];
        for (Example example : trainingSet) {
            encoder.encodeInto(example.features(), row);
            ArrayExample<Label> tribuoExample =
                    new ArrayExample<>(example.label() ? positive : negative, columns, row.clone());
            tribuoExample.setWeight((float) (example.weight() * (example.label() ? positiveWeight : negativeWeight)));
            dataset.add(tribuoExample);
        }

        StochasticGradientOptimiser optimiser = l2 > 0
                ? new AdaGradRDA(learningRate, 1e-6, 0, l2, n)
                : new AdaGrad(learningRate);
        LinearSGDTrainer tribuo = new LinearSGDTrainer(new LogMulticlass(), optimiser, epochs, Integer.MAX_VALUE,
                minibatch, seed);
        LinearSGDModel tribuoModel = (LinearSGDModel) tribuo.train(dataset);

        double[] weights = new double[columns.length];
        double intercept = exportWeights(tribuoModel, columns, weights);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("trainer", name());
        metadata.put("library", "tribuo-4.3 LinearSGDTrainer(LogMulticlass)");
        metadata.put("seed", Long.toString(seed));
        metadata.put("training_examples", Integer.toString(n));
        metadata.put("training_positives", Long.toString(positives));
        effective.forEach((k, v) -> metadata.put("hyperparameter." + k, v));
        LinearModel model = new LinearModel(encoder, weights, intercept, metadata);
        byte[] artifact = model.toBytes();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        log.info("Trained logistic regression on {} examples ({} positive), {} columns, {} epochs in {} ms",
                n, positives, columns.length, epochs, took.toMillis());
        return new TrainedModel(name(), LinearModel.FORMAT_ID, artifact, ModelArtifacts.loadLinear(artifact), effective,
                seed, n, (double) positives / n, took);
    }

    /** Softmax over two classes equals a sigmoid of the difference of the two rows. Returns the intercept. */
    private static double exportWeights(LinearSGDModel model, String[] columns, double[] weightsOut) {
        DenseMatrix matrix = model.getWeightsCopy();
        int positiveRow = model.getOutputIDInfo().getID(new Label(POSITIVE));
        int negativeRow = model.getOutputIDInfo().getID(new Label(NEGATIVE));
        ImmutableFeatureMap featureMap = model.getFeatureIDMap();
        for (int c = 0; c < columns.length; c++) {
            VariableInfo info = featureMap.get(columns[c]);
            if (info == null) {
                weightsOut[c] = 0.0; // never seen in training: contributes nothing
                continue;
            }
            int id = featureMap.getID(columns[c]);
            weightsOut[c] = matrix.get(positiveRow, id) - matrix.get(negativeRow, id);
        }
        int bias = featureMap.size();
        return matrix.get(positiveRow, bias) - matrix.get(negativeRow, bias);
    }

    private static Map<String, String> effectiveHyperparameters(Map<String, String> given) {
        Map<String, String> effective = new TreeMap<>(DEFAULTS);
        if (given != null) {
            for (Map.Entry<String, String> e : given.entrySet()) {
                String problem = PipelineSpecParser.checkHyperparameter(e.getKey(), e.getValue());
                if (problem != null) {
                    throw new IllegalArgumentException("hyper-parameter '" + e.getKey() + "': " + problem);
                }
                effective.put(e.getKey(), e.getValue().trim().toLowerCase(Locale.ROOT));
            }
        }
        return effective;
    }
}
