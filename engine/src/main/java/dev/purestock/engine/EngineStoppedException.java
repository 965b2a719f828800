package dev.purestock.engine;

/**
 * The engine stopped taking commands because a failure may have left a shard's state or journal
 * inconsistent: applying events failed, or a durability stage could not make a command durable. The
 * message names the stage, the shard and the sequence; the cause is the original failure. Nothing from
 * that sequence on was acknowledged. Restart the engine (recovery replays the journal) once the cause is
 * fixed.
 *
 * <p>A command the shard had taken and then failed with this was not acknowledged, yet its fate is not known: it may
 * have been journaled all the same (a durability stage ahead of the one that failed wrote it, or the failed stage
 * wrote part of a batch it could not sync). After the restart, look it up by its order id
 * ({@link ReadModel#orderStatus}) or resubmit it: its order id makes a repeat idempotent ({@code AlreadyApplied}). A
 * command without one (a receipt, a write-off) is found in the journal.
 */
public final class EngineStoppedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    EngineStoppedException(String message, Throwable cause) {
        super(message, cause);
    }

    /** One whose cause is set later ({@link #initCause}): a failure prepared before anything failed. */
    EngineStoppedException(String message) {
        super(message);
    }
}
