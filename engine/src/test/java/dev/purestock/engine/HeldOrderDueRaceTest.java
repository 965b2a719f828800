package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A held order that falls due moves in the read model from the held orders to the orders, in that order (first into
 * the orders, then out of the held ones), and the router asks {@link ReadModel#orderOrHeldOrderShard} for a new
 * order's id: the question must never find the id in neither, or a new order with that id sent to another shard at
 * that moment is accepted there too, one id naming orders of two shards. Here one thread moves ids from held to
 * placed, one at a time, while another asks for each id from the moment it is held until the next one is: every
 * answer must be the shard that holds or has it.
 */
class HeldOrderDueRaceTest {
    private static final int SHARDS = 8;
    private static final int IDS = 20_000;
    private static final long DONE = -1;

    @Test
    void anOrderFallingDueIsAlwaysFoundHeldOrPlaced() throws InterruptedException {
        ReadModel readModel = new ReadModel(SHARDS);
        ReadModel.Writer shard0 = readModel.writer(0);
        AtomicLong current = new AtomicLong(0);
        AtomicLong seen = new AtomicLong(0);
        AtomicLong misses = new AtomicLong();
        Thread reader = new Thread(() -> {
            for (long id = current.get(); id != DONE; id = current.get()) {
                seen.set(id);
                if (id != 0 && readModel.orderOrHeldOrderShard(id) != 0) {
                    misses.incrementAndGet();
                }
            }
        }, "held-order-reader");
        reader.start();
        try {
            long sequence = 0;
            for (long id = 1; id <= IDS; id++) {
                Command.Purchase purchase = new Command.Purchase(id, 7, 1, 0, 1);
                shard0.apply(sequence++, List.of(new Event.CommandHeld(id, 0, purchase)));
                current.set(id);
                while (seen.get() != id) {
                    assertTrue(reader.isAlive(), "the reader stopped");
                    Thread.onSpinWait();
                }
                shard0.apply(sequence++, List.of(new Event.HoldReleased(id),
                        new Event.PurchaseAccepted(id, 7, List.of(), 0)));
            }
        } finally {
            current.set(DONE);
            reader.join();
        }
        assertEquals(0, misses.get(), "answers that found a held order falling due neither held nor placed");
    }
}
