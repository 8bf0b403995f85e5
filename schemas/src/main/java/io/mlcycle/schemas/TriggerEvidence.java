package io.mlcycle.schemas;

/**
 * Keys of a training trigger's evidence map ({@code <p>.training.triggers}) that more than one service reads or
 * writes: the contract between the services raising DRIFT and DEGRADATION triggers and the orchestrator deciding them.
 */
public final class TriggerEvidence {

    /**
     * The champion the evidence was measured against: the orchestrator skips the trigger as stale once another
     * version is champion (validation re-checks drift, serving measures degradation again against the new one).
     */
    public static final String CHAMPION_VERSION = "champion_version";

    private TriggerEvidence() {
    }
}
