package dev.purestock.domain;

import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.Purchase;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deciding an atomic batch (a cart checkout: several purchases of different skus, all or nothing) allocates no more
 * than deciding its purchases one by one: the layer over the state that the batch's members are applied to, so that
 * each sees what the earlier ones did, is working room kept in the caller's {@link DecisionScratch} and holds
 * positions, customer counts, orders and their last changes without a boxed key, map node or record per entry. It
 * once took nine collections per batch and several objects per entry, about three kilobytes a checkout. A time command
 * that expires a reservation applies the expiry to such a layer too, and allocates nothing either.
 *
 * <p>The state is one whose reads allocate nothing ({@link FourSkus}), and it is not changed (the events are
 * decided, not applied), so every call decides the same commands against the same state. The bytes are counted on
 * this thread with the JVM's per-thread allocation counter; the assertion is on bytes, not time, and is under one
 * byte per batch, so that any allocation per batch (an object takes at least 16 bytes) fails it.
 */
class BatchAllocationTest {
    private static final int WARMUP = 50_000;
    private static final int MEASURED = 50_000;
    private static final int CUSTOMER = 7;
    private static final int RESERVER = 8;
    private static final long RESERVATION = 500;
    private static final Order RESERVED = new Order(RESERVATION, RESERVER, OrderStatus.RESERVED,
            List.of(new Line(1, 0, 2), new Line(2, 0, 1)), 5, 123);
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void anAtomicBatchOfFourPurchasesAllocatesNoMoreThanTheFourPurchasesDecidedAlone() {
        assertAllocationCounted();
        FourSkus store = new FourSkus();
        List<Command> cart = List.of(new Purchase(1_001, CUSTOMER, 1, 0, 1), new Purchase(1_002, CUSTOMER, 2, 0, 2),
                new Purchase(1_003, CUSTOMER, 3, 0, 1), new Purchase(1_004, CUSTOMER, 4, 0, 3));
        Batch checkout = new Batch(Batch.Mode.ATOMIC, cart);
        EventBuffer events = new EventBuffer();
        DecisionScratch scratch = new DecisionScratch();
        LongSupplier alone = () -> {
            long decided = 0;
            for (int i = 0; i < cart.size(); i++) {
                decided += decide(cart.get(i), store, events, scratch);
            }
            return decided;
        };
        LongSupplier together = () -> decide(checkout, store, events, scratch);
        assertEquals(4, together.getAsLong(), "the checkout is accepted whole");
        assertEquals(-1, events.firstRejection());

        long aloneBytes = bytes(alone);
        long togetherBytes = bytes(together);

        assertTrue(aloneBytes < MEASURED, aloneBytes + " bytes allocated deciding the purchases alone");
        assertTrue(togetherBytes < MEASURED, togetherBytes + " bytes allocated deciding " + MEASURED
                + " checkouts of four purchases as an atomic batch, " + aloneBytes + " deciding their purchases alone: "
                + (togetherBytes - aloneBytes) / MEASURED + " B more per batch");
    }

    @Test
    void aTimeCommandThatExpiresAReservationAllocatesNothing() {
        assertAllocationCounted();
        FourSkus state = new FourSkus();
        EventBuffer events = new EventBuffer();
        DecisionScratch scratch = new DecisionScratch();
        Command tick = new Command.ExpireReservations(Long.MAX_VALUE);
        LongSupplier expire = () -> decide(tick, state, events, scratch);
        assertEquals(1, expire.getAsLong());
        assertEquals(new Event.ReservationExpired(RESERVATION, List.of(new LineChange(1, 0, 2, 102, 3),
                new LineChange(2, 0, 1, 101, 4))), events.event(0));

        long bytes = bytes(expire);

        assertTrue(bytes < MEASURED, bytes + " bytes allocated by " + MEASURED + " time commands expiring a reservation: "
                + bytes / MEASURED + " B per time command");
    }

    /** Decides {@code command} without applying it (the state is left as it was); how many events it gave. */
    private static long decide(Command command, InventoryState state, EventBuffer events, DecisionScratch scratch) {
        events.clear();
        Inventory.decide(command, 10, state, events, scratch);
        return events.size();
    }

    /**
     * Skus 1 to 4, each with 100 units at warehouse 0, the even ones limited to 3 per customer and the odd ones
     * counted without a limit; one reservation ({@link #RESERVED}, due at 5) whose customer holds 5 units of every
     * sku; no movements or held commands. Its reads allocate nothing.
     */
    private static final class FourSkus implements InventoryState {
        @Override
        public Product product(long sku) {
            long limit = perCustomerLimit(sku);
            return limit == NOT_LISTED ? null : new Product(sku, limit);
        }

        @Override
        public long perCustomerLimit(long sku) {
            return sku < 1 || sku > 4 ? NOT_LISTED : sku % 2 == 0 ? 3 : 0;
        }

        @Override
        public long available(long sku, int warehouse) {
            return perCustomerLimit(sku) == NOT_LISTED || warehouse != 0 ? NO_POSITION : 100;
        }

        @Override
        public long customerUnits(long customer, long sku) {
            return customer == RESERVER ? 5 : 0;
        }

        /** The view {@link #orderLines} answers: the default makes one per call. */
        private final ListedLines lines = new ListedLines();

        @Override
        public Order order(long orderId) {
            return orderId == RESERVATION ? RESERVED : null;
        }

        @Override
        public OrderLines orderLines(long orderId) {
            return lines.of(order(orderId).lines());
        }

        @Override
        public long movement(long movementId) {
            return NO_MOVEMENT;
        }

        @Override
        public void forEachDue(long now, DueVisitor visitor) {
            if (RESERVED.expiresAt() <= now) {
                visitor.onDue(RESERVATION, RESERVED.expiresAt());
            }
        }

        @Override
        public void forEachByLastChange(LastChangeVisitor visitor) {
        }

        @Override
        public HeldCommand held(long holdId) {
            return null;
        }

        @Override
        public void forEachHeldDue(long now, HeldVisitor visitor) {
        }
    }

    /** The bytes {@link #MEASURED} calls of {@code call} allocate on this thread, after {@link #WARMUP} calls. */
    private static long bytes(LongSupplier call) {
        long sink = 0;
        for (int i = 0; i < WARMUP; i++) {
            sink += call.getAsLong();
        }
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < MEASURED; i++) {
            sink += call.getAsLong();
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertTrue(sink != Long.MIN_VALUE, "the calls' results are used");
        return allocated;
    }

    private static void assertAllocationCounted() {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
    }
}
