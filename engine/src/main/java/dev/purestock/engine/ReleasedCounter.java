package dev.purestock.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A count one thread writes and any thread reads: the writer adds with a plain read and a release store (no
 * lock, no read-modify-write instruction, no allocation), a reader sees the count with an acquire load. Only the
 * stage thread that owns a counter may call {@link #increment}.
 */
final class ReleasedCounter {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(ReleasedCounter.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long value;

    /** Adds one; only from the owning thread. */
    void increment() {
        VALUE.setRelease(this, value + 1);
    }

    /** The count so far, from any thread. */
    long get() {
        return (long) VALUE.getAcquire(this);
    }
}
