package io.mlcycle.serving;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Whether a request goes to the canary: a deterministic hash (murmur2, as Kafka's partitioner) of the canary version
 * and the entity key, so an entity stays with the same arm for the canary's whole life, across restarts and
 * instances, while each new canary draws a fresh cohort.
 */
final class CanaryAssignment {
    private static final int BUCKETS = 1_000_000;

    private CanaryAssignment() {
    }

    /**
     * @param unitKey  the entity key (the event id when the record has none)
     * @param fraction share of units assigned to the canary, in [0, 1]
     */
    static boolean toCanary(String canaryVersion, String unitKey, double fraction) {
        byte[] bytes = (canaryVersion + "|" + unitKey).getBytes(StandardCharsets.UTF_8);
        int bucket = Utils.toPositive(Utils.murmur2(bytes)) % BUCKETS;
        return bucket < fraction * BUCKETS;
    }
}
