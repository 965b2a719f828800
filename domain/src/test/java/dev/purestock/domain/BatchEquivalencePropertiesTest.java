package dev.purestock.domain;

import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.testing.InventoryGenerators;
import dev.purestock.domain.testing.Timed;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

/**
 * An independent batch decides its members as if each were submitted on its own at the batch's time: the same
 * events, one after another, and the same state. A batch decides its members against a layer of its own over the
 * state ({@code PendingState}), so this holds only as long as that layer reads as the store it stands for would,
 * time commands (forgetting, expiries, held commands) included. Every decision takes its layers from one
 * {@link DecisionScratch}, as an engine's shard does, so a layer that kept anything of an earlier decision fails too.
 */
class BatchEquivalencePropertiesTest {
    private static final int TRIES = 1000;

    @Test
    void anIndependentBatchDecidesItsMembersAsIfEachWereSubmittedAlone() {
        DecisionScratch scratch = new DecisionScratch();
        qt().withExamples(TRIES).forAll(InventoryGenerators.histories(120), integers().between(2, 6))
                .checkAssert((history, width) -> {
                    MapInventoryStore store = new MapInventoryStore();
                    for (int i = 0; i < history.size(); i++) {
                        Timed timed = history.get(i);
                        List<Command> members = new ArrayList<>();
                        for (int j = i; j < Math.min(history.size(), i + width); j++) {
                            members.add(history.get(j).command());
                        }
                        Batch batch = new Batch(Batch.Mode.INDEPENDENT, members);
                        List<Event> batched = decide(batch, timed.now(), store, scratch);
                        if (!(batched.size() == 1 && batched.get(0) instanceof Event.Rejected r && r.ref() == -1
                                && r.reason() != Reason.HELD_COMMAND_FAILED)) {
                            MapInventoryStore alone = store.copyInto(new MapInventoryStore());
                            List<Event> oneByOne = new ArrayList<>();
                            for (Command member : members) {
                                List<Event> events = Inventory.decide(member, timed.now(), alone);
                                Inventory.evolveAll(alone, timed.now(), events);
                                oneByOne.addAll(events);
                            }
                            assertEquals(oneByOne, batched, () -> "the batch " + batch + " at " + timed.now());
                            MapInventoryStore applied = store.copyInto(new MapInventoryStore());
                            Inventory.evolveAll(applied, timed.now(), batched);
                            assertEquals(StateDigest.of(alone), StateDigest.of(applied),
                                    () -> "the state after the batch " + batch + " at " + timed.now());
                        }
                        Inventory.evolveAll(store, timed.now(), decide(timed.command(), timed.now(), store, scratch));
                    }
                });
    }

    private static List<Event> decide(Command command, long now, InventoryState state, DecisionScratch scratch) {
        EventBuffer out = new EventBuffer();
        Inventory.decide(command, now, state, out, scratch);
        return out.toEvents();
    }
}
