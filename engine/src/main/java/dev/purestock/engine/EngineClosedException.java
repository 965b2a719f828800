package dev.purestock.engine;

/** The engine was closed: it takes no more commands. */
public final class EngineClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    EngineClosedException(String message) {
        super(message);
    }
}
