package io.mlcycle.bench.truth;

import io.mlcycle.bench.Benchmark;
import io.mlcycle.mlcore.eval.BinaryMetrics;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.monitoring.LabelNoiseDetector;
import io.mlcycle.mlcore.train.Example;
import io.mlcycle.mlcore.monitoring.FlaggedLabelPolicy;
import io.mlcycle.mlcore.train.GradientBoostingTrainer;
import io.mlcycle.mlcore.model.Scorer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * {@code ./bench mislabel-gmsc PATH}: the label-noise detector on the real credit data ("Give Me Some Credit",
 * {@code gmsc.csv.gz}, label {@code SeriousDlqin2yrs}). Rows are shuffled (seed 42); the newest 30 % are a holdout
 * with their true labels; 5 % of the remaining training labels are flipped at random (seed 42). Each training example
 * gets an out-of-sample score from a model that never saw it (5-fold cross-fitting, standing in for the prediction
 * serving logged before the outcome arrived), and the examples then stream, in order, through
 * {@link LabelNoiseDetector} with per-class thresholds. The model is the pipeline's gradient-boosted trees
 * ({@link GradientBoostingTrainer}, default hyper-parameters, seed 42). Reports the precision and recall of the flags
 * against the flips, and the holdout ROC AUC (true labels) of models trained on the noisy labels as they are (the
 * baseline, same run), with the flagged examples left out ({@code flagged_labels: exclude}), down-weighted
 * ({@code down_weight}, the same {@link FlaggedLabelPolicy} training uses), and on the true labels (the ceiling).
 * Exit 0 when the flags are more precise than random flagging (5 %) and excluding them loses no holdout ROC AUC.
 */
public final class MislabelGmscBenchmark implements Benchmark {

    private static final String LABEL = "SeriousDlqin2yrs";
    private static final double FLIP_RATE = 0.05;
    private static final int FOLDS = 5;
    private static final Map<String, String> HYPERPARAMETERS = Map.of();

    @Override
    public String name() {
        return "mislabel-gmsc";
    }

