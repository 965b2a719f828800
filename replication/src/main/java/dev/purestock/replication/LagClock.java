package dev.purestock.replication;

/**
 * How long the standby has been behind, as the age of the oldest record it does not hold yet: each side marks the
 * time it first knew of a sequence (the primary: when it was handed to be sent; the standby: when the primary said
 * it had decided it), and the lag is the time since the oldest mark past the standby's last record. Under a steady
 * stream of records with the standby a few hundred behind, that reads as the milliseconds those records wait, where
 * "behind without a break" would grow for as long as the stream lasts.
 *
 * <p>Marks are kept in a ring of {@link #MARKS}; when it is full, a new sequence extends the newest mark instead,
 * which keeps that mark's (earlier) time: the lag is then overstated by at most the time the ring's last mark spans,
 * never understated. When the standby's position goes back (a new standby says hello from further back, a standby
 * cuts its journal) the marks it had passed are gone: what it lacks before the oldest mark kept counts from that
 * mark's time, or from then when none is kept. When the primary's goes back (restarted behind what it announced),
 * the marks past it go ({@link #forgetAbove}). Used by one thread (the side's replication thread); the time is a
 * {@link System#nanoTime()}.
 */
final class LagClock {
    /** How many marks the ring holds. */
    static final int MARKS = 1024;

    private final long[] sequences = new long[MARKS];
    private final long[] times = new long[MARKS];
    /** The oldest mark's slot, and how many marks there are. */
    private int oldest;
    private int count;
    private long lastMarked = Long.MIN_VALUE;
    private long lastHeld = Long.MIN_VALUE;

    /** The side first knew of every sequence up to {@code sequence} at {@code now} (later calls: not older). */
    void mark(long sequence, long now) {
        if (sequence <= lastMarked) {
            return;
        }
        lastMarked = sequence;
        if (count == MARKS) {
            sequences[(oldest + count - 1) % MARKS] = sequence;
            return;
        }
        int slot = (oldest + count) % MARKS;
        sequences[slot] = sequence;
        times[slot] = now;
        count++;
    }

    /**
     * The sequences after {@code sequence} are not to come after all (the primary the standby follows now is behind
     * what was heard before): their marks go, and a later mark of them counts from when it is made.
     */
    void forgetAbove(long sequence) {
        while (count > 0) {
            int newest = (oldest + count - 1) % MARKS;
            if (sequences[newest] <= sequence) {
                break;
            }
            if (count == 1 || sequences[(newest + MARKS - 1) % MARKS] < sequence) {
                sequences[newest] = sequence; // the mark may span it: keep its part up to it
                break;
            }
            count--;
        }
        lastMarked = Math.min(lastMarked, sequence);
    }

    /**
     * The lag in nanoseconds at {@code now} of a standby that holds every sequence up to {@code held}: {@code 0}
     * when it holds all that was marked. Forgets the marks it holds.
     */
    long lagNanos(long held, long now) {
        if (held < lastHeld && count == 0 && held < lastMarked) {
            // the standby's position went back past marks already forgotten: one mark, as of now, stands for them
            // (with marks left, the oldest one's time stands for the records before it)
            oldest = 0;
            count = 1;
            sequences[0] = lastMarked;
            times[0] = now;
        }
        lastHeld = held;
        while (count > 0 && sequences[oldest] <= held) {
            oldest = (oldest + 1) % MARKS;
            count--;
        }
        return count == 0 ? 0 : Math.max(0, now - times[oldest]);
    }
}
