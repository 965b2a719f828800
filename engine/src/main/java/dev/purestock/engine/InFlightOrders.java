package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.CancelHold;
import dev.purestock.domain.Command.ExpireReservations;
import dev.purestock.domain.Command.Hold;
import dev.purestock.domain.Command.PlaceOrder;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.Reserve;
import org.agrona.collections.Long2LongHashMap;

import java.util.List;

/**
 * The ids of the new orders and of the holds in flight in a sharded engine, each with the one shard its commands go
 * to: what closes the gap between routing a new order or hold and the read model recording it, which it does only
 * once the command is answered. A {@code Purchase}, {@code PlaceOrder} or {@code Reserve} (alone, in a batch, or held)
 * claims its order id for its shard as it is routed ({@link ShardRouter#claim}), before it is published, and so does
 * a {@code Hold} (alone or in a batch) its hold id, unless it cannot hold its command ({@link #claimsHoldId}): a claim
 * fails while another shard has the id in flight; one for the same shard counts up, so a repeat goes where the first
 * went and its domain decides it. Order ids and hold ids are apart, as in the domain. Each claim is let go exactly
 * once: by the shard's completion stage once the read model holds what the command did, before its caller is
 * answered, accepted or rejected; by a close that timed out, as it answers the slots the stages left; or by the
 * submitting thread for a command it did not publish (a full ring, an abandoned wait, a publication that threw),
 * before that caller is answered. A caller that has its answer so finds the id no longer in flight: free on any shard
 * unless its command made an order or hold of it. The two exceptions, where the engine takes no more commands anyway:
 * a shard whose read model failed keeps the claims of the commands it answers from then on, since the read model
 * records none of their orders; and a shard that stopped keeps the claims of the commands it fails, which may have
 * been made durable all the same, so that a restart may recover their orders on it. A {@code submitAll} whose
 * publication throws part way lets go of its whole run, those it may have published included: a claim let go of
 * early reopens the gap for that id for a moment, one never let go of would refuse the id on every other shard for
 * good; and since each let-go names the shard it claimed for, the one that comes too late finds nothing of its shard
 * left and never takes another shard's claim. Every command that may create an order or hold and is published to a
 * shard of a sharded engine was claimed, which is what lets the completion stage let go of a slot's claims by its
 * command alone.
 *
 * <p>The router also reads it ({@link #orderShard}, {@link #holdShard}): a cancel, confirm or release of an order, or
 * a cancel of a hold, that the read model does not have yet goes to the shard the command creating it is in flight
 * to, where it is published behind that command.
 *
 * <p>Garbage-free: the order ids live in {@link #STRIPES} agrona {@link Long2LongHashMap}s, the hold ids in as many,
 * each guarded by its own monitor and sized ahead for an even share of the rings' slots, an id's stripe taken from
 * the top bits of its hash (the maps probe by its bottom bits). An entry is the shard in its high half and the count
 * of claims in its low half; a map removes an entry by shifting its probe chain back, leaving no tombstone, so
 * claiming and letting go allocate nothing once a stripe holds as many ids as it ever will; reading an id's shard
 * allocates nothing either. With one shard the engine keeps none.
 */
final class InFlightOrders {
    /** How many independently locked maps the ids spread over: a power of two. */
    static final int STRIPES = 64;
    /** What {@link #claim(Command, int)} answers when one of the command's new order ids is another shard's. */
    static final int ORDER_ELSEWHERE = -1;
    /** What {@link #claim(Command, int)} answers when the id of the hold that is the command is another shard's. */
    static final int HOLD_ELSEWHERE = -2;
    private static final int STRIPE_SHIFT = Long.SIZE - Integer.numberOfTrailingZeros(STRIPES);
    private static final long FIBONACCI = 0x9E3779B97F4A7C15L;
    /** The value of an id in flight nowhere: no entry holds it, since its count of claims is at least one. */
    private static final long NONE = 0;
    private static final long ONE_CLAIM = 1;
    private static final long COUNT_MASK = 0xFFFF_FFFFL;
    private static final float LOAD_FACTOR = 0.65f;
    /** The largest capacity a stripe starts with (64 KiB of entries): beyond it, a stripe grows as ids come. */
    private static final int MOST_AHEAD = 4096;

    private final Long2LongHashMap[] orders = new Long2LongHashMap[STRIPES];
    private final Long2LongHashMap[] holds = new Long2LongHashMap[STRIPES];

