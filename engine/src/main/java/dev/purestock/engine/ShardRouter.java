package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.CancelHold;
import dev.purestock.domain.Command.CancelPurchase;
import dev.purestock.domain.Command.ConfirmReservation;
import dev.purestock.domain.Command.ExpireReservations;
import dev.purestock.domain.Command.Hold;
import dev.purestock.domain.Command.ListProduct;
import dev.purestock.domain.Command.PlaceOrder;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.ReceiveStock;
import dev.purestock.domain.Command.ReleaseReservation;
import dev.purestock.domain.Command.Reserve;
import dev.purestock.domain.Command.WriteOffStock;
import dev.purestock.domain.Line;

import java.util.List;

/**
 * Which shard a command goes to. Stock partitions by warehouse: warehouse {@code w} belongs to shard
 * {@code w % shards}.
 *
 * <ul>
 *   <li>{@code ReceiveStock}, {@code WriteOffStock}, {@code Purchase}: the shard of its warehouse.</li>
 *   <li>{@code PlaceOrder}, {@code Reserve}: the shard of its lines' warehouses; lines on different shards
 *       make the command {@link #CROSS_SHARD} (it is answered with
 *       {@link EngineRefusal#CROSS_SHARD} and never sequenced). An order without lines goes to
 *       shard 0, whose domain rejects it.</li>
 *   <li>{@code CancelPurchase}, {@code ConfirmReservation}, {@code ReleaseReservation}: the shard that
 *       accepted the order, as the {@link ReadModel} records it before the order's caller is answered, or else the
 *       shard a command creating the order is in flight to ({@link InFlightOrders}: published, not yet answered),
 *       where it lands behind that command; an order id no shard has accepted or has in flight goes to shard 0, whose
 *       domain answers {@code UNKNOWN_ORDER}.</li>
 *   <li>A {@code Purchase}, {@code PlaceOrder} or {@code Reserve} whose order id another shard has already
 *       accepted, or holds a command that creates it, is {@link #ID_ELSEWHERE} (answered with {@code ID_REUSED}):
 *       order ids are unique across shards; a hold of such an order is {@link #HELD_ID_ELSEWHERE}. So is one
 *       whose id a command in flight to another shard creates, which the read model has only once that command is
 *       answered: {@link #claim} claims a new order's id for its shard before the command is published, then looks
 *       at the read model ({@link InFlightOrders}), so two commands with one new id sent to different shards at once
 *       (from two threads, from one that does not wait for the first answer, or in one {@code submitAll}) have one
 *       of them refused; a second to the same shard goes there, whose domain decides the repeat.</li>
 *   <li>{@code ListProduct}, {@code ExpireReservations}: {@link #ALL} shards (each shard keeps its own
 *       products, so a per-customer limit holds per shard).</li>
 *   <li>{@code Hold}: the shard of the command it holds, a cancel, confirm or release of an order (alone or in a
 *       held batch) going also to the shard that holds a command creating that order, where the order will be when
 *       the held command falls due, or to which a command creating it is in flight (an order that no shard has, will
 *       create or has in flight when the hold is routed is not followed: its held command goes anywhere, as an unheld
 *       one does); a hold of a command for all shards is {@link #CROSS_SHARD}, and one whose hold id another shard
 *       holds, or has in flight, is {@link #ID_ELSEWHERE}: hold ids are unique across shards, and {@link #claim}
 *       claims a hold's id as it claims a new order's. {@code CancelHold}: the shard that holds the command, as the
 *       {@link ReadModel} records it, or else the shard a hold with that id is in flight to; an id no shard holds or
 *       has in flight goes to shard 0, whose domain answers {@code UNKNOWN_HOLD}.</li>
 *   <li>{@code Batch}: the one shard all its members route to (members free to go anywhere follow the
 *       others, an all-free batch goes to shard 0); members on different shards, or a member for all
 *       shards, make the batch {@link #CROSS_SHARD}.</li>
 * </ul>
 * What is in flight is the registry's: the read model, and so {@code orderStatus} and {@code heldCommand}, keep
 * answering only what was answered. The registry is read before the read model, and a command lets go of its claims
 * only after the read model took what it did, so a command of an order or hold routed after the command creating it
 * was published finds it in one or the other. Hence the ordering: from one thread, a new order's claim and
 * publication happen before a command of that order submitted next is routed (submitting returns once the command
 * is published), so that command lands behind it in the same ring and is decided after it, as with one shard; from a
 * thread racing the new order's publication, the command may still be routed first and sequenced before it, answered
 * {@code UNKNOWN_ORDER} ({@code UNKNOWN_HOLD}), as with one shard. One routed after a new order that was not
 * published, or that was refused or rejected, finds it nowhere, as one shard would.
 *
 * <p>With one shard every command goes to shard 0, nothing above is checked and nothing is claimed. Commands submitted
 * as fields (the garbage-free submit methods) follow the same rules: {@link #routePurchase}, {@link #claimPurchase}
 * and {@link #routeOrder}.
 */
