package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Line;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry of new order ids and hold ids in flight: a claim holds an id for one shard, counted per claim, so that
 * the last one let go of frees it; a command whose ids cannot all be claimed claims none; a hold claims its own id
 * only when it may hold its command; and claiming and letting go, by record or as a purchase's fields, and routing a
 * cancel by what is in flight, allocates nothing once warm (the JVM's per-thread allocation counter; the assertion is
 * on bytes, under one per command, so that any object per command fails it, not on time).
 */
class InFlightOrdersTest {
    private static final int WARMUP = 50_000;
    private static final int MEASURED = 50_000;
    /** The first order id: past the JVM's cache of boxed longs, so that boxing one would allocate. */
    private static final long FIRST_ORDER = 1_000_000;

    @Test
    void anIdIsOneShardsUntilItsLastClaimIsLetGo() {
        InFlightOrders inFlight = new InFlightOrders(64);
        assertTrue(inFlight.claim(7, 0));
        assertFalse(inFlight.claim(7, 1), "in flight to shard 0");
        assertTrue(inFlight.claim(7, 0), "a repeat to the same shard");
        inFlight.release(7, 0);
        assertFalse(inFlight.claim(7, 1), "one claim left");
        inFlight.release(7, 0);
        assertEquals(0, inFlight.size());
        assertTrue(inFlight.claim(7, 1), "free once the last claim is let go of");
        inFlight.release(7, 0);
        assertFalse(inFlight.claim(7, 0), "a late release for shard 0 leaves shard 1's claim alone");
        inFlight.release(7, 1);
        inFlight.release(7, 1);
        assertEquals(0, inFlight.size(), "letting go of an id no shard claims changes nothing");
    }

    @Test
    void aCommandWithOneIdInFlightElsewhereClaimsNoneOfItsIds() {
        InFlightOrders inFlight = new InFlightOrders(64);
        assertTrue(inFlight.claim(8, 1));
        Command batch = new Command.Batch(Command.Batch.Mode.ATOMIC, List.of(
                new Command.Purchase(9, 1, 1, 0, 1),
                new Command.Batch(Command.Batch.Mode.INDEPENDENT, List.of(
                        new Command.Hold(1, 10, new Command.PlaceOrder(10, 1, List.of(new Line(1, 0, 1)))),
                        new Command.ReceiveStock(1, 1, 0, 5))),
                new Command.Reserve(8, 1, List.of(new Line(1, 0, 1)), 100),
                new Command.Purchase(11, 1, 1, 0, 1)));

        assertEquals(-1, inFlight.claim(batch, 0));
        assertEquals(1, inFlight.size(), "only shard 1's id");

        inFlight.release(8, 1);
        assertEquals(5, inFlight.claim(batch, 0), "four order ids and the hold's id");
        assertEquals(5, inFlight.size());
        inFlight.release(batch, 0);
        assertEquals(0, inFlight.size());
    }

    @Test
    void aHoldClaimsItsIdAndItsOrdersIdsButNoHoldItHolds() {
        InFlightOrders inFlight = new InFlightOrders(64);
        Command hold = new Command.Hold(5, 10, new Command.Purchase(7, 1, 1, 0, 1));
        assertEquals(2, inFlight.claim(hold, 0));
        assertEquals(0, inFlight.holdShard(5));
        assertEquals(0, inFlight.orderShard(7));
        assertEquals(-1, inFlight.orderShard(5), "hold ids and order ids are apart");
        assertEquals(-1, inFlight.holdShard(7));

        assertEquals(InFlightOrders.HOLD_ELSEWHERE, inFlight.claim(new Command.Hold(5, 10,
                new Command.Purchase(8, 1, 1, 1, 1)), 1));
        assertEquals(InFlightOrders.ORDER_ELSEWHERE, inFlight.claim(new Command.Hold(6, 10,
                new Command.Purchase(7, 1, 1, 1, 1)), 1));
        assertEquals(InFlightOrders.ORDER_ELSEWHERE, inFlight.claim(new Command.Batch(Command.Batch.Mode.ATOMIC,
                List.of(new Command.Hold(5, 10, new Command.Purchase(8, 1, 1, 1, 1)))), 1), "a hold in a batch");
        assertEquals(2, inFlight.size(), "none of the refused commands' ids");
        assertEquals(-1, inFlight.holdShard(6));

        Command unholdable = new Command.Hold(6, 10, new Command.Batch(Command.Batch.Mode.ATOMIC, List.of(
                new Command.Purchase(9, 1, 1, 1, 1), new Command.ExpireReservations())));
        Command holdOfAHold = new Command.Hold(6, 10, new Command.Hold(11, 10, new Command.Purchase(12, 1, 1, 1, 1)));
        assertEquals(1, inFlight.claim(unholdable, 1), "a hold that holds nothing claims no hold id");
        assertEquals(1, inFlight.claim(holdOfAHold, 1), "nor one held");
        assertEquals(-1, inFlight.holdShard(6));
        assertEquals(-1, inFlight.holdShard(11));
        assertEquals(1, inFlight.orderShard(12));

        inFlight.release(hold, 0);
        inFlight.release(unholdable, 1);
        inFlight.release(holdOfAHold, 1);
        assertEquals(0, inFlight.size());
    }