    /**
     * A registry sized ahead for {@code expected} order ids, and as many hold ids, in flight at once (the slots of
     * every ring), up to {@link #MOST_AHEAD} a stripe.
     */
    InFlightOrders(int expected) {
        int perStripe = perStripe(expected);
        for (int i = 0; i < STRIPES; i++) {
            orders[i] = new Long2LongHashMap(perStripe, LOAD_FACTOR, NONE);
            holds[i] = new Long2LongHashMap(perStripe, LOAD_FACTOR, NONE);
        }
    }

    /** The ids a sharded engine may have in flight at once, each kind: the slots of its {@code shards} rings. */
    static int expected(int shards, int ringSize) {
        return (int) Math.min(Integer.MAX_VALUE, (long) shards * ringSize);
    }

    /** The capacity each stripe asks its map for, sized for {@code expected} ids in flight. */
    private static int perStripe(int expected) {
        return Math.clamp(2L * (expected / STRIPES), 8, MOST_AHEAD);
    }

    /**
     * The bytes of the arrays a registry sized for {@code expected} ids allocates as it is made ({@link HeapEstimate}):
     * each map's entries, a key and a value per slot, its capacity the power of two at or above what it was asked for.
     */
    static long presizedBytes(int expected) {
        long slots = Integer.highestOneBit(perStripe(expected) * 2 - 1);
        return 2L * STRIPES * slots * 2 * Long.BYTES;
    }

    /**
     * Claims for {@code shard} every new order id {@code command} carries (a batch's members', a held command's) and
     * the id of every hold it is or has in a batch that may hold a command ({@link #claimsHoldId}).
     *
     * @return how many ids it claimed (0: it carries none), or, when one is in flight to another shard, then with
     *     none claimed, {@link #HOLD_ELSEWHERE} when that is the hold id of a {@code command} that is a hold, and
     *     {@link #ORDER_ELSEWHERE} otherwise
     */
    int claim(Command command, int shard) {
        int claimed = claimEach(command, shard, false);
        if (claimed >= 0) {
            return claimed;
        }
        int before = -1 - claimed;
        releaseFirst(command, shard, before, false);
        return before == 0 && command instanceof Hold hold && claimsHoldId(hold) ? HOLD_ELSEWHERE : ORDER_ELSEWHERE;
    }

    /** Lets go of one claim for {@code shard} of each id {@code command} carries, as {@link #claim} took them. */
    void release(Command command, int shard) {
        releaseFirst(command, shard, Integer.MAX_VALUE, false);
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
        return claim(orders, orderId, shard);
    }

    /**
     * Lets go of one claim of {@code orderId} for {@code shard}; the last one removes the id. One for another shard,
     * or for an id in flight nowhere, is not this command's (its claim was let go of already) and stays.
     */
    void release(long orderId, int shard) {
        release(orders, orderId, shard);
    }

    /**
     * The shard a command creating order {@code orderId} is in flight to (claimed, not yet let go of), or {@code -1}:
     * where a command of that order goes while the read model does not have it yet.
     */
    int orderShard(long orderId) {
        return shard(orders, orderId);
    }

    /** The shard a hold with id {@code holdId} is in flight to, or {@code -1}: where a cancel of it goes meanwhile. */
    int holdShard(long holdId) {
        return shard(holds, holdId);
    }

    /**
     * Whether {@code hold} claims its hold id: whether it may hold its command, which neither is nor has in a batch a
     * hold, a cancel of one or the time command (those the domain answers {@code NOT_HOLDABLE}, holding nothing).
     * Allocates nothing.
     */
    static boolean claimsHoldId(Hold hold) {
        return holdable(hold.command());
    }

    private static boolean holdable(Command command) {
        return switch (command) {
            case Hold c -> false;
            case CancelHold c -> false;
            case ExpireReservations c -> false;
            case Batch c -> {
                List<Command> members = c.commands();
                boolean holdable = true;
                for (int i = 0; holdable && i < members.size(); i++) {
                    holdable = holdable(members.get(i));
                }
                yield holdable;
            }
            default -> true;
        };
    }

    private static boolean claim(Long2LongHashMap[] stripes, long id, int shard) {
        Long2LongHashMap ids = stripe(stripes, id);
        synchronized (ids) {
            long entry = ids.get(id);
            if (entry == NONE) {
                try {
                    ids.put(id, ((long) shard << Integer.SIZE) | ONE_CLAIM);
                } catch (Throwable e) {
                    // the map took the id in, then failed to grow (memory running out): not claimed after all
                    ids.remove(id);
                    throw e;
                }
                return true;
            }
            if ((int) (entry >>> Integer.SIZE) != shard) {
                return false;
            }
            ids.put(id, entry + ONE_CLAIM); // an id it holds: no growth
            return true;
        }
    }

