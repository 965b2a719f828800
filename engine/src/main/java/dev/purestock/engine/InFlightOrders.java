package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.Hold;
import dev.purestock.domain.Command.PlaceOrder;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.Reserve;
import org.agrona.collections.Long2LongHashMap;

import java.util.List;

/**
 * The ids of the new orders in flight in a sharded engine, each with the one shard its commands go to: what closes
 * the gap between routing a new order and the read model recording it, which it does only once the order's command
 * is answered. A {@code Purchase}, {@code PlaceOrder} or {@code Reserve} (alone, in a batch, or held) claims its order
 * id for its shard as it is routed ({@link ShardRouter#claim}), before it is published: a claim fails while another
 * shard has the id in flight; one for the same shard counts up, so a repeat goes where the first went and its domain
 * decides it. Each claim is let go exactly once: by the shard's completion stage once the read model holds what the
 * command did, before its caller is answered, whatever the answer (accepted, rejected, failed with the shard); by a
 * close that timed out, as it answers the slots the stages left; or by the submitting thread for a command it did not
 * publish (a full ring, an abandoned wait, a publication that threw), before that caller is answered. A caller that
 * has its answer so finds the id no longer in flight: free on any shard unless its command made an order of it. A
 * {@code submitAll} whose publication throws part way lets go of its whole run, those it may have published
 * included: a claim let go of early reopens the gap for that id for a moment, one never let go of would refuse the id
 * on every other shard for good; and since each let-go names the shard it claimed for, the one that comes too late
 * finds nothing of its shard left and never takes another shard's claim. Every command that may create an order and is
 * published to a shard of a sharded engine was claimed, which is what lets the completion stage let go of a slot's
 * claims by its command alone.
 *
 * <p>Garbage-free: the ids live in {@link #STRIPES} agrona {@link Long2LongHashMap}s, each guarded by its own monitor
 * and sized ahead for an even share of the rings' slots, an id's stripe taken from the top bits of its hash (the maps
 * probe by its bottom bits). An entry is the shard in its high half and the count of claims in its low half; a map
 * removes an entry by shifting its probe chain back, leaving no tombstone, so claiming and letting go allocate
 * nothing once a stripe holds as many ids as it ever will. With one shard the engine keeps none.
 */
final class InFlightOrders {
    /** How many independently locked maps the ids spread over: a power of two. */
    static final int STRIPES = 64;
    private static final int STRIPE_SHIFT = Long.SIZE - Integer.numberOfTrailingZeros(STRIPES);
    private static final long FIBONACCI = 0x9E3779B97F4A7C15L;
    /** The value of an id in flight nowhere: no entry holds it, since its count of claims is at least one. */
    private static final long NONE = 0;
    private static final long ONE_CLAIM = 1;
    private static final long COUNT_MASK = 0xFFFF_FFFFL;
    private static final float LOAD_FACTOR = 0.65f;
    /** The largest capacity a stripe starts with (64 KiB of entries): beyond it, a stripe grows as ids come. */
    private static final int MOST_AHEAD = 4096;

    private final Long2LongHashMap[] stripes = new Long2LongHashMap[STRIPES];

