package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.DecidedEvents;
import dev.purestock.domain.Event;
import dev.purestock.domain.EventSink;
import dev.purestock.domain.HeldCommand;
import dev.purestock.domain.InventoryState;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Limits;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongConsumer;

/**
 * What other threads may ask while the engine runs: units available per sku and warehouse, the status
 * of an order, and how far each shard's answers have got. Safe to query from any thread, without locks.
 *
 * <p><b>How it is kept.</b> Each shard's completion stage applies a command's events here just before it
 * answers the caller, so a caller that has its outcome reads its own write. Stock positions live in one
 * {@link OrderStatusTable#valued valued} {@link OrderStatusTable} per shard: position key to units, written only
 * by that shard's completion thread with release stores (no boxing, no object per position, no allocation per
 * update) and probed by readers without locks and without allocating; a position's units are one {@code long}
 * read atomically, never another position's. A query for a position probes the table of its warehouse's shard
 * ({@link ShardRouter}: warehouse {@code w} belongs to shard {@code w % shards}), and the others only when that
 * one holds none. The table grows a segment at a time as positions appear; a reader probing the very segment
 * that splits at that moment starts its probe again. Order statuses live in one {@link OrderStatusTable} per
 * shard, written only by that shard's completion thread: a primitive
 * table of {@code long} ids and {@code byte} status codes that grows a segment at a time and that readers
 * probe without locks (its documentation says why a reader never sees a torn, misplaced or half-moved
 * entry). An accepted order costs about 19 bytes there and no object. A forgotten order (an
 * {@link Event.OrderForgotten}) leaves its shard's table, whose slot the next orders reuse; a query for it
 * answers {@code null}, as for an id never seen. A status query probes each shard's table in shard order;
 * order ids are unique across shards (see {@link ShardRouter}, which catches two commands with one new id in
 * flight to different shards too); should two shards hold orders of one id all the same (journals written before
 * it did), the lowest shard's order is the one answered. The commands a shard holds for later
 * live in one {@link OrderStatusTable#ofObjects object table} per shard, hold id to its {@link HeldCommand},
 * written only by that shard's completion thread and probed the same way: holding a command costs its record and
 * a slot, and no boxed id or map node; a hold id is looked up in shard order, as an order id is. A shard's
 * counter of its last sequence sits 128 bytes or more from the next shard's and from either end of their array, so
 * that one shard's completion thread never writes a cache line (or its prefetched pair) another shard's reads or
 * writes; it is set with a release store after the updates it counts, and read with a volatile read.
 *
 * <p><b>How stale it may be.</b> The read model trails the decision state by the commands in flight
 * between stage 1 and stage 3 of the ring (at most the ring size), and reflects exactly the commands up
 * to {@link #lastSequence(int)} once that shard is idle. Each value is read atomically, but there is no
 * snapshot across values: while a multi-line order is being applied a reader may see one line's position
 * updated and not yet the next. Positions only ever hold a value that the decision state held.
 */
public final class ReadModel {
    private static final OrderStatus[] STATUS_BY_CODE = statusByCode();
    /** Longs of room left before the first shard's counter: 128 bytes, a cache line and its prefetched pair. */
    static final int COUNTER_ROOM = 16;
    /**
     * Longs from one shard's counter to the next: the counter and 23 longs of room, so that 184 bytes lie between it
     * and the next shard's (or the end of the array), and no two shards' counters share a cache line or its
     * prefetched pair.
     */
    static final int SHARD_STRIDE = 24;
    /** Slots per segment of a shard's positions, as a power of two: 1,024 slots, 17 KiB. */
    static final int POSITION_SEGMENT_SHIFT = 10;

    private final OrderStatusTable[] positions;

    private final OrderStatusTable[] orders;
    /**
     * Per shard, its last sequence, {@link #SHARD_STRIDE} longs from one shard's to the next, with room before the
     * first and after the last ({@link #counter}): each is written once a command or more by its shard's completion
     * thread and read by other threads, and in one unpadded array the shards' entries shared a cache line, so that
     * each completion thread's writes took the line from the others'.
     */
    private final AtomicLongArray counters;
    /** Per shard, the commands it holds for later, by hold id. */
    private final OrderStatusTable[] held;
    /** Per shard, the ids of the orders that the commands it holds would create when they fall due. */
    private final OrderStatusTable[] heldOrders;

    ReadModel(int shards) {
        this(shards, 1, 1);
    }

