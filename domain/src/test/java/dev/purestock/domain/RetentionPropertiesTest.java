package dev.purestock.domain;

import dev.purestock.domain.testing.InventoryGenerators;
import dev.purestock.domain.testing.Recording;
import dev.purestock.domain.testing.Timed;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

/**
 * Forgetting is part of the journaled truth: folding the events from empty, or from a copy of the state taken
 * at any point (what a snapshot holds), gives the live state, and deciding on from that copy forgets exactly
 * what the live run forgot. The generated histories forget often (see {@link InventoryGenerators#timeCommands}).
 */
class RetentionPropertiesTest {
    private static final int TRIES = 500;

    @Test
    void foldingTheEventsFromEmptyGivesTheLiveStateForgettingIncluded() {
        AtomicLong forgotten = new AtomicLong();
        qt().withExamples(TRIES).forAll(InventoryGenerators.histories(120)).checkAssert(history -> {
            Recording live = Recording.of(history);
            forgotten.addAndGet(countForgotten(live));
            MapInventoryStore replayed = live.foldInto(new MapInventoryStore());
            assertEquals(StateDigest.format(live.digest()), StateDigest.format(StateDigest.of(replayed)));
            assertEquals(lastChanges(live.store()), lastChanges(replayed));
        });
        assertTrue(forgotten.get() > TRIES, "the histories forgot " + forgotten.get() + " orders in all");
    }

    @Test
    void fromACopyAtAnyPointReplayAndDecisionsMatchTheFullRun() {
        qt().withExamples(TRIES).forAll(InventoryGenerators.histories(120), integers().between(0, 1_000))
                .checkAssert((history, cutAt) -> {
                    Recording live = Recording.of(history);
                    int cut = cutAt % (history.size() + 1);
                    InventoryStore atCut = copyThroughThePort(live.foldInto(new MapInventoryStore(), 0, cut));

                    InventoryStore replayed = live.foldInto(copyThroughThePort(atCut), cut, history.size());
                    assertEquals(StateDigest.format(live.digest()), StateDigest.format(StateDigest.of(replayed)),
                            () -> "replay from the copy after step " + cut);

                    for (int i = cut; i < history.size(); i++) {
                        Timed timed = history.get(i);
                        List<Event> decided = Inventory.decide(timed.command(), timed.now(), atCut);
                        assertEquals(live.steps().get(i).events(), decided,
                                "step " + i + " re-decided after a copy at " + cut);
                        Inventory.evolveAll(atCut, timed.now(), decided);
                    }
                });
    }

    @Test
    void aForgottenOrderIsGoneFromEveryView() {
        qt().withExamples(TRIES).forAll(InventoryGenerators.histories(120)).checkAssert(history -> {
            MapInventoryStore store = new MapInventoryStore();
            for (Timed timed : history) {
                List<Event> events = Inventory.decide(timed.command(), timed.now(), store);
                Inventory.evolveAll(store, timed.now(), events);
                for (Event event : events) {
                    if (event instanceof Event.OrderForgotten forgotten && !recreatedIn(events, forgotten.orderId())) {
                        assertNull(store.order(forgotten.orderId()),
                                () -> "order " + forgotten.orderId() + " after " + timed);
                        store.forEachByLastChange((orderId, changedAt) -> {
                            assertTrue(orderId != forgotten.orderId(), () -> "order " + orderId + " still in line");
                            return true;
                        });
                    }
                }
                store.forEachByLastChange((orderId, changedAt) -> {
                    assertTrue(store.order(orderId).status() != OrderStatus.RESERVED,
                            () -> "live reservation " + orderId + " in line to be forgotten");
                    return true;
                });
            }
        });
    }

    private static boolean recreatedIn(List<Event> events, long orderId) {
        return events.stream().anyMatch(e -> e instanceof Event.PurchaseAccepted a && a.orderId() == orderId
                || e instanceof Event.StockReserved r && r.orderId() == orderId);
    }

    private static long countForgotten(Recording recording) {
        return recording.steps().stream()
                .flatMap(step -> step.events().stream())
                .filter(Event.OrderForgotten.class::isInstance)
                .count();
    }

    private static String lastChanges(InventoryStore store) {
        StringBuilder out = new StringBuilder();
        store.forEachByLastChange((orderId, changedAt) -> {
            out.append(orderId).append('@').append(changedAt).append(' ');
            return true;
        });
        return out.toString();
    }

    /**
     * A copy of {@code source} made the way a snapshot is written and loaded: every entry through the store
     * port, the due index rebuilt from the reservations, and the order of last changes copied in its order.
     */
    static MapInventoryStore copyThroughThePort(InventoryStore source) {
        return source.copyInto(new MapInventoryStore());
    }
}
