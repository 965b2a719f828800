package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.EventSink;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;

import java.util.List;
import java.util.function.LongFunction;

/**
 * Brings into the cache, a group of commands ahead, the places in the store that the decision stage is about to
 * read and write, so that their cache misses overlap instead of following one another.
 *
 * <p>A purchase decided against a large state misses the cache on its order id's slot in the order book, on its
 * product and stock position and, where the sku counts customers, on the customer's count: each a dependent
 * chain the processor waits out before the rules go on, so on one thread the misses come one after another and a
 * command costs their sum (JFR execution samples of {@code EngineBenchmark.decisionStageOnlyFields}: 80% in the
 * store's lookups, docs/performance.md). The lookups of different commands depend on nothing in each other, so
 * when the stage knows the commands after the one it decides (the ring holds them, published, for the whole
 * batch the Disruptor hands it) it first reads all their places for the next {@value #GROUP}, one after another:
 * the processor has those misses in flight at once, and the decisions that follow find their places in the
 * cache.
 *
 * <p>It reads only the slots of the batch being handled (from the one being decided to the batch's last), and
 * each of them once; a batch of one command reads nothing ahead, so at low rates nothing is added. It changes
 * nothing in the store or the slots and builds nothing, so the decisions are the same with it as without it.
 * Only the engine's {@link PrimitiveInventoryStore} is read ahead; with another store the stage runs without it.
 *
 * <p>A time command that forgets orders past the retention window is read ahead too, between its decision and the
 * applying of its events ({@link #beforeForgetting}): each forgotten order's id leaves the order index, and the ids
 * of orders that old lie in parts of the index nothing has read since they were stored. Applied one after another,
 * each removal waited for its slot before the next could start (JFR execution samples of
 * {@code DecisionStageBenchmark}, where a time command forgets as many orders as a batch buys: 8-14 % of the decision
 * thread's samples in those removals, docs/performance.md); read first, all of them at once, their misses overlap.
 */
final class WarmAhead {
    /** How many commands are read ahead at a time: enough misses to overlap, few enough to stay in the cache. */
    static final int GROUP = 16;

    private final LongFunction<CommandSlot> slots;
    private final PrimitiveInventoryStore store;
    /** The size of the batch about to start, from {@link #batchStarting}; 0 once its first sequence is known. */
    private long startingBatch;
    /** The last ring sequence of the batch being handled. */
    private long batchEnd = -1;
    /** The last ring sequence read ahead. */
    private long warmedTo = -1;
    /** What the reads returned, kept so that they are made. */
    private long kept;
    /** Reads the order index where each order a decided time command forgets lies. */
    private final ForgottenOrders forgotten = new ForgottenOrders();

    WarmAhead(LongFunction<CommandSlot> slots, PrimitiveInventoryStore store) {
        this.slots = slots;
        this.store = store;
    }

    /** The Disruptor is about to hand over a batch of {@code batchSize} slots. */
    void batchStarting(long batchSize) {
        startingBatch = batchSize;
    }

    /** The stage is about to decide the slot at {@code ringSequence}: reads the next group ahead when it is due. */
    void before(long ringSequence) {
        if (startingBatch > 0) {
            batchEnd = ringSequence + startingBatch - 1;
            startingBatch = 0;
        }
        if (ringSequence <= warmedTo || ringSequence >= batchEnd) {
            return;
        }
        long last = Math.min(ringSequence + GROUP - 1, batchEnd);
        long read = 0;
        for (long next = ringSequence; next <= last; next++) {
            read += warm(slots.apply(next).request);
        }
        kept += read;
        warmedTo = last;
    }

    /**
     * A time command was decided into {@code events} and they are about to be applied: reads the order index where
     * the orders they forget lie, one after another, before the removals that follow wait on each. The ids are
     * gathered first and then read in a loop of nothing else, so that the reads' misses are in flight together; an id
     * of the same run of the index's keys as the one before it ({@link SegmentedLongMap#sameRun}: the next id of a
     * counter) lies beside it, brought in by that read, and is not read again.
     */
    void beforeForgetting(EventBuffer events) {
        forgotten.count = 0;
        events.writeTo(forgotten);
        long[] ids = forgotten.ids;
        long read = 0;
        for (int i = 0; i < forgotten.count; i++) {
            if (i == 0 || !SegmentedLongMap.sameRun(ids[i], ids[i - 1])) {
                read += store.warmOrderIndex(ids[i]);
            }
        }
        kept += read;
    }

    /** What the reads returned, summed: nothing to act on; it keeps the reads from being left out. */
    long kept() {
        return kept;
    }

    private long warm(CommandSlot.Request request) {
        if (request.kind != CommandSlot.Kind.COMMAND) {
            return 0;
        }
        return switch (request.form) {
            case PURCHASE -> store.warmPurchase(request.orderId, request.customer, request.sku, request.warehouse);
            case CANCEL_PURCHASE, CONFIRM_RESERVATION, RELEASE_RESERVATION -> store.warmOrder(request.orderId);
            case RECORD -> warm(request.command);
        };
    }

    private long warm(Command command) {
        return switch (command) {
            case Command.Purchase c -> store.warmPurchase(c.orderId(), c.customer(), c.sku(), c.warehouse());
            case Command.PlaceOrder c -> store.warmOrder(c.orderId()) + warmLines(c.customer(), c.lines());
            case Command.Reserve c -> store.warmOrder(c.orderId()) + warmLines(c.customer(), c.lines());
            case Command.CancelPurchase c -> store.warmOrder(c.orderId());
            case Command.ConfirmReservation c -> store.warmOrder(c.orderId());
            case Command.ReleaseReservation c -> store.warmOrder(c.orderId());
            case null, default -> 0;
        };
    }

    private long warmLines(long customer, List<Line> lines) {
        long read = 0;
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            read += store.warmLine(customer, line.sku(), line.warehouse());
        }
        return read;
    }

    /** Gathers the ids of the {@code OrderForgotten} events it is handed; every other event it passes over. */
    private static final class ForgottenOrders implements EventSink {
        /** Room for the most orders one time command forgets. */
        final long[] ids = new long[Limits.MAX_FORGOTTEN_PER_COMMAND];
        int count;

        @Override
        public void orderForgotten(long orderId) {
            if (count < ids.length) {
                ids[count++] = orderId;
            }
        }

        @Override
        public void productListed(long sku, long perCustomerLimit, boolean countsCustomers) {
        }

        @Override
        public void stockReceived(long movementId, long sku, int warehouse, long quantity, long available,
                                  long fingerprint) {
        }

        @Override
        public void stockWrittenOff(long movementId, long sku, int warehouse, long quantity, long available,
                                    long fingerprint) {
        }

        @Override
        public void purchaseAccepted(long orderId, long customer, long fingerprint) {
        }

        @Override
        public void stockReserved(long orderId, long customer, long expiresAt, long fingerprint) {
        }

        @Override
        public void reservationConfirmed(long orderId) {
        }

        @Override
        public void reservationReleased(long orderId) {
        }

        @Override
        public void reservationExpired(long orderId) {
        }

        @Override
        public void purchaseCancelled(long orderId) {
        }

        @Override
        public void lineChange(long sku, int warehouse, long quantity, long available, long customerUnits) {
        }

        @Override
        public void commandHeld(long holdId, long at, Command command) {
        }

        @Override
        public void holdReleased(long holdId) {
        }

        @Override
        public void holdCancelled(long holdId) {
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