    @Test
    void claimingAndLettingGoOfANewOrderAllocatesNothing() {
        StagesOnThisThread.assertAllocationCounted();
        ShardRouter router = new ShardRouter(2, new ReadModel(2), 1024);
        int orders = 1024;
        Command[] purchases = new Command[orders];
        for (int i = 0; i < orders; i++) {
            purchases[i] = new Command.Purchase(FIRST_ORDER + i, 1, 1, i & 1, 1);
        }
        assertEquals(1, router.claim(purchases[1], router.route(purchases[1])));
        assertEquals(ShardRouter.ID_ELSEWHERE, router.claimPurchase(FIRST_ORDER + 1, 0));
        router.release(purchases[1], 1);

        int[] next = {0};
        long records = StagesOnThisThread.bytes(WARMUP, MEASURED, () -> {
            int i = next[0]++;
            Command purchase = purchases[i & (orders - 1)];
            int route = router.claim(purchase, router.route(purchase));
            int old = (i - orders / 2) & (orders - 1);
            router.release(purchases[old], old & 1); // half the orders stay in flight
            return route;
        });
        assertEquals(orders / 2, router.inFlight().size());
        for (int i = 0; i < orders; i++) {
            router.release(purchases[i], i & 1);
        }
        long fields = StagesOnThisThread.bytes(WARMUP, MEASURED, () -> {
            int i = next[0]++ & (orders - 1);
            int route = router.claimPurchase(FIRST_ORDER + i, router.routePurchase(FIRST_ORDER + i, i & 1));
            router.releasePurchase(FIRST_ORDER + i, i & 1);
            return route;
        });

        Command[] holds = new Command[orders];
        Command[] cancels = new Command[orders];
        for (int i = 0; i < orders; i++) {
            holds[i] = new Command.Hold(FIRST_ORDER + i, Long.MAX_VALUE, purchases[i]);
            cancels[i] = new Command.CancelHold(FIRST_ORDER + i);
        }
        assertEquals(1, router.claim(holds[1], router.route(holds[1])));
        assertEquals(1, router.route(cancels[1]), "a cancel of a hold in flight goes where the hold is");
        assertEquals(1, router.routeOrder(FIRST_ORDER + 1), "a cancel of an order in flight goes where it is");
        router.release(holds[1], 1);
        long held = StagesOnThisThread.bytes(WARMUP, MEASURED, () -> {
            int i = next[0]++ & (orders - 1);
            int route = router.claim(holds[i], router.route(holds[i]));
            route += router.route(cancels[i]) + router.routeOrder(FIRST_ORDER + i); // both where the hold is
            router.release(holds[i], i & 1);
            return route;
        });

        assertTrue(records < MEASURED, records + " bytes allocated claiming and letting go of " + MEASURED
                + " purchases");
        assertTrue(held < MEASURED, held + " bytes allocated claiming, following and letting go of " + MEASURED
                + " holds");
        assertTrue(fields < MEASURED, fields + " bytes allocated claiming and letting go of " + MEASURED
                + " purchases given as fields");
        assertEquals(0, router.inFlight().size());
    }
}
