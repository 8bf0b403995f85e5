package io.mlcycle.mlcore.model;

/** A model artifact cannot be read: corrupt bytes, an unknown format id, or inconsistent contents. */
public final class ModelArtifactException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ModelArtifactException(String message) {
        super(message);
    }

    public ModelArtifactException(String message, Throwable cause) {
        super(message, cause);
    }
}
