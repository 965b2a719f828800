package dev.purestock.engine;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Where publishers wait for space in one shard's full ring, and what wakes them: the ring's last stage (completion),
 * once it has freed a quarter of the ring.
 *
 * <p>A publisher that found the ring full used to park for a nanosecond and try again, as the Disruptor's own
 * {@code next()} does. On Linux such a park lasts the timer's slack, some 50-90 µs, so while a fast producer kept
 * the ring full each publisher woke some ten thousand times a second, and every wake-up was a context switch that
 * took a core from the stages that free the space (docs/performance.md, "Waiting for ring space"). Now a publisher
 * that finds the ring full says that it waits and from which point of the last stage on it should be woken (when a
 * quarter of the ring is free; the expiry timer, fewer: {@link #await(RingBuffer, int)}), reads that stage's
 * progress once more, and parks; the last stage sets its sequence at the end of each batch, and after a slot it
 * threw on ({@link PassingStage#exceptions}), and wakes each waiter once it has passed that waiter's point. Either the
 * waiter's second read sees the batch's end, or the stage sees the waiter (and its point, written before): both
 * sides write and then read with full fences between, so no wake-up is missed. A park still ends after
 * {@link #PARK_NANOS} at the latest, a safety net for a stage that stopped, and a close that ran out of time wakes
 * every waiter ({@link #abandon}); a publisher that comes to wait after that, having looked at the abandon just
 * before it, does not park. An interrupt does not end a wait: the waiter parks all the same, and is left interrupted
 * for its caller.
 *
 * <p>Waiting allocates nothing: a waiter takes one of {@link #SLOTS} places for its thread. More waiters than
 * places poll as before, parking for a nanosecond between tries.
 */
final class RingSpace {
    /** How many publishers can wait to be woken at once; more poll. */
    static final int SLOTS = 16;
    /** The longest a waiter parks before it looks again, woken or not: a safety net only. */
    static final long PARK_NANOS = 1_000_000;

    private final AtomicReferenceArray<Thread> waiters = new AtomicReferenceArray<>(SLOTS);
    /** For each place, the last stage's sequence from which on its waiter has the room it waits for. */
    private final AtomicLongArray wakeAt = new AtomicLongArray(SLOTS);
    /** How many places are taken; the last stage reads only this while nobody waits. */
    private final AtomicInteger waiting = new AtomicInteger();
    /** Whether a close that ran out of time woke the waiters: none parks from then on. */
    private volatile boolean abandoned;
    private final int ringSize;
    /** How much of the ring must be free before waiters are woken: a quarter, at least one slot. */
    private final int enough;
    /** How long a waiter parks at most ({@link #PARK_NANOS}, or longer in tests). */
    private final long parkNanos;

    RingSpace(int ringSize) {
        this(ringSize, PARK_NANOS);
    }

    /**
     * As {@link #RingSpace(int)}, a waiter parking at most {@code parkNanos} before it looks again: for tests, which
     * park for as good as ever to show that the last stage's progress alone wakes it.
     */
    RingSpace(int ringSize, long parkNanos) {
        this.ringSize = ringSize;
        this.enough = Math.max(1, ringSize / 4);
        this.parkNanos = parkNanos;
    }

    /**
     * Waits, on a publisher's thread, until {@code ring} (this space's ring, found full) has a quarter of its slots
     * free, the safety-net park ran out, or {@link #abandon} was called; the caller then tries to claim again. An
     * interrupt does not end the wait, and is kept: the thread is interrupted again as this returns.
     */
    void await(RingBuffer<?> ring) {
        await(ring, enough);
    }

    /**
     * As {@link #await(RingBuffer)}, until {@code slots} slots are free, at most a quarter of the ring: for the
     * expiry timer, whose few time commands must get in before the producers, woken only at a quarter, take the
     * room (see {@link ExpiryTimer.Answer}). A producer that is not parked may still take them first.
     */
    void await(RingBuffer<?> ring, int slots) {
        Thread self = Thread.currentThread();
        // a park returns at once while the thread's interrupt status is set, and on the permit an interrupt leaves: an
        // interrupted publisher would try again without waiting, spinning a core until the stages freed the space. An
        // interrupt does not end the wait (a submit has no way to say so): it is cleared for the parks, and set again
        // for the caller
        boolean interrupted = Thread.interrupted();
        try {
            int place = take(self);
            if (place < 0) {
                LockSupport.parkNanos(1);
                if (interrupted) {
                    LockSupport.parkNanos(1); // the first took the permit the interrupt left
                }
                return;
            }
            try {
                // claimed slots, all of them published soon: the last stage frees the room waited for at this point
                long target = ring.getCursor() - ringSize + Math.max(1, Math.min(slots, enough));
                wakeAt.set(place, target);
                waiting.incrementAndGet();
                // said we wait (a full fence), then look once more: a batch that ended before this read is seen here,
                // one that ends after it finds this waiter; so does an abandon, against the place taken above. A park
                // that returns before either (on an interrupt's permit, or spuriously) parks again for what is left
                long deadline = System.nanoTime() + parkNanos;
                while (!abandoned && ring.getMinimumGatingSequence() < target) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    LockSupport.parkNanos(this, left);
                    interrupted |= Thread.interrupted();
                }
            } finally {
                waiting.decrementAndGet();
                waiters.set(place, null);
            }
        } finally {
            if (interrupted) {
                self.interrupt();
            }
        }
    }

    private int take(Thread self) {
        for (int place = 0; place < SLOTS; place++) {
            if (waiters.get(place) == null && waiters.compareAndSet(place, null, self)) {
                return place;
            }
        }
        return -1;
    }

    /**
     * The last stage has passed {@code sequence} and set its sequence there with a full fence: wakes the waiters
     * once it is past the point they wait for.
     *
     * @return how many threads it unparked
     */
    int passed(long sequence) {
        if (waiting.get() == 0) {
            return 0;
        }
        int woken = 0;
        for (int place = 0; place < SLOTS; place++) {
            Thread waiter = waiters.get(place);
            // a target left by the place's last waiter wakes this one early at most, and it looks again
            if (waiter != null && sequence >= wakeAt.get(place)) {
                LockSupport.unpark(waiter);
                woken++;
            }
        }
        return woken;
    }

    /**
     * Wakes every waiter now, for a close that ran out of time, which has {@linkplain Intake#abandon() abandoned}
     * them first; a publisher that comes to wait after this returns at once, to see the abandon.
     *
     * @return how many threads it unparked
     */
    int abandon() {
        abandoned = true;
        return wakeAll();
    }

    /** Wakes every waiter now; how many threads it unparked. */
    private int wakeAll() {
        int woken = 0;
        for (int place = 0; place < SLOTS; place++) {
            Thread waiter = waiters.get(place);
            if (waiter != null) {
                LockSupport.unpark(waiter);
                woken++;
            }
        }
        return woken;
    }

    /** How many publishers wait to be woken now; for tests. */
    int waiting() {
        return waiting.get();
    }

    /**
     * {@code last}, the ring's last stage, which also sets its sequence at the end of each batch, and at a slot it
     * threw on ({@link PassingStage#exceptions}), and then wakes the publishers waiting for the space it freed.
     */
    <T> EventHandler<T> freedBy(EventHandler<T> last) {
        return new PassingStage<>(last, (sequence, ringSequence) -> {
            if (sequence != null) {
                passed(ringSequence);
            }
        });
    }
}
