package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Line;

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
}
