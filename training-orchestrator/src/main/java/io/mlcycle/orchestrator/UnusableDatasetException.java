package io.mlcycle.orchestrator;

/**
 * The dataset of a run cannot make a model (too few labeled examples, or only one class in the training or holdout
 * part). A property of the data, not a fault of the orchestrator: the run is recorded as FAILED with this message and
 * the next trigger tries again with more data.
 */
public final class UnusableDatasetException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public UnusableDatasetException(String message) {
        super(message);
    }
}