    /**
     * A registry sized ahead for {@code expected} ids in flight at once (the slots of every ring), up to
     * {@link #MOST_AHEAD} a stripe.
     */
    InFlightOrders(int expected) {
        int perStripe = Math.clamp(2L * (expected / STRIPES), 8, MOST_AHEAD);
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Long2LongHashMap(perStripe, LOAD_FACTOR, NONE);
        }
    }

    /**
     * Claims every new order id {@code command} carries (a batch's members', a held command's) for {@code shard}.
     *
     * @return how many it claimed (0: none carries one), or {@code -1} when one is in flight to another shard; then
     *     none is claimed
     */
    int claim(Command command, int shard) {
        int claimed = claimEach(command, shard);
        if (claimed >= 0) {
            return claimed;
        }
        releaseFirst(command, shard, -1 - claimed);
        return -1;
    }

    /** Lets go of one claim for {@code shard} of each new order id {@code command} carries, as {@link #claim} took. */
    void release(Command command, int shard) {
        releaseFirst(command, shard, Integer.MAX_VALUE);
    }

    /**
     * Lets go of the claims of the command in {@code request}, published to {@code shard}: its record's, or a
     * purchase's given as fields.
     */
    void release(CommandSlot.Request request, int shard) {
        switch (request.form) {
            case RECORD -> release(request.command, shard);
            case PURCHASE -> release(request.orderId, shard);
            case CANCEL_PURCHASE, CONFIRM_RESERVATION, RELEASE_RESERVATION -> {
            }
        }
    }

    /**
     * Claims {@code orderId} for {@code shard}: counts one more claim when no shard or {@code shard} has it in
     * flight; {@code false}, changing nothing, when another shard has.
     */
    boolean claim(long orderId, int shard) {
        Long2LongHashMap ids = stripe(orderId);
        synchronized (ids) {
            long entry = ids.get(orderId);
            if (entry == NONE) {
                try {
                    ids.put(orderId, ((long) shard << Integer.SIZE) | ONE_CLAIM);
                } catch (Throwable e) {
                    // the map took the id in, then failed to grow (memory running out): not claimed after all
                    ids.remove(orderId);
                    throw e;
                }
                return true;
            }
            if ((int) (entry >>> Integer.SIZE) != shard) {
                return false;
            }
            ids.put(orderId, entry + ONE_CLAIM); // an id it holds: no growth
            return true;
        }
    }

    /**
     * Lets go of one claim of {@code orderId} for {@code shard}; the last one removes the id. One for another shard,
     * or for an id in flight nowhere, is not this command's (its claim was let go of already) and stays.
     */
    void release(long orderId, int shard) {
        Long2LongHashMap ids = stripe(orderId);
        synchronized (ids) {
            long entry = ids.get(orderId);
            if (entry == NONE || (int) (entry >>> Integer.SIZE) != shard) {
                return;
            }
            if ((entry & COUNT_MASK) > ONE_CLAIM) {
                ids.put(orderId, entry - ONE_CLAIM);
            } else {
                ids.remove(orderId);
            }
        }
    }

    /** How many ids are in flight, for tests. */
    int size() {
        int size = 0;
        for (Long2LongHashMap ids : stripes) {
            synchronized (ids) {
                size += ids.size();
            }
        }
        return size;
    }

    private Long2LongHashMap stripe(long orderId) {
        return stripes[(int) ((orderId * FIBONACCI) >>> STRIPE_SHIFT)];
    }

    /**
     * Claims the new order ids of {@code command} in order, each level letting go of what it claimed should a claim
     * throw.
     *
     * @return how many it claimed, or {@code -1 - n} when the one after the first {@code n} (which stay claimed) is
     *     in flight to another shard
     */
    private int claimEach(Command command, int shard) {
        return switch (command) {
            case Purchase c -> claim(c.orderId(), shard) ? 1 : -1;
            case PlaceOrder c -> claim(c.orderId(), shard) ? 1 : -1;
            case Reserve c -> claim(c.orderId(), shard) ? 1 : -1;
            case Hold c -> claimEach(c.command(), shard);
            case Batch c -> claimMembers(c.commands(), shard);
            default -> 0;
        };
    }

    private int claimMembers(List<Command> members, int shard) {
        int claimed = 0;
        try {
            for (int i = 0; i < members.size(); i++) {
                int member = claimEach(members.get(i), shard);
                if (member < 0) {
                    return member - claimed;
                }
                claimed += member;
            }
        } catch (Throwable e) {
            for (int i = 0; claimed > 0 && i < members.size(); i++) {
                claimed = releaseFirst(members.get(i), shard, claimed);
            }
            throw e;
        }
        return claimed;
    }

    /**
     * Lets go of the claims for {@code shard} of the first {@code count} new order ids of {@code command}, in the order
     * {@link #claimEach} claims them.
     *
     * @return how many of {@code count} are left to let go of after this command's
     */
    private int releaseFirst(Command command, int shard, int count) {
        if (count == 0) {
            return 0;
        }
        switch (command) {
            case Purchase c -> release(c.orderId(), shard);
            case PlaceOrder c -> release(c.orderId(), shard);
            case Reserve c -> release(c.orderId(), shard);
            case Hold c -> {
                return releaseFirst(c.command(), shard, count);
            }
            case Batch c -> {
                List<Command> members = c.commands();
                int left = count;
                for (int i = 0; left > 0 && i < members.size(); i++) {
                    left = releaseFirst(members.get(i), shard, left);
                }
                return left;
            }
            default -> {
                return count;
            }
        }
        return count - 1;
    }
}
