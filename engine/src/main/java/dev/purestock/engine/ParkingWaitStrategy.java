package dev.purestock.engine;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The wait strategy of a ring's first stage for {@link WaitStrategyKind#BLOCKING}: the waiting thread parks, and a
 * publisher wakes it only if it said it parks.
 *
 * <p>The Disruptor's blocking strategy enters a monitor and notifies it on every publish, whether or not a thread
 * waits, and its waiter waits on that monitor as soon as the ring is empty, without spinning: producers contend
 * with each other and with the woken waiter for the monitor, and every command that arrives after a pause costs
 * a wake-up through it. Here a waiter spins a little, then announces itself, reads the cursor once more and
 * parks; a publish reads the announcement (one volatile read when no one waits) and unparks only the thread
 * announced. A publish that moves the cursor between the waiter's announcement and its park is never
 * lost: either the waiter's second look sees the cursor, or the publish sees the waiter. The same holds for
 * {@link SequenceBarrier#alert}, which sets its flag before it signals: the waiter looks at the flag after it
 * announced itself. A park still ends after {@link #PARK_NANOS}, a safety net only, like
 * {@link DependentStageBarrier}'s.
 *
 * <p>The cursor it waits on is the ring's: with many producers it moves when a slot is claimed, before the slot is
 * published. A waiter does not park once the cursor has passed its slot; the Disruptor's barrier asks the
 * sequencer which slots are published and, until that slot is, calls again, as with any strategy. Those calls
 * again for one slot spin a little, then each yields the core ({@link #SPINS_BEFORE_YIELDING}): a producer that
 * lost its core between claiming and publishing (fewer cores than threads) would otherwise wait for the processor's
 * busy loop to use up its time slice. One thread at
 * a time holds the announcement, the engine's decision thread; a second thread waiting on the same strategy (the
 * engine wires none) looks again after each safety-net park instead.
 */
final class ParkingWaitStrategy implements WaitStrategy {
    /** Spins before parking: work that arrives within them costs no wake-up. */
    private static final int SPINS_BEFORE_PARKING = 100;
    /** Asks again for a slot claimed but not published that spin before each further one yields the core. */
    static final int SPINS_BEFORE_YIELDING = 100;
    /** The longest a waiter parks before it looks again, signal or not: a safety net only. */
    private static final long PARK_NANOS = 1_000_000;
    private static final VarHandle PARKED;

    static {
        try {
            PARKED = MethodHandles.lookup().findVarHandle(ParkingWaitStrategy.class, "parked", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Whether a signal needs a full fence before it looks for a waiter: a single producer moves the cursor with a
     * release store, which a later read may pass (see {@link #signalAllWhenBlocking}).
     */
    private final boolean singleProducer;
    private final long parkNanos;
    private final Consumer<Thread> unpark;
    private final Runnable yield;
    /**
     * The slot the last call waited for, and how many calls in a row asked for it again once the cursor had passed
     * it. Written by the waiter: the engine has one; a second one (see the class) only shares this guess of how long
     * a producer has held its slot.
     */
    private long asked = -1;
    private int repeats;
    /** The thread parked (or about to park) in {@link #waitFor}, or {@code null}. */
    private volatile Thread parked;

    /** A strategy for a ring with one publishing thread ({@code singleProducer}) or many. */
    ParkingWaitStrategy(boolean singleProducer) {
        this(singleProducer, PARK_NANOS, LockSupport::unpark);
    }

    /** As above, parking at most {@code parkNanos} at a time and waking a waiter with {@code unpark}: for tests. */
    ParkingWaitStrategy(boolean singleProducer, long parkNanos, Consumer<Thread> unpark) {
        this(singleProducer, parkNanos, unpark, Thread::yield);
    }

    /** As above, giving up the core with {@code yield}: for tests. */
    ParkingWaitStrategy(boolean singleProducer, long parkNanos, Consumer<Thread> unpark, Runnable yield) {
        this.singleProducer = singleProducer;
        this.parkNanos = parkNanos;
        this.unpark = unpark;
        this.yield = yield;
    }

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependents, SequenceBarrier barrier)
            throws AlertException {
        if (cursor.get() < sequence) {
            awaitCursor(sequence, cursor, barrier);
            repeats = 0;
        } else if (sequence == asked) {
            awaitPublication();
        } else {
            repeats = 0;
        }
        asked = sequence;
        // the stages this one follows move on their own, without signalling: as the Disruptor's strategies do
        long available;
        while ((available = dependents.get()) < sequence) {
            barrier.checkAlert();
            Thread.onSpinWait();
        }
        return available;
    }

    private void awaitCursor(long sequence, Sequence cursor, SequenceBarrier barrier) throws AlertException {
        Thread current = Thread.currentThread();
        int spins = 0;
        while (true) {
            barrier.checkAlert();
            if (cursor.get() >= sequence) {
                return;
            }
            if (spins < SPINS_BEFORE_PARKING) {
                spins++;
                Thread.onSpinWait();
                continue;
            }
            if (!PARKED.compareAndSet(this, null, current)) {
                LockSupport.parkNanos(this, parkNanos); // another thread holds the announcement
                continue;
            }
            // announced, with a full fence: a publish or alert after this line sees us, one before it is seen here
            if (cursor.get() < sequence && !barrier.isAlerted()) {
                LockSupport.parkNanos(this, parkNanos);
            }
            // a signal that still reads this thread after the clear only leaves a permit: the next park returns
            // at once and the loop looks again
            PARKED.setRelease(this, (Thread) null);
        }
    }

    /**
     * The barrier asks again for a slot the cursor passed: a producer claimed it and has not published it yet. It
     * takes nanoseconds unless the producer lost its core in between, and then only it can end the wait: a few spins,
     * then each ask yields the core, so that on a machine with fewer cores than threads the producer gets it back.
     * Never a park: the publish signals only a waiter on the cursor, which has already moved.
     */
    private void awaitPublication() {
        if (repeats < SPINS_BEFORE_YIELDING) {
            repeats++;
            Thread.onSpinWait();
        } else {
            yield.run();
        }
    }

    /**
     * Wakes the waiter if one announced that it parks; otherwise one volatile read. The publisher moved the cursor
     * before this call; with many producers that was an atomic update, a full fence, so the read of the waiter
     * below cannot pass it. A single producer sets the cursor with a release store, which the read could pass:
     * the waiter would then read the old cursor, this the old {@code null}, and the waiter would sleep its whole
     * safety-net park with work waiting. For it a full fence comes first.
     */
    @Override
    public void signalAllWhenBlocking() {
        if (singleProducer) {
            VarHandle.fullFence();
        }
        Thread waiter = parked;
        if (waiter != null) {
            unpark.accept(waiter);
        }
    }
}
