package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.InventoryState;
import dev.purestock.domain.Line;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reservation's place among the reservations due costs no garbage: the engine's store schedules a reservation,
 * unschedules it when it is confirmed or released, and finds it due and unschedules it when it expires, with no
 * boxed id, key object or tree node per reservation. Through the decision, journal and completion stages (driven on
 * this thread over one ring, {@link StagesOnThisThread}), reserving and then confirming or releasing allocates less
 * than one object (16 bytes, the least an object takes) per reservation: the domain reads the facts of the order it
 * decides on and applies (its status, customer, expiry and lines) from the store's columns, with no {@link Order}
 * record built, so any object per reservation fails, while a table that grows now and then, spread over the
 * reservations, does not. There,
 * orders are taken and forgotten at the same rate: a time command every {@link #TIME_EVERY} reservations forgets
 * those past the retention window, and is counted with them. The commands are built before the count starts (they
 * are the caller's). The assertions are on bytes (the JVM's per-thread allocation counter), not time.
 */
class ReservationAllocationTest {
    private static final int WARMUP = 20_000;
    private static final int MEASURED = 20_000;
    /**
     * Live reservations the store holds throughout the store's tests: few enough that the map finding them by id
     * never fills a segment, which churn could split.
     */
    private static final int LIVE = 512;
    private static final int SKUS = 16;
    /** Reservations between two time commands; each advances the clock by one millisecond. */
    private static final int TIME_EVERY = 100;
    /**
     * Reservations made before the stages' count starts: enough for a time command in every slot of the ring, so
     * that each slot's event buffer has grown to what forgetting a time command's orders takes.
     */
    private static final int STAGES_WARMUP = 1_100 * TIME_EVERY;
    /** The retention window, in milliseconds of the test's clock: four time commands' worth of orders. */
    private static final long WINDOW = 4L * TIME_EVERY;
    /** The first order id: past the JVM's cache of boxed longs, so that boxing one would allocate. */
    private static final long FIRST_ORDER = 1_000_000;

    @Test
    void theStoreSchedulesAndUnschedulesAConfirmedOrReleasedReservationWithoutAllocating() {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore();
        long[] made = {0};
        double perReservation = StagesOnThisThread.bytesPerCall(WARMUP, MEASURED, () -> {
            long i = made[0]++;
            // as evolving a StockReserved and, LIVE reservations later, its ReservationConfirmed or Released does
            store.scheduleExpiry(FIRST_ORDER + i, sharedExpiry(i));
            if (i >= LIVE) {
                store.unscheduleExpiry(FIRST_ORDER + i - LIVE, sharedExpiry(i - LIVE));
            }
        });

        List<Long> due = dueOrders(store, Long.MAX_VALUE);
        assertEquals(LIVE, due.size(), "the live reservations are due, and only they");
        assertEquals(FIRST_ORDER + made[0] - LIVE, due.get(0), "the earliest first");
        assertNothing(perReservation, "scheduled and unscheduled in the store");
    }

    @Test
    void theStoreFindsAndUnschedulesDueReservationsWithoutAllocating() {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore();
        long[] now = {0};
        long[] found = new long[LIVE];
        int[] count = {0};
        InventoryState.DueVisitor collect = (orderId, expiresAt) -> {
            found[count[0]++] = orderId;
            return true;
        };
        double perReservation = StagesOnThisThread.bytesPerCall(WARMUP, MEASURED, () -> {
            // one reservation made and, as a time command does, the reservations due by now found and expired
            long i = now[0]++;
            store.scheduleExpiry(FIRST_ORDER + i, 1_000 + i + LIVE);
            count[0] = 0;
            store.forEachDue(1_000 + i, collect);
            for (int k = 0; k < count[0]; k++) {
                store.unscheduleExpiry(found[k], 1_000 + i);
            }
            if (i >= LIVE && (count[0] != 1 || found[0] != FIRST_ORDER + i - LIVE)) {
                throw new AssertionError("at " + i + ", " + count[0] + " due, the first " + found[0]);
            }
        });

        assertEquals(LIVE, dueOrders(store, Long.MAX_VALUE).size(), "the reservations not yet due are kept");
        assertNothing(perReservation, "scheduled, found due and unscheduled in the store");
    }

    @Test
    void reservingAndConfirmingAllocatesNothingPerReservation() {
        Reservations run = new Reservations();
        double perReservation = run.bytesPerReservation(Command.ConfirmReservation::new);

        run.assertEndedAs(OrderStatus.CONFIRMED);
        assertLessThanAnObject(perReservation, "reserved and confirmed");
    }

    @Test
    void reservingAndReleasingAllocatesNothingPerReservation() {
        Reservations run = new Reservations();
        double perReservation = run.bytesPerReservation(Command.ReleaseReservation::new);

        run.assertEndedAs(OrderStatus.RELEASED);
        assertLessThanAnObject(perReservation, "reserved and released");
    }

    @Test
    void reservingAndExpiringByTimeCommandsAllocatesNothingPerReservation() {
        Reservations run = new Reservations();
        double perReservation = run.bytesPerReservation(null);

        run.assertExpiredByTime();
        assertLessThanAnObject(perReservation, "reserved and expired by a time command");
    }

    /** When reservation {@code i} of the store's tests expires: four share each time, ordered by id. */
    private static long sharedExpiry(long i) {
        return 1_000 + i / 4;
    }

    private static List<Long> dueOrders(InventoryState store, long now) {
        List<Long> due = new ArrayList<>();
        store.forEachDue(now, (orderId, expiresAt) -> due.add(orderId));
        return due;
    }

    private static void assertNothing(double perReservation, String what) {
        assertTrue(perReservation < 1, perReservation + " bytes allocated per reservation " + what);
    }

    private static void assertLessThanAnObject(double perReservation, String what) {
        assertTrue(perReservation < 16, perReservation + " bytes allocated per reservation " + what
                + ": an object per reservation (16 bytes at least) is more than a table grown now and then");
    }

    /** Reservations of one unit each, through the stages, ended by a command before they expire or left to expire. */
    private static final class Reservations {
        /** How long a reservation left to expire lives: half the time between two time commands. */
        private static final long LIFETIME = TIME_EVERY / 2;
        private final StagesOnThisThread stages = new StagesOnThisThread(
                new StoreCapacity(2 * SKUS, 8 * TIME_EVERY, 8 * TIME_EVERY), SKUS);
        private final Command.ExpireReservations tick = new Command.ExpireReservations(WINDOW);
        private int made;

        /**
         * The bytes allocated per reservation made and then ended by {@code end} (applied to its order id) or, where
         * {@code end} is {@code null}, left to expire {@link #LIFETIME} milliseconds later, by a time command.
         */
        double bytesPerReservation(LongFunction<Command> end) {
            int count = STAGES_WARMUP + MEASURED;
            Command[] reserve = new Command[count];
            Command[] ending = new Command[count];
            for (int i = 0; i < count; i++) {
                long orderId = FIRST_ORDER + i;
                // the clock reads 2 + i when reservation i is made; an end comes long before it would expire
                reserve[i] = new Command.Reserve(orderId, 1 + i % 1000, List.of(new Line(i % SKUS, 0, 1)),
                        2 + i + (end == null ? LIFETIME : 10 * WINDOW));
                ending[i] = end == null ? null : end.apply(orderId);
            }
            return StagesOnThisThread.bytesPerCall(STAGES_WARMUP, MEASURED, () -> {
                int i = made++;
                stages.time.incrementAndGet();
                stages.submit(reserve[i]);
                if (ending[i] != null) {
                    stages.submit(ending[i]);
                }
                if (i % TIME_EVERY == TIME_EVERY - 1) {
                    stages.submit(tick);
                }
            });
        }

        /** Checks that every command was accepted and the reservations ended as {@code status}. */
        void assertEndedAs(OrderStatus status) {
            assertNull(stages.health.failure());
            assertEquals(0, stages.callback.refused, "every command is accepted");
            PrimitiveInventoryStore store = stages.store();
            long last = FIRST_ORDER + made - 1;
            assertEquals(status, store.order(last).status(), "reservation " + last);
            assertEquals(status, stages.readModel.orderStatus(last));
            assertNull(store.order(FIRST_ORDER), "the first reservation was forgotten");
            assertTrue(store.orderBook().size() <= WINDOW + 2 * TIME_EVERY, store.orderBook().size()
                    + " orders remembered: the time commands forget the orders past their window");
            assertEquals(List.of(), dueOrders(store, Long.MAX_VALUE), "no reservation is left due");
        }

        /** Checks that every command was accepted and the reservations due by the last time command expired. */
        void assertExpiredByTime() {
            assertNull(stages.health.failure());
            assertEquals(0, stages.callback.refused, "every command is accepted");
            PrimitiveInventoryStore store = stages.store();
            long expired = FIRST_ORDER + made - TIME_EVERY;
            assertEquals(OrderStatus.EXPIRED, store.order(expired).status(), "reservation " + expired);
            assertEquals(OrderStatus.EXPIRED, stages.readModel.orderStatus(expired));
            long live = FIRST_ORDER + made - 1;
            assertEquals(OrderStatus.RESERVED, store.order(live).status(), "reservation " + live);
            assertNull(store.order(FIRST_ORDER), "the first reservation was forgotten");
            assertTrue(store.orderBook().size() <= WINDOW + 2 * TIME_EVERY, store.orderBook().size()
                    + " orders remembered: the time commands forget the orders past their window");
            assertEquals(List.of(), dueOrders(store, stages.time.get()), "every reservation due by now expired");
        }
    }
}