final class ShardRouter {
    /** The command goes to every shard. */
    static final int ALL = -1;
    /** The command names warehouses of different shards. */
    static final int CROSS_SHARD = -2;
    /**
     * The command's order id belongs to an order another shard accepted, holds or ({@link #claim}) has in flight; or
     * the hold's id to a hold another shard holds or has in flight.
     */
    static final int ID_ELSEWHERE = -3;
    /** Inside a batch: the member may go to any shard. */
    private static final int ANY = -4;
    /** A hold whose held order's id belongs to an order another shard accepted or holds: named by that id. */
    static final int HELD_ID_ELSEWHERE = -5;

    private final int shards;
    private final ReadModel readModel;
    /** The new order ids and hold ids in flight; {@code null} with one shard, where nothing is claimed. */
    private final InFlightOrders inFlight;

    /** A router over {@code shards} shards, its registry of ids in flight sized for {@code slots} ring slots in all. */
    ShardRouter(int shards, ReadModel readModel, int slots) {
        this.shards = shards;
        this.readModel = readModel;
        this.inFlight = shards == 1 ? null : new InFlightOrders(slots);
    }

    /** The new order ids and hold ids in flight, which the completion stages let go of; {@code null} with one shard. */
    InFlightOrders inFlight() {
        return inFlight;
    }

    /** The shard of {@code warehouse}. */
    int shardOf(int warehouse) {
        return warehouse % shards;
    }

    /**
     * The shard of {@code command}, or {@link #ALL}, {@link #CROSS_SHARD}, {@link #ID_ELSEWHERE} or
     * {@link #HELD_ID_ELSEWHERE}.
     */
    int route(Command command) {
        if (shards == 1) {
            return 0;
        }
        int route = routeMember(command, false);
        return route == ANY ? 0 : route;
    }

    /**
     * The shard of a purchase given as its fields: what {@link #route} gives its record (the shard of
     * {@code warehouse}, or {@link #ID_ELSEWHERE}), with no record built.
     */
    int routePurchase(long orderId, int warehouse) {
        if (shards == 1) {
            return 0;
        }
        return newOrder(orderId, shardOf(warehouse));
    }

    /**
     * The shard of a command that names only an existing order ({@code CancelPurchase},
     * {@code ConfirmReservation}, {@code ReleaseReservation}) given as its order id: what {@link #route} gives
     * its record, with no record built.
     */
    int routeOrder(long orderId) {
        if (shards == 1) {
            return 0;
        }
        int route = existingOrder(orderId, false);
        return route == ANY ? 0 : route;
    }

    /**
     * Claims the new order ids and hold ids of {@code command}, which {@link #route} sent to {@code route}, for that
     * shard, before it is published ({@link InFlightOrders}): what closes the gap between routing a new order or hold
     * and the read model recording it. First the claim, which fails while another shard has one of the ids in flight,
     * then the read model, which may have recorded one on another shard since {@link #route} looked: a command routed
     * after the other shard's command let go of its claim finds the order, hold (or the command holding the order)
     * there. Either way the command is answered as {@link #route} answers an id another shard has: {@link
     * #ID_ELSEWHERE} (for a hold, when its own id is), in a batch {@link #CROSS_SHARD}, held {@link
     * #HELD_ID_ELSEWHERE}, and nothing stays claimed. With one shard, or a
     * {@code route} that is no shard, this is {@code route}. A command this returns a shard for must be published
     * there, or let go of ({@link #release(Command, int)}) before its caller is answered.
     */
    int claim(Command command, int route) {
        if (inFlight == null || route < 0) {
            return route;
        }
        int claimed = inFlight.claim(command, route);
        if (claimed == 0) {
            return route;
        }
        if (claimed < 0) {
            return elsewhere(command, claimed == InFlightOrders.HOLD_ELSEWHERE);
        }
        boolean holdIdElsewhere;
        boolean free;
        try {
            holdIdElsewhere = command instanceof Hold hold && InFlightOrders.claimsHoldId(hold)
                    && !holdFreeFor(hold.holdId(), route);
            free = !holdIdElsewhere && idsFreeFor(command, route, false);
        } catch (Throwable e) {
            inFlight.release(command, route);
            throw e;
        }
        if (!free) {
            inFlight.release(command, route);
            return elsewhere(command, holdIdElsewhere);
        }
        return route;
    }

