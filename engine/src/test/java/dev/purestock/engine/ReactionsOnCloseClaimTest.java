package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/reactions.md, engine/README.md and {@link Reactions}: "close() stops intake first, so follow-ups not yet
 * submitted are refused and queued outcomes are dropped". An outcome waiting in the queue when close begins is not
 * reacted to: its reactions could only act on the outside world (charge a payment) and have their follow-ups refused.
 */
class ReactionsOnCloseClaimTest {

    @Test
    @Timeout(60) // the test waits on conditions in loops: a regression would otherwise hang the build, not fail it
    void anOutcomeQueuedWhenCloseBeginsIsDroppedNotReactedTo() throws Exception {
        CountDownLatch firstEntered = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CountDownLatch journalStalled = new CountDownLatch(1);
        CountDownLatch releaseJournal = new CountDownLatch(1);
        List<Long> reactedTo = new CopyOnWriteArrayList<>();
        DurabilityStage journal = new DurabilityStage() {
            @Override
            public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch)
                    throws Exception {
                if (command instanceof Command.Purchase p && p.orderId() == 3) {
                    journalStalled.countDown();
                    releaseJournal.await();
                }
            }
        };
        PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).journal(shard -> journal)
                .reaction((command, outcome) -> {
                    if (command instanceof Command.Purchase p) {
                        reactedTo.add(p.orderId());
                        if (p.orderId() == 1) {
                            firstEntered.countDown();
                            releaseFirst.await();
                        }
                        return Reaction.followUps(new Command.CancelPurchase(p.orderId()));
                    }
                    return Reaction.none();
                })
                .build();
        engine.submit(list(1)).join();
        engine.submit(receive(1, 1, 0, 10)).join();
        assertTrue(engine.submit(new Command.Purchase(1, 1, 1, 0, 1)).join().accepted());
        firstEntered.await();
        assertTrue(engine.submit(new Command.Purchase(2, 1, 1, 0, 1)).join().accepted()); // its outcome waits in the queue
        CompletableFuture<Outcome> third = engine.submit(new Command.Purchase(3, 1, 1, 0, 1));
        journalStalled.await(); // the close's drain waits for this one

        Thread closer = new Thread(engine::close, "closer");
        closer.start();
        while (engine.metrics().shard(0).health() != ShardMetrics.Health.CLOSED) {
            Thread.onSpinWait(); // close has stopped intake and is draining
        }
        releaseFirst.countDown();
        // purchase 1's follow-up is queued behind purchase 2's outcome: once it is refused, purchase 2's turn has passed
        while (engine.reactions().followUpsFailed() < 1) {
            Thread.onSpinWait();
        }
        releaseJournal.countDown();
        closer.join();

        assertTrue(third.join().accepted(), "a command submitted before close is answered");
        assertFalse(reactedTo.contains(2L), "purchase 2's outcome was queued when close began; reacted to " + reactedTo);
        assertTrue(engine.reactions().dropped() >= 1, "dropped " + engine.reactions().dropped());
        assertEquals(1, engine.reactions().followUpsFailed(), "purchase 1's follow-up, refused by the closing engine");
    }
}
