package io.mlcycle.mlcore.normalize;

/** Bounded excerpts of input for messages: no error detail echoes more than a short excerpt of what it was sent. */
public final class Excerpt {

    /** Characters of input kept in a message. */
    public static final int MAX_CHARS = 64;

    private Excerpt() {
    }

    /** The text itself when short, else its first {@link #MAX_CHARS} characters and "…". */
    public static String of(String text) {
        if (text == null) {
            return "null";
        }
        if (text.length() <= MAX_CHARS) {
            return text;
        }
        int end = MAX_CHARS;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + "\u2026";
    }
}