    /** A read model whose order-status tables are sized ahead for {@code expectedOrders} orders per shard. */
    ReadModel(int shards, int expectedOrders) {
        this(shards, expectedOrders, 1);
    }

    /**
     * A read model sized ahead, per shard, for {@code expectedOrders} orders and {@code expectedPositions} stock
     * positions.
     */
    ReadModel(int shards, int expectedOrders, int expectedPositions) {
        positions = new OrderStatusTable[shards];
        counters = new AtomicLongArray(COUNTER_ROOM + shards * SHARD_STRIDE);
        orders = new OrderStatusTable[shards];
        heldOrders = new OrderStatusTable[shards];
        held = new OrderStatusTable[shards];
        for (int shard = 0; shard < shards; shard++) {
            counters.set(counter(shard), -1);
            orders[shard] = new OrderStatusTable(expectedOrders, OrderStatusTable.DEFAULT_SEGMENT_SHIFT);
            positions[shard] = OrderStatusTable.valued(expectedPositions, POSITION_SEGMENT_SHIFT);
            heldOrders[shard] = new OrderStatusTable(1, POSITION_SEGMENT_SHIFT);
            held[shard] = OrderStatusTable.ofObjects(1, POSITION_SEGMENT_SHIFT);
        }
    }

    /**
     * Where the last sequence of {@code shard} is in {@link #counters}: after {@link #COUNTER_ROOM} empty longs, which
     * keep the first shard's apart from whatever lies before the array, {@link #SHARD_STRIDE} longs per shard, whose
     * room after the counter keeps the last shard's apart from whatever follows it.
     */
    static int counter(int shard) {
        return COUNTER_ROOM + shard * SHARD_STRIDE;
    }

    /** How many longs the counters of {@code shards} shards take, their room at each end included. */
    int countersLength() {
        return counters.length();
    }

    private static OrderStatus[] statusByCode() {
        OrderStatus[] byCode = new OrderStatus[Byte.MAX_VALUE + 1];
        for (OrderStatus status : OrderStatus.values()) {
            byCode[status.code()] = status;
        }
        return byCode;
    }

    /**
     * Units of {@code sku} available at {@code warehouse} as of the last answered command, or
     * {@link InventoryState#NO_POSITION} when the position has never received stock.
     *
     * @throws IllegalArgumentException when {@code sku} or {@code warehouse} is outside its range
     *                                  ({@link Limits#MAX_SKU}, {@link Limits#MAX_WAREHOUSE}), with the message a
     *                                  command's constructor gives: positions are found by a key packed from both,
     *                                  which would name another sku's position
     */
    public long available(long sku, int warehouse) {
        Limits.checkPosition(sku, warehouse);
        long key = PrimitiveInventoryStore.positionKey(sku, warehouse);
        int home = warehouse % positions.length;
        long available = positions[home].value(key, InventoryState.NO_POSITION);
        // a shard's positions are its warehouses' (ShardRouter); the others are asked only for a position it lacks
        for (int shard = 0; available == InventoryState.NO_POSITION && shard < positions.length; shard++) {
            if (shard != home) {
                available = positions[shard].value(key, InventoryState.NO_POSITION);
            }
        }
        return available;
    }


    /**
     * The status of the order as of the last answered command, or {@code null} when no order has that id (none
     * was accepted, or it was forgotten).
     */
    public OrderStatus orderStatus(long orderId) {
        for (OrderStatusTable shardOrders : orders) {
            byte code = shardOrders.status(orderId);
            if (code != OrderStatusTable.ABSENT) {
                return STATUS_BY_CODE[code];
            }
        }
        return null;
    }

    /**
     * The sequence of the last command {@code shard} answered ({@code -1} before the first one this run,
     * or the last recovered one). Every value read after this one reflects at least that command. If updating
     * the read model ever fails (the shard then stops, see {@code PurestockEngine.failure()}), it stays at the last
     * command applied here, which may be short of the last one answered.
     *
     * @throws IllegalArgumentException when the engine has no shard {@code shard}
     */
    public long lastSequence(int shard) {
        if (shard < 0 || shard >= orders.length) {
            throw new IllegalArgumentException("shard " + shard + " is outside 0.." + (orders.length - 1));
        }
        return counters.get(counter(shard));
    }

    /**
     * The command held for later under {@code holdId} ({@link dev.purestock.domain.Command.Hold}) as of the
     * last answered commands, or {@code null} when none is (never held, or already decided or cancelled).
     */
    public HeldCommand heldCommand(long holdId) {
        for (OrderStatusTable shardHeld : held) {
            Object command = shardHeld.object(holdId);
            if (command != null) {
                return (HeldCommand) command;
            }
        }
        return null;
    }

