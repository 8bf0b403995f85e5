package io.mlcycle.validation;

/** The key of a quarantine record: the event id, shortened when an adversarial one would not fit a request. */
final class QuarantineKeys {

    static final int MAX_KEY_CHARS = 1024;

    private QuarantineKeys() {
    }

    static String forOutput(String eventId) {
        if (eventId == null || eventId.length() <= MAX_KEY_CHARS) {
            return eventId;
        }
        return eventId.substring(0, MAX_KEY_CHARS);
    }
}