    /** {@link #claim(Command, int)} for a purchase given as its fields, routed by {@link #routePurchase}. */
    int claimPurchase(long orderId, int route) {
        if (inFlight == null || route < 0) {
            return route;
        }
        if (!inFlight.claim(orderId, route)) {
            return ID_ELSEWHERE;
        }
        if (!freeFor(orderId, route)) {
            inFlight.release(orderId, route);
            return ID_ELSEWHERE;
        }
        return route;
    }

    /** Lets go of what {@link #claim(Command, int)} claimed for {@code route} for a command that was not published. */
    void release(Command command, int route) {
        if (inFlight != null) {
            inFlight.release(command, route);
        }
    }

    /** Lets go of what {@link #claimPurchase} claimed for {@code route} for a purchase that was not published. */
    void releasePurchase(long orderId, int route) {
        if (inFlight != null) {
            inFlight.release(orderId, route);
        }
    }

    /**
     * What {@link #route} answers for {@code command} when one of its ids is another shard's; {@code holdId}: the id
     * of the hold that {@code command} is.
     */
    private static int elsewhere(Command command, boolean holdId) {
        return switch (command) {
            case Batch c -> CROSS_SHARD;
            case Hold c -> holdId ? ID_ELSEWHERE : c.command() instanceof Batch ? CROSS_SHARD : HELD_ID_ELSEWHERE;
            default -> ID_ELSEWHERE;
        };
    }

    /**
     * Whether no shard but {@code shard} has an order, or holds a command creating one, of {@code command}'s new order
     * ids, nor holds a command under the id of a hold it is or has in a batch ({@code inHold}: it is held, where a
     * hold holds nothing).
     */
    private boolean idsFreeFor(Command command, int shard, boolean inHold) {
        return switch (command) {
            case Purchase c -> freeFor(c.orderId(), shard);
            case PlaceOrder c -> freeFor(c.orderId(), shard);
            case Reserve c -> freeFor(c.orderId(), shard);
            case Hold c -> (inHold || !InFlightOrders.claimsHoldId(c) || holdFreeFor(c.holdId(), shard))
                    && idsFreeFor(c.command(), shard, true);
            case Batch c -> {
                List<Command> members = c.commands();
                boolean free = true;
                for (int i = 0; free && i < members.size(); i++) {
                    free = idsFreeFor(members.get(i), shard, inHold);
                }
                yield free;
            }
            default -> true;
        };
    }

    private boolean holdFreeFor(long holdId, int shard) {
        int holder = readModel.holdShard(holdId);
        return holder < 0 || holder == shard;
    }

    private boolean freeFor(long orderId, int shard) {
        int holder = readModel.orderOrHeldOrderShard(orderId);
        return holder < 0 || holder == shard;
    }

    /**
     * The shard of {@code command}, or {@link #ANY} where it may go anywhere. {@code held}: the command is held (or in
     * a held batch), so it is decided later, and a command of an existing order goes where that order will be then,
     * which is also the shard holding a command that creates it.
     */
    private int routeMember(Command command, boolean held) {
        return switch (command) {
            case ReceiveStock c -> shardOf(c.warehouse());
            case WriteOffStock c -> shardOf(c.warehouse());
            case Purchase c -> newOrder(c.orderId(), shardOf(c.warehouse()));
            case PlaceOrder c -> newOrder(c.orderId(), lines(c.lines()));
            case Reserve c -> newOrder(c.orderId(), lines(c.lines()));
            case CancelPurchase c -> existingOrder(c.orderId(), held);
            case ConfirmReservation c -> existingOrder(c.orderId(), held);
            case ReleaseReservation c -> existingOrder(c.orderId(), held);
            case ListProduct c -> ALL;
            case ExpireReservations c -> ALL;
            case Batch c -> batch(c.commands(), held);
            case Hold c -> hold(c);
            case CancelHold c -> {
                int holder = holdShard(c.holdId());
                yield holder >= 0 ? holder : ANY;
            }
        };
    }

