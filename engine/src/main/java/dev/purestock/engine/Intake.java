package dev.purestock.engine;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The gate every publication passes: it refuses new work once the engine is closed or stopped, and lets
 * {@link #awaitPublishers} wait until no thread is still between the check and its publication,
 * so that close can put its barrier behind every slot ever published. A close whose time ran out
 * {@link #abandon()}s the publishers still waiting for ring space: they give up, and their callers are refused.
 *
 * <p>The threads inside the gate are counted in {@value #CELLS} cells, each on a cache line of its own, a thread always
 * in the one its id picks: every submission enters and leaves the gate, and with one shared count, producers on
 * different cores took that count's cache line from one another twice a command (JFR of
 * {@code EngineBenchmark.fourProducers}: the producers' most sampled line, docs/performance.md). A close waits until
 * every cell is empty. A thread's entry is an atomic add, then a read of whether the engine is closed; a close sets
 * that, then reads the cells: a thread that enters after the close read its cell sees the close and leaves.
 */
final class Intake {
    /** How many cells count the threads inside the gate: a power of two. */
    static final int CELLS = 64;
    /** Longs from one cell to the next: 128 bytes, so that no two cells share a cache line or its prefetched pair. */
    private static final int STRIDE = 16;
    private static final int CELL_SHIFT = Long.SIZE - Integer.numberOfTrailingZeros(CELLS);

    /** The cells, with a cell's room left empty at each end, apart from whatever lies beside the array. */
    private final AtomicLongArray publishing = new AtomicLongArray((CELLS + 2) * STRIDE);
    private volatile boolean closed;
    private volatile boolean abandoned;
    private volatile EngineStoppedException stopped;

    /**
     * Enters the gate; on {@code true} the caller must publish and then call {@link #exit()}.
     *
     * @return {@code false} when the engine is closed or stopped (see {@link #refusal()})
     */
    boolean enter() {
        int cell = cell();
        publishing.getAndIncrement(cell);
        if (closed || stopped != null) {
            publishing.getAndDecrement(cell);
            return false;
        }
        return true;
    }

    void exit() {
        publishing.getAndDecrement(cell());
    }

    /** The index of the calling thread's cell: its id, spread by Fibonacci hashing, so that ids in a row part. */
    private static int cell() {
        long spread = Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L;
        return ((int) (spread >>> CELL_SHIFT) + 1) * STRIDE;
    }

    /**
     * Leaves the gate for a while without giving up the place: for a thread inside it that answers its caller in
     * place (a command refused before any shard sequenced it), so that a close does not wait for whatever the
     * caller's callback or a future's continuation does. The thread publishes nothing meanwhile, and calls
     * {@link #stepIn()} after.
     */
    void stepOut() {
        publishing.getAndDecrement(cell());
    }

    /**
     * Comes back into the gate after {@link #stepOut()}: the caller is inside again, and must {@link #exit()} as
     * before; it may publish again only once {@link #open()} says so, as after {@link #enter()}.
     */
    void stepIn() {
        publishing.getAndIncrement(cell());
    }

    /** Whether the engine still takes commands: a thread inside the gate that reads {@code true} may publish. */
    boolean open() {
        return !closed && stopped == null;
    }

    /** Why {@link #enter()} refused: the stop failure, or the engine is closed. */
    RuntimeException refusal() {
        EngineStoppedException cause = stopped;
        if (cause != null) {
            // refused at the gate: this command was never taken, whatever the stop says of the ones that were
            return new EngineStoppedException("refused, not taken: " + cause.getMessage(), cause.getCause());
        }
        return new EngineClosedException("the purestock engine is closed and takes no more commands");
    }

    /** Why a publisher that waited for ring space gave up: a close ran out of time ({@link #abandon()}). */
    RuntimeException abandonedRefusal() {
        return new EngineClosedException("the purestock engine was closed while this submission waited for ring "
                + "space, and its close timed out before space came free; nothing was submitted");
    }

    /** The result {@link PurestockEngine#trySubmit} reports for a refusal. */
    SubmitResult refusalResult() {
        return stopped != null ? SubmitResult.STOPPED : SubmitResult.CLOSED;
    }

    /** Stops the intake with {@code cause}, unless it stopped before: the first cause is the one refusals give. */
    synchronized void stop(EngineStoppedException cause) {
        if (stopped == null) {
            stopped = cause;
        }
    }

    /**
     * Stops the intake with {@code cause} in place of {@code replaced} ({@code null}: none), a shard's stop of the
     * intake alone that the same shard's later failure makes untrue (it said the commands taken are still answered);
     * a stop for another cause, recorded before, stays the one refusals give.
     */
    synchronized void replace(EngineStoppedException replaced, EngineStoppedException cause) {
        if (stopped == null || stopped == replaced) {
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

    /** Refuses new work from now on; threads already inside the gate go on (see {@link #awaitPublishers}). */
    void close() {
        closed = true;
    }

    /**
     * Waits until every thread inside the gate has published (or given up), at most until {@code deadline}
     * ({@link System#nanoTime()}) when {@code bounded}.
     *
     * @return whether the gate is empty
     */
    boolean awaitPublishers(boolean bounded, long deadline) {
        for (int cell = STRIDE; cell <= CELLS * STRIDE; cell += STRIDE) {
            while (publishing.get(cell) != 0) {
                if (bounded && deadline - System.nanoTime() <= 0) {
                    return false;
                }
                Thread.yield();
            }
        }
        return true;
    }

    /**
     * Makes every publisher waiting for ring space give up ({@link #abandoned()}), for a close whose time ran out:
     * the stages may never free the space they wait for.
     */
    void abandon() {
        abandoned = true;
    }

    /** Whether a publisher waiting for ring space must give up and refuse its caller with {@link #refusal()}. */
    boolean abandoned() {
        return abandoned;
    }
}
