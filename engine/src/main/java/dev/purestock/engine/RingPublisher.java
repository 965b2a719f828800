package dev.purestock.engine;

import com.lmax.disruptor.EventTranslatorThreeArg;
import com.lmax.disruptor.EventTranslatorTwoArg;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import dev.purestock.domain.Command;

import java.util.concurrent.CompletableFuture;

/**
 * Claims ring slots and publishes into them: the one place that writes the engine's rings. Callers pass the
 * intake gate ({@link Intake#enter()}) first; this class decides only how to get a slot and what goes in it.
 *
 * <p>How a publisher waits: one that may wait for ring space does, parked until the shard's last stage has freed
 * a quarter of the ring ({@link RingSpace}), except on one of the engine's stage threads, which only tries (only
 * those threads free ring space), and except once a close that ran out of time {@linkplain Intake#abandon()
 * abandons} waiting publishers: the stages they wait for may never free the space. So every wait is a loop over
 * {@code tryPublishEvent}, never the Disruptor's {@code next()}, which cannot be told to give up.
 *
 * <p>What goes into a slot is written by the Disruptor's event translators: static, stateless instances that take
 * their arguments, so publishing allocates nothing. Three writes claim slots by hand instead, each saying why:
 * {@link #fields} (six primitive fields, which no translator takes without boxing), {@link #repeated} (one command
 * in many slots) and {@link #allShards} (one slot in every ring, or none).
 */
final class RingPublisher {
    /** How a publication went. */
    enum Result {
        /** The slot (or slots) were published. */
        PUBLISHED,
        /** The ring was full, and the caller may not wait (a {@code trySubmit}, or a stage thread). */
        RING_FULL,
        /** A close that ran out of time ended the wait: nothing was published. */
        ABANDONED
    }

    private static final EventTranslatorThreeArg<CommandSlot, Command, OutcomeViewCallback, CompletableFuture<Outcome>>
            COMMAND = (slot, sequence, command, callback, future) -> slot.request.command(command, callback, future);
    private static final EventTranslatorTwoArg<CommandSlot, Command, CompletableFuture<Outcome>> COMMAND_WITH_FUTURE =
            (slot, sequence, command, future) -> slot.request.command(command, null, future);
    private static final EventTranslatorTwoArg<CommandSlot, CommandSlot.Kind, CompletableFuture<Long>> CONTROL =
            (slot, sequence, kind, control) -> slot.request.control(kind, control);

    private final Intake intake;
    private final StageThreads threads;

    RingPublisher(Intake intake, StageThreads threads) {
        this.intake = intake;
        this.threads = threads;
    }

    /** Whether a caller that asked to wait for ring space may: not on a stage thread. */
    private boolean mayWait(boolean wait) {
        return wait && !threads.isCurrent();
    }

    /** Publishes a command held as its record, answered through {@code callback} and {@code future}. */
    Result command(Shard shard, Command command, OutcomeViewCallback callback, CompletableFuture<Outcome> future,
                   boolean wait) {
        RingBuffer<CommandSlot> ring = shard.ring();
        if (ring.tryPublishEvent(COMMAND, command, callback, future)) {
            return Result.PUBLISHED;
        }
        if (!mayWait(wait)) {
            return Result.RING_FULL;
        }
        while (!ring.tryPublishEvent(COMMAND, command, callback, future)) {
            if (!awaitSpace(shard)) {
                return Result.ABANDONED;
            }
        }
        return Result.PUBLISHED;
    }

    /**
     * Publishes {@code commands[from, from + count)}, each answered through its future: in consecutive slots when
     * the ring has room for all of them at once. A caller that may wait and finds less room publishes what fits as
     * slots come free, in order: waiting for room for the whole run at once would starve it behind producers that
     * keep the ring from ever emptying (under a sale's load, a run as long as the ring never got in). A stage
     * thread, which may not wait, publishes all of them or none.
     *
     * @return how many of them, from {@code from} on, were published: {@code count}, or fewer when the ring was
     *     full and the caller may not wait (then none) or a close that ran out of time ended the wait
     */
    int range(Shard shard, Command[] commands, CompletableFuture<Outcome>[] futures, int from, int count) {
        RingBuffer<CommandSlot> ring = shard.ring();
        if (ring.tryPublishEvents(COMMAND_WITH_FUTURE, from, count, commands, futures)) {
            return count;
        }
        if (!mayWait(true)) {
            return 0;
        }
        int published = 0;
        while (published < count) {
            int fits = (int) Math.min(count - published, ring.remainingCapacity());
            if (fits > 0 && ring.tryPublishEvents(COMMAND_WITH_FUTURE, from + published, fits, commands, futures)) {
                published += fits;
            } else if (!awaitSpace(shard)) {
                break;
            }
        }
        return published;
    }

