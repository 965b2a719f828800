package dev.purestock.engine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The gate every publication passes: it refuses new work once the engine is closed or stopped, and lets
 * {@link #closeAndAwaitPublishers} wait until no thread is still between the check and its publication,
 * so that close can put its barrier behind every slot ever published.
 */
final class Intake {
    private final AtomicLong publishing = new AtomicLong();
    private volatile boolean closed;
    private volatile EngineStoppedException stopped;

    /**
     * Enters the gate; on {@code true} the caller must publish and then call {@link #exit()}.
     *
     * @return {@code false} when the engine is closed or stopped (see {@link #refusal()})
     */
    boolean enter() {
        publishing.incrementAndGet();
        if (closed || stopped != null) {
            publishing.decrementAndGet();
            return false;
        }
        return true;
    }

    void exit() {
        publishing.decrementAndGet();
    }

    /** Why {@link #enter()} refused: the stop failure, or the engine is closed. */
    RuntimeException refusal() {
        EngineStoppedException cause = stopped;
        if (cause != null) {
            return new EngineStoppedException(cause.getMessage(), cause.getCause());
        }
        return new EngineClosedException("the purestock engine is closed and takes no more commands");
    }

    /** The result {@link PurestockEngine#trySubmit} reports for a refusal. */
    SubmitResult refusalResult() {
        return stopped != null ? SubmitResult.STOPPED : SubmitResult.CLOSED;
    }

    void stop(EngineStoppedException cause) {
        if (stopped == null) {
            stopped = cause;
        }
    }

    /** Whether the engine was closed. */
    boolean closed() {
        return closed;
    }

    EngineStoppedException stopped() {
        return stopped;
    }

    /** Refuses new work and waits until every thread inside the gate has published. */
    void closeAndAwaitPublishers() {
        closed = true;
        while (publishing.get() != 0) {
            Thread.yield();
        }
    }
}