    /**
     * A hold goes where its command would, a command of an order also where a command held there will create the
     * order; a command for all shards cannot be held by one and makes the hold
     * {@link #CROSS_SHARD}. A hold id held on another shard makes it {@link #ID_ELSEWHERE}; a command that may go
     * anywhere goes to the shard that holds the id, whose domain decides the repeat (the same hold again, or
     * {@code ID_REUSED}), so that one hold id is never held on two shards.
     */
    private int hold(Hold hold) {
        if (holdsTimeCommand(hold.command())) {
            // not holdable on any shard: where one shard's domain says so (NOT_HOLDABLE), as with a single shard
            int holder = holdShard(hold.holdId());
            return holder >= 0 ? holder : ANY;
        }
        int route = routeMember(hold.command(), true);
        if (route == ALL) {
            return CROSS_SHARD;
        }
        if (route == ID_ELSEWHERE) {
            return HELD_ID_ELSEWHERE;
        }
        int holder = holdShard(hold.holdId());
        if (holder >= 0 && route == ANY) {
            return holder;
        }
        if (holder >= 0 && route >= 0 && holder != route) {
            return ID_ELSEWHERE;
        }
        return route;
    }

    /** Whether {@code command} is the time command or a batch holding one: what no shard may hold. */
    private static boolean holdsTimeCommand(Command command) {
        if (command instanceof Batch batch) {
            List<Command> members = batch.commands();
            for (int i = 0; i < members.size(); i++) {
                if (holdsTimeCommand(members.get(i))) {
                    return true;
                }
            }
            return false;
        }
        return command instanceof ExpireReservations;
    }

    private int lines(List<Line> lines) {
        int route = ANY;
        for (int i = 0; i < lines.size(); i++) {
            route = join(route, shardOf(lines.get(i).warehouse()));
        }
        return route;
    }

    private int newOrder(long orderId, int route) {
        int holder = readModel.orderOrHeldOrderShard(orderId);
        if (holder >= 0 && route >= 0 && holder != route) {
            return ID_ELSEWHERE;
        }
        return route;
    }

    /**
     * The shard that has the order; for a {@code held} command, also the shard holding a command that will create
     * it, where the order will be when the held command falls due; or else the shard a command creating it is in
     * flight to ({@link InFlightOrders}), where that command is published ahead of this one.
     */
    private int existingOrder(long orderId, boolean held) {
        // the registry first: a command it no longer has let go of its claim after the read model took its order
        int inFlightTo = inFlight.orderShard(orderId);
        int holder = held ? readModel.orderOrHeldOrderShard(orderId) : readModel.orderShard(orderId);
        if (holder < 0) {
            holder = inFlightTo;
        }
        return holder >= 0 ? holder : ANY;
    }

    /**
     * The shard that holds the command held under {@code holdId}, or else the shard a hold with that id is in flight
     * to, or {@code -1}.
     */
    private int holdShard(long holdId) {
        int inFlightTo = inFlight.holdShard(holdId); // first, as in existingOrder
        int holder = readModel.holdShard(holdId);
        return holder >= 0 ? holder : inFlightTo;
    }

    private int batch(List<Command> commands, boolean held) {
        int route = ANY;
        for (int i = 0; i < commands.size() && route != CROSS_SHARD; i++) {
            int member = routeMember(commands.get(i), held);
            route = member == ALL || member == ID_ELSEWHERE || member == HELD_ID_ELSEWHERE ? CROSS_SHARD
                    : join(route, member);
        }
        return route;
    }

    private static int join(int route, int member) {
        if (route == ANY) {
            return member;
        }
        if (member == ANY || member == route) {
            return route;
        }
        return CROSS_SHARD;
    }
}