    /**
     * Publishes {@code command} {@code count} times, each answered through {@code callback}: a backlog's time
     * commands. A caller that finds the ring full is woken as soon as the slots it still needs are free (a quarter
     * of the ring at most, {@link RingSpace#await(RingBuffer, int)}), before the producers waiting for a quarter are,
     * and each try claims as many consecutive slots as the ring has free: in a ring that producers keep full, they
     * would otherwise take every slot freed before the timer's thread ran, and the time commands of a backlog got
     * in a few hundred times a second, forgetting fewer orders than a sale took in. Claimed by hand: a translator takes
     * its arguments as arrays, and every slot holds the same command and callback. A caller that may not wait (a
     * stage thread) publishes what fits now.
     *
     * @return how many were published: {@code count}, or fewer when the caller may not wait and the ring had less
     *     room, or a close that ran out of time ended the wait
     */
    int repeated(Shard shard, Command command, OutcomeViewCallback callback, int count) {
        RingBuffer<CommandSlot> ring = shard.ring();
        boolean mayWait = mayWait(true);
        int published = 0;
        while (published < count) {
            int fits = (int) Math.min(count - published, ring.remainingCapacity());
            if (fits > 0 && tryFill(ring, command, callback, fits)) {
                published += fits;
            } else if (!mayWait || !awaitSpace(shard, count - published)) {
                break;
            }
        }
        return published;
    }

    /** Claims {@code slots} consecutive slots if the ring has them and puts {@code command} in each. */
    private static boolean tryFill(RingBuffer<CommandSlot> ring, Command command, OutcomeViewCallback callback,
                                   int slots) {
        long last;
        try {
            last = ring.tryNext(slots);
        } catch (InsufficientCapacityException full) {
            return false; // another publisher took the room first
        }
        long first = last - slots + 1;
        try {
            for (long sequence = first; sequence <= last; sequence++) {
                ring.get(sequence).request.command(command, callback, null);
            }
        } finally {
            ring.publish(first, last);
        }
        return true;
    }

    /**
     * Publishes a fixed-shape command as its fields. Claimed by hand: a translator would take the six primitive
     * fields as objects (boxing each long on the garbage-free path), or as a varargs array.
     */
    Result fields(Shard shard, SubmittedCommand.Form form, long orderId, long customer, long sku, int warehouse,
                  long quantity, OutcomeViewCallback callback, boolean wait) {
        RingBuffer<CommandSlot> ring = shard.ring();
        long sequence = claim(shard, wait);
        if (sequence < 0) {
            return sequence == NO_SLOT ? Result.RING_FULL : Result.ABANDONED;
        }
        try {
            ring.get(sequence).request.fields(form, orderId, customer, sku, warehouse, quantity, callback);
        } finally {
            ring.publish(sequence);
        }
        return Result.PUBLISHED;
    }

    /** Publishes a control slot (a snapshot, a digest, a barrier) whose answer completes {@code control}. */
    Result control(Shard shard, CommandSlot.Kind kind, CompletableFuture<Long> control) {
        RingBuffer<CommandSlot> ring = shard.ring();
        if (ring.tryPublishEvent(CONTROL, kind, control)) {
            return Result.PUBLISHED;
        }
        if (!mayWait(true)) {
            return Result.RING_FULL;
        }
        while (!ring.tryPublishEvent(CONTROL, kind, control)) {
            if (!awaitSpace(shard)) {
                return Result.ABANDONED;
            }
        }
        return Result.PUBLISHED;
    }

    /**
     * Publishes {@code command} in every ring, or in none, answered through {@code callback} (which collects the
     * shards' answers): for a caller that may not wait (a {@code trySubmit}, a stage thread). Claimed by hand: a
     * translator publishes in one ring, and this takes one slot of each before writing any, and fills the slots
     * it took with barriers when a later ring is full.
     *
     * @return {@code -1} when published everywhere, else the first shard whose ring was full
     */
    int allShards(RingBuffer<CommandSlot>[] rings, Command command, OutcomeViewCallback callback) {
        long[] claimed = new long[rings.length];
        for (int i = 0; i < rings.length; i++) {
            try {
                claimed[i] = rings[i].tryNext();
            } catch (InsufficientCapacityException full) {
                for (int j = 0; j < i; j++) {
                    rings[j].get(claimed[j]).request.control(CommandSlot.Kind.BARRIER, null);
                    rings[j].publish(claimed[j]);
                }
                return i;
            }
        }
        for (int i = 0; i < rings.length; i++) {
            rings[i].get(claimed[i]).request.command(command, callback, null);
            rings[i].publish(claimed[i]);
        }
        return -1;
    }

    /** What {@link #claim} returns when the ring was full and the caller may not wait. */
    private static final long NO_SLOT = -1;
    /** What {@link #claim} returns when a close that ran out of time ended the wait. */
    private static final long ABANDONED_SLOT = -2;

    /** Claims one slot by hand, waiting as the class says; {@link #NO_SLOT} or {@link #ABANDONED_SLOT} if none. */
    private long claim(Shard shard, boolean wait) {
        boolean mayWait = mayWait(wait);
        while (true) {
            try {
                return shard.ring().tryNext();
            } catch (InsufficientCapacityException full) {
                if (!mayWait) {
                    return NO_SLOT;
                }
                if (!awaitSpace(shard)) {
                    return ABANDONED_SLOT;
                }
            }
        }
    }

    /**
     * Waits for space in {@code shard}'s ring before the next try ({@link RingSpace#await}); {@code false} when a close
     * abandoned waiting publishers.
     */
    private boolean awaitSpace(Shard shard) {
        if (intake.abandoned()) {
            return false;
        }
        shard.space().await(shard.ring());
        return true;
    }

    /** As {@link #awaitSpace(Shard)}, woken once {@code slots} slots are free (a quarter of the ring at most). */
    private boolean awaitSpace(Shard shard, int slots) {
        if (intake.abandoned()) {
            return false;
        }
        shard.space().await(shard.ring(), slots);
        return true;
    }
}