    private static void release(Long2LongHashMap[] stripes, long id, int shard) {
        Long2LongHashMap ids = stripe(stripes, id);
        synchronized (ids) {
            long entry = ids.get(id);
            if (entry == NONE || (int) (entry >>> Integer.SIZE) != shard) {
                return;
            }
            if ((entry & COUNT_MASK) > ONE_CLAIM) {
                ids.put(id, entry - ONE_CLAIM);
            } else {
                ids.remove(id);
            }
        }
    }

    private static int shard(Long2LongHashMap[] stripes, long id) {
        Long2LongHashMap ids = stripe(stripes, id);
        synchronized (ids) {
            long entry = ids.get(id);
            return entry == NONE ? -1 : (int) (entry >>> Integer.SIZE);
        }
    }

    /** How many ids, order ids and hold ids, are in flight, for tests. */
    int size() {
        int size = 0;
        for (int i = 0; i < STRIPES; i++) {
            size += size(orders[i]) + size(holds[i]);
        }
        return size;
    }

    private static int size(Long2LongHashMap ids) {
        synchronized (ids) {
            return ids.size();
        }
    }

    private static Long2LongHashMap stripe(Long2LongHashMap[] stripes, long id) {
        return stripes[(int) ((id * FIBONACCI) >>> STRIPE_SHIFT)];
    }

    /**
     * Claims the ids of {@code command} in order (a hold's own id before those of its command), each level letting go
     * of what it claimed should a claim throw. {@code inHold}: the command is held, or in a held batch, so a hold in
     * it holds nothing and claims no id.
     *
     * @return how many it claimed, or {@code -1 - n} when the one after the first {@code n} (which stay claimed) is
     *     in flight to another shard
     */
    private int claimEach(Command command, int shard, boolean inHold) {
        return switch (command) {
            case Purchase c -> claim(orders, c.orderId(), shard) ? 1 : -1;
            case PlaceOrder c -> claim(orders, c.orderId(), shard) ? 1 : -1;
            case Reserve c -> claim(orders, c.orderId(), shard) ? 1 : -1;
            case Hold c -> inHold || !claimsHoldId(c) ? claimEach(c.command(), shard, true) : claimHold(c, shard);
            case Batch c -> claimMembers(c.commands(), shard, inHold);
            default -> 0;
        };
    }

    /** Claims the id of {@code hold}, which may hold its command, then the new order ids of its command. */
    private int claimHold(Hold hold, int shard) {
        if (!claim(holds, hold.holdId(), shard)) {
            return -1;
        }
        int held;
        try {
            held = claimEach(hold.command(), shard, true);
        } catch (Throwable e) {
            release(holds, hold.holdId(), shard);
            throw e;
        }
        return held < 0 ? held - 1 : held + 1;
    }

    private int claimMembers(List<Command> members, int shard, boolean inHold) {
        int claimed = 0;
        try {
            for (int i = 0; i < members.size(); i++) {
                int member = claimEach(members.get(i), shard, inHold);
                if (member < 0) {
                    return member - claimed;
                }
                claimed += member;
            }
        } catch (Throwable e) {
            for (int i = 0; claimed > 0 && i < members.size(); i++) {
                claimed = releaseFirst(members.get(i), shard, claimed, inHold);
            }
            throw e;
        }
        return claimed;
    }

    /**
     * Lets go of the claims for {@code shard} of the first {@code count} ids of {@code command}, in the order
     * {@link #claimEach} claims them.
     *
     * @return how many of {@code count} are left to let go of after this command's
     */
    private int releaseFirst(Command command, int shard, int count, boolean inHold) {
        if (count == 0) {
            return 0;
        }
        switch (command) {
            case Purchase c -> release(orders, c.orderId(), shard);
            case PlaceOrder c -> release(orders, c.orderId(), shard);
            case Reserve c -> release(orders, c.orderId(), shard);
            case Hold c -> {
                if (inHold || !claimsHoldId(c)) {
                    return releaseFirst(c.command(), shard, count, true);
                }
                release(holds, c.holdId(), shard);
                return releaseFirst(c.command(), shard, count - 1, true);
            }
            case Batch c -> {
                List<Command> members = c.commands();
                int left = count;
                for (int i = 0; left > 0 && i < members.size(); i++) {
                    left = releaseFirst(members.get(i), shard, left, inHold);
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