    /** Every command held for later, as of the last answered commands, by the time it is due and then its id. */
    public List<HeldCommand> heldCommands() {
        List<HeldCommand> commands = new ArrayList<>();
        for (OrderStatusTable shardHeld : held) {
            shardHeld.forEachObject(command -> commands.add((HeldCommand) command));
        }
        commands.sort(Comparator.comparingLong(HeldCommand::at).thenComparingLong(HeldCommand::holdId));
        return List.copyOf(commands);
    }

    /**
     * The shard that holds the command held under {@code holdId}, or {@code -1} when none is (the lowest such shard,
     * should two shards hold one hold id all the same: journals written before the router kept the hold ids in
     * flight, {@link InFlightOrders}). Allocates nothing.
     */
    int holdShard(long holdId) {
        for (int shard = 0; shard < held.length; shard++) {
            if (held[shard].status(holdId) != OrderStatusTable.ABSENT) {
                return shard;
            }
        }
        return -1;
    }

    /** The shard that holds the order, or {@code -1} when no order has that id. */
    int orderShard(long orderId) {
        for (int shard = 0; shard < orders.length; shard++) {
            if (orders[shard].status(orderId) != OrderStatusTable.ABSENT) {
                return shard;
            }
        }
        return -1;
    }

    /**
     * The shard that holds the order, or else a shard holding a command that creates it when it falls due (a held
     * {@code Purchase}, {@code PlaceOrder} or {@code Reserve}, alone or in a held batch), or {@code -1}: where a
     * new order under that id must go, so that one id never names orders of two shards, and where a held command of
     * that order goes, to find it when it falls due. The held orders are read first: a held order that falls due
     * enters the orders before it leaves the held ones ({@link Writer}), so an id read as gone from the held orders
     * is then found among the orders; read the other way round, an order falling due between the two reads was found
     * in neither, and a new order with its id was let onto another shard. Allocates nothing.
     */
    int orderOrHeldOrderShard(long orderId) {
        int heldBy = -1;
        for (int shard = 0; heldBy < 0 && shard < heldOrders.length; shard++) {
            if (heldOrders[shard].status(orderId) != OrderStatusTable.ABSENT) {
                heldBy = shard;
            }
        }
        int holder = orderShard(orderId);
        return holder >= 0 ? holder : heldBy;
    }

    /**
     * Calls {@code visitor} with the id of each order {@code command} creates, those of a batch's members too.
     * Allocates nothing.
     */
    private static void forEachNewOrder(Command command, LongConsumer visitor) {
        switch (command) {
            case Command.Purchase c -> visitor.accept(c.orderId());
            case Command.PlaceOrder c -> visitor.accept(c.orderId());
            case Command.Reserve c -> visitor.accept(c.orderId());
            case Command.Batch c -> {
                List<Command> members = c.commands();
                for (int i = 0; i < members.size(); i++) {
                    forEachNewOrder(members.get(i), visitor);
                }
            }
            default -> {
            }
        }
    }

    /** The updater for one shard; only that shard's completion thread may use it. */
    Writer writer(int shard) {
        return new Writer(shard);
    }

    /** What the completion stage hands each command's events to: a shard's {@link Writer}. */
    interface Updater {
        /** Applies the events of command {@code sequence}, read where the decision stage left them. */
        void apply(long sequence, DecidedEvents events);
    }

    /** Applies one shard's events. Single-threaded: the shard's completion thread (or the builder). */
    final class Writer implements Updater {
        private final int shard;
        private final EventSink applier = new Applier();
        /** How many of the commands this shard holds create each order id in {@link #heldOrders}: this thread's. */
        private final SegmentedLongMap heldOrderCounts = new SegmentedLongMap(0, 1, POSITION_SEGMENT_SHIFT);
        /** The holds released by the command being applied, whose order ids are let go once its events are in. */
        private final List<HeldCommand> released = new ArrayList<>();
        /** {@link #holdOrder} and {@link #unholdOrder}, made once: a method reference made per hold is garbage. */
        private final LongConsumer holdOrder = this::holdOrder;
        private final LongConsumer unholdOrder = this::unholdOrder;

        private Writer(int shard) {
            this.shard = shard;
        }