    @Override
    public String description() {
        return "PATH: 5 % of gmsc labels flipped; precision/recall of the label-noise flags, holdout ROC AUC with and"
                + " without flagged examples";
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        if (args.size() != 1) {
            out.println("usage: ./bench mislabel-gmsc PATH   (PATH: gmsc.csv or gmsc.csv.gz)");
            return 2;
        }
        long started = System.nanoTime();
        List<String> columns = new ArrayList<>();
        List<Example> rows = read(Path.of(args.get(0)), columns);
        Collections.shuffle(rows, new Random(42));
        int holdoutStart = (int) (rows.size() * 0.7);
        List<Example> holdout = rows.subList(holdoutStart, rows.size());
        List<FeatureDefinition> features = columns.stream().map(FeatureDefinition::numeric).toList();

        Random flips = new Random(42);
        List<Example> noisy = new ArrayList<>(holdoutStart);
        boolean[] flipped = new boolean[holdoutStart];
        int flipCount = 0;
        for (int i = 0; i < holdoutStart; i++) {
            Example e = rows.get(i);
            flipped[i] = flips.nextDouble() < FLIP_RATE;
            flipCount += flipped[i] ? 1 : 0;
            noisy.add(new Example(e.eventId(), e.features(), flipped[i] != e.label(), i));
        }

        // out-of-sample scores by cross-fitting
        double[] score = new double[holdoutStart];
        GradientBoostingTrainer trainer = new GradientBoostingTrainer(features);
        for (int fold = 0; fold < FOLDS; fold++) {
            List<Example> train = new ArrayList<>();
            for (int i = 0; i < holdoutStart; i++) {
                if (i % FOLDS != fold) {
                    train.add(noisy.get(i));
                }
            }
            Scorer scorer = trainer.train(train, HYPERPARAMETERS, 42).scorer();
            for (int i = fold; i < holdoutStart; i += FOLDS) {
                score[i] = scorer.score(noisy.get(i).features());
            }
        }

        LabelNoiseDetector detector = new LabelNoiseDetector(30);
        LabelNoiseDetector.State state = LabelNoiseDetector.State.EMPTY;
        boolean[] flagged = new boolean[holdoutStart];
        int flagCount = 0;
        int flaggedFlips = 0;
        for (int i = 0; i < holdoutStart; i++) {
            LabelNoiseDetector.Verdict verdict = detector.judge(state, noisy.get(i).label(), score[i]);
            state = verdict.next();
            flagged[i] = verdict.flagged();
            flagCount += flagged[i] ? 1 : 0;
            flaggedFlips += flagged[i] && flipped[i] ? 1 : 0;
        }
        double precision = flagCount == 0 ? 0 : (double) flaggedFlips / flagCount;
        double recall = (double) flaggedFlips / flipCount;

        boolean[] isFlagged = flagged;
        java.util.function.Predicate<Example> suspect = e -> isFlagged[(int) e.eventTimeMillis()];
        List<Example> kept = FlaggedLabelPolicy.EXCLUDE.apply(noisy, suspect).examples();
        List<Example> downWeighted = FlaggedLabelPolicy.DOWN_WEIGHT.apply(noisy, suspect).examples();
        List<Example> truth = new ArrayList<>(holdoutStart);
        for (int i = 0; i < holdoutStart; i++) {
            Example e = noisy.get(i);
            truth.add(new Example(e.eventId(), e.features(), flipped[i] != e.label(), i));
        }
        double aucNoisy = holdoutAuc(trainer.train(noisy, HYPERPARAMETERS, 42).scorer(), holdout);
        double aucExcluded = holdoutAuc(trainer.train(kept, HYPERPARAMETERS, 42).scorer(), holdout);
        double aucDown = holdoutAuc(trainer.train(downWeighted, HYPERPARAMETERS, 42).scorer(), holdout);
        double aucTrue = holdoutAuc(trainer.train(truth, HYPERPARAMETERS, 42).scorer(), holdout);

        out.printf("mislabel-gmsc: %d rows (%d training, %d holdout with true labels), %d training labels flipped"
                        + " (%.1f %%, seed 42)%n", rows.size(), holdoutStart, holdout.size(), flipCount,
                100.0 * flipCount / holdoutStart);
        out.printf("  flags               %d (%.1f %% of training examples); thresholds: positive %.3f, negative %.3f%n",
                flagCount, 100.0 * flagCount / holdoutStart, state.positiveThreshold(), state.negativeThreshold());
        out.printf("  precision of flags  %.3f   (random flagging: %.3f, ratio %.1f)%n", precision, FLIP_RATE,
                precision / FLIP_RATE);
        out.printf("  recall of flags     %.3f%n", recall);
        out.printf("  holdout ROC AUC (gradient-boosted trees, true holdout labels)%n");
        out.printf("    trained on the noisy labels (baseline)   %.4f%n", aucNoisy);
        out.printf("    flagged left out (exclude)               %.4f   (%+.4f)%n", aucExcluded, aucExcluded - aucNoisy);
        out.printf("    flagged down-weighted 0.5 (down_weight)  %.4f   (%+.4f)%n", aucDown, aucDown - aucNoisy);
        out.printf("    trained on the true labels (ceiling)     %.4f   (%+.4f)%n", aucTrue, aucTrue - aucNoisy);
        out.printf("  took %.1f s%n", (System.nanoTime() - started) / 1e9);
        boolean met = precision > FLIP_RATE && aucExcluded >= aucNoisy;
        out.println(met ? "  floor met: flags more precise than random flagging, and excluding them loses no ROC AUC"
                : "  floor NOT met");
        return met ? 0 : 1;
    }

    private static double holdoutAuc(Scorer scorer, List<Example> holdout) {
        boolean[] labels = new boolean[holdout.size()];
        double[] scores = new double[holdout.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = holdout.get(i).label();
            scores[i] = scorer.score(holdout.get(i).features());
        }
        return BinaryMetrics.rocAuc(labels, scores);
    }

    private static List<Example> read(Path path, List<String> featureColumns) throws Exception {
        InputStream in = Files.newInputStream(path);
        if (path.getFileName().toString().endsWith(".gz")) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        List<Example> rows = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String[] header = reader.readLine().split(",", -1);
            int labelIndex = -1;
            Map<Integer, String> names = new HashMap<>();
            for (int i = 0; i < header.length; i++) {
                String name = header[i].trim().replace("\"", "");
                if (name.equals(LABEL)) {
                    labelIndex = i;
                } else if (!name.isEmpty()) {
                    names.put(i, name);
                    featureColumns.add(name);
                }
            }
            if (labelIndex < 0) {
                throw new IllegalArgumentException(path + " has no column " + LABEL);
            }
            String line;
            int row = 0;
            while ((line = reader.readLine()) != null) {
                String[] cells = line.split(",", -1);
                if (cells.length != header.length) {
                    continue;
                }
                Map<String, Object> values = new LinkedHashMap<>();
                for (Map.Entry<Integer, String> column : names.entrySet()) {
                    String text = cells[column.getKey()].trim();
                    Double value = null;
                    try {
                        value = text.isEmpty() ? null : Double.valueOf(text);
                    } catch (NumberFormatException e) {
                        value = null; // NA, ? and other missing markers
                    }
                    if (value != null && !Double.isFinite(value)) {
                        value = null;
                    }
                    values.put(column.getValue(), value);
                }
                rows.add(new Example("g" + row, values, cells[labelIndex].trim().equals("1"), row));
                row++;
            }
        }
        return rows;
    }
}
