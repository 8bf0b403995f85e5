package io.mlcycle.serving;

import io.mlcycle.avro.Prediction;

/** Where HTTP predictions are logged: {@code <p>.predictions}, keyed by event id. Must not block the caller. */
@FunctionalInterface
public interface PredictionLog {
    void log(Prediction prediction);
}