        /** Loads a recovered store: every position and order, and the sequence it ends at. */
        void seed(InventoryStore store, long lastSequenceIncluded) {
            store.forEachPosition(this::position);
            store.forEachOrder(order -> status(order.orderId(), order.status()));
            store.forEachHeld(command -> {
                held[shard].putObject(command.holdId(), command);
                forEachNewOrder(command.command(), holdOrder);
            });
            counters.set(counter(shard), lastSequenceIncluded);
        }

        /** Applies one command's events, read where the decision stage left them; allocates nothing. */
        @Override
        public void apply(long sequence, DecidedEvents events) {
            events.writeTo(applier);
            letReleasedOrdersGo();
            counters.lazySet(counter(shard), sequence);
        }

        /** Applies one command's events given as records, through the same updates as the primitive form. */
        void apply(long sequence, List<Event> events) {
            for (int i = 0; i < events.size(); i++) {
                applier.write(events.get(i));
            }
            letReleasedOrdersGo();
            counters.lazySet(counter(shard), sequence);
        }

        /**
         * Lets go of the order ids of the holds the command released, after its events: a released command's new
         * order is then in {@link #orders} before its id leaves {@link #heldOrders}, so a router never sees neither.
         */
        private void letReleasedOrdersGo() {
            for (int i = 0; i < released.size(); i++) {
                forEachNewOrder(released.get(i).command(), unholdOrder);
            }
            released.clear();
        }

        private void holdOrder(long orderId) {
            if (heldOrderCounts.put(orderId, heldOrderCounts.get(orderId) + 1) == 0) {
                heldOrders[shard].put(orderId, OrderStatusTable.PRESENT);
            }
        }

        private void unholdOrder(long orderId) {
            long count = heldOrderCounts.get(orderId);
            if (count > 1) {
                heldOrderCounts.put(orderId, count - 1);
            } else if (count == 1) {
                heldOrderCounts.remove(orderId);
                heldOrders[shard].remove(orderId);
            }
        }

        private void position(long sku, int warehouse, long available) {
            positions[shard].putValue(PrimitiveInventoryStore.positionKey(sku, warehouse), available);
        }

        private void status(long orderId, OrderStatus status) {
            orders[shard].put(orderId, (byte) status.code());
        }

        /** The read model's updates for each event, in the primitive form decisions are written in. */
        private final class Applier implements EventSink {
            @Override
            public void productListed(long sku, long perCustomerLimit, boolean countsCustomers) {
            }

            @Override
            public void stockReceived(long movementId, long sku, int warehouse, long quantity, long available,
                                      long fingerprint) {
                position(sku, warehouse, available);
            }

            @Override
            public void stockWrittenOff(long movementId, long sku, int warehouse, long quantity, long available,
                                        long fingerprint) {
                position(sku, warehouse, available);
            }

            @Override
            public void purchaseAccepted(long orderId, long customer, long fingerprint) {
                status(orderId, OrderStatus.PURCHASED);
            }

            @Override
            public void stockReserved(long orderId, long customer, long expiresAt, long fingerprint) {
                status(orderId, OrderStatus.RESERVED);
            }

            @Override
            public void reservationConfirmed(long orderId) {
                status(orderId, OrderStatus.CONFIRMED);
            }

            @Override
            public void reservationReleased(long orderId) {
                status(orderId, OrderStatus.RELEASED);
            }

            @Override
            public void reservationExpired(long orderId) {
                status(orderId, OrderStatus.EXPIRED);
            }

            @Override
            public void purchaseCancelled(long orderId) {
                status(orderId, OrderStatus.CANCELLED);
            }

            @Override
            public void lineChange(long sku, int warehouse, long quantity, long available, long customerUnits) {
                position(sku, warehouse, available);
            }

            @Override
            public void orderForgotten(long orderId) {
                orders[shard].remove(orderId);
            }

            @Override
            public void commandHeld(long holdId, long at, Command command) {
                held[shard].putObject(holdId, new HeldCommand(holdId, at, command));
                forEachNewOrder(command, holdOrder);
            }

            @Override
            public void holdReleased(long holdId) {
                letGo(holdId);
            }

            @Override
            public void holdCancelled(long holdId) {
                letGo(holdId);
            }

            /** Takes the hold out of this shard's table; its order ids go once the command's events are in. */
            private void letGo(long holdId) {
                Object command = held[shard].object(holdId);
                if (command != null) {
                    held[shard].remove(holdId);
                    released.add((HeldCommand) command);
                }
            }

            @Override
            public void alreadyApplied(long id) {
            }

            @Override
            public void rejected(RejectionReason reason, long ref) {
            }

            @Override
            public void batchAborted(int index, Reason reason, long ref) {
            }
        }
    }
}
