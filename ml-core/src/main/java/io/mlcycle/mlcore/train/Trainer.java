package io.mlcycle.mlcore.train;

import java.util.List;
import java.util.Map;

/** Trains a binary classifier. Implementations are deterministic: same examples, order, hyper-parameters and seed
 * give a bit-identical artifact. */
public interface Trainer {

    /** The trainer's name as written in the spec, e.g. {@code logistic_regression}. */
    String name();

    /**
     * @param trainingSet     examples in a fixed order (e.g. by event time then event id)
     * @param hyperparameters trainer-specific settings as text; unknown keys are rejected
     * @param seed            random seed
     * @throws IllegalArgumentException for an unusable training set (empty, one class only) or a bad hyper-parameter,
     *                                  with a message naming the problem
     */
    TrainedModel train(List<Example> trainingSet, Map<String, String> hyperparameters, long seed);
}
