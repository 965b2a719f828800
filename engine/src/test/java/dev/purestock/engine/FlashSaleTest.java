package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Event.PurchaseAccepted;
import dev.purestock.domain.Event.Rejected;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.Reason;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many threads race for a few units: exactly the stock is sold, and the run is what the domain says. */
class FlashSaleTest {
    private static final int PRODUCERS = 8;
    private static final int ATTEMPTS_PER_PRODUCER = 200_000;
    private static final int ATTEMPTS = PRODUCERS * ATTEMPTS_PER_PRODUCER;
    private static final long SKU = 42;
    private static final int WAREHOUSE = 1;
    private static final long STOCK = 100;

    @Test
    void eightProducersRacingForOneHundredUnitsBuyExactlyOneHundred() throws Exception {
        InMemoryJournal journal = new InMemoryJournal();
        AtomicIntegerArray answersPerOrder = new AtomicIntegerArray(ATTEMPTS);
        AtomicIntegerArray answersPerSequence = new AtomicIntegerArray(ATTEMPTS + 2);
        AtomicLong accepted = new AtomicLong();
        AtomicLong outOfStock = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        CountDownLatch allAnswered = new CountDownLatch(ATTEMPTS);
        OutcomeCallback callback = new OutcomeCallback() {
            @Override
            public void onOutcome(int shard, long sequence, long time, List<Event> events) {
                answersPerSequence.incrementAndGet((int) sequence);
                Event event = events.getFirst();
                if (event instanceof PurchaseAccepted purchase) {
                    answersPerOrder.incrementAndGet((int) purchase.orderId());
                    accepted.incrementAndGet();
                } else if (event instanceof Rejected(Reason reason, long ref) && reason == Reason.OUT_OF_STOCK) {
                    answersPerOrder.incrementAndGet((int) ref);
                    outOfStock.incrementAndGet();
                }
                allAnswered.countDown();
            }

            @Override
            public void onFailure(Throwable cause) {
                failures.incrementAndGet();
                allAnswered.countDown();
            }
        };

        try (PurestockEngine engine = PurestockEngine.builder().ringSize(1024).expireReservationsEvery(Duration.ZERO)
                .journal(shard -> journal).build()) {
            engine.submit(new Command.ListProduct(SKU, 0)).join();
            engine.submit(new Command.ReceiveStock(1, SKU, WAREHOUSE, STOCK)).join();
            answersPerSequence.set(0, 1);
            answersPerSequence.set(1, 1);

            Thread[] producers = new Thread[PRODUCERS];
            for (int p = 0; p < PRODUCERS; p++) {
                int first = p * ATTEMPTS_PER_PRODUCER;
                producers[p] = Thread.ofPlatform().start(() -> {
                    for (int i = first; i < first + ATTEMPTS_PER_PRODUCER; i++) {
                        engine.submit(new Command.Purchase(i, i % 1000, SKU, WAREHOUSE, 1), callback);
                    }
                });
            }
            for (Thread producer : producers) {
                producer.join();
            }
            allAnswered.await();

            assertEquals(STOCK, accepted.get(), "accepted purchases");
            assertEquals(ATTEMPTS - STOCK, outOfStock.get(), "out-of-stock rejections");
            assertEquals(0, failures.get(), "failed answers");
            for (int i = 0; i < ATTEMPTS; i++) {
                assertEquals(1, answersPerOrder.get(i), "answers for order " + i);
            }
            for (int s = 0; s < ATTEMPTS + 2; s++) {
                assertEquals(1, answersPerSequence.get(s), "answers carrying sequence " + s);
            }
            assertEquals(0, engine.readModel().available(SKU, WAREHOUSE));

            List<InMemoryJournal.Entry> entries = journal.entries();
            assertEquals(ATTEMPTS + 2, entries.size());
            MapInventoryStore reference = new MapInventoryStore();
            long previousTime = Long.MIN_VALUE;
            for (int s = 0; s < entries.size(); s++) {
                InMemoryJournal.Entry entry = entries.get(s);
                assertEquals(s, entry.sequence(), "journal sequence");
                assertTrue(entry.time() >= previousTime, "time never goes backwards");
                previousTime = entry.time();
                List<Event> expected = Inventory.decide(entry.command(), entry.time(), reference);
                assertEquals(expected, entry.events(), "events of sequence " + s);
                Inventory.evolveAll(reference, entry.time(), expected);
            }
            assertEquals(StateDigest.of(reference), engine.digest(0).join());
        }
    }
}
