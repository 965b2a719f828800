package dev.purestock.engine;

/**
 * The engine stopped taking commands because a failure may have left a shard's state or journal
 * inconsistent: applying events failed, or a durability stage could not make a command durable. The
 * message names the stage, the shard and the sequence; the cause is the original failure. Nothing from
 * that sequence on was acknowledged. Restart the engine (recovery replays the journal) once the cause is
 * fixed.
 */
public final class EngineStoppedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    EngineStoppedException(String message, Throwable cause) {
        super(message, cause);
    }
}
