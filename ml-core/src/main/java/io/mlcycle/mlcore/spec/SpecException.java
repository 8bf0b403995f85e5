package io.mlcycle.mlcore.spec;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when a pipeline spec is invalid; carries every problem found, not just the first. */
public final class SpecException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<SpecError> errors;

    public SpecException(List<SpecError> errors) {
        super(format(errors));
        this.errors = List.copyOf(errors);
    }

    public List<SpecError> errors() {
        return errors;
    }

    private static String format(List<SpecError> errors) {
        return errors.stream().map(SpecError::toString).collect(Collectors.joining("\n"));
    }
}
