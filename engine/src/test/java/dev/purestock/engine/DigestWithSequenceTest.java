package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.purchase;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link PurestockEngine#digestWithSequence}: a shard's digest with the last sequence it covers, taken in one slot, so
 * that the journal up to that sequence has the digest, the time commands the engine sequences itself included.
 */
class DigestWithSequenceTest {
    private static final long START = 1_000_000;
    private static final long WINDOW = 60_000;

    private final AtomicLong clock = new AtomicLong(START);

    @Test
    void theDigestCoversTheLastCommandBeforeItsSlotAndNoneOnAnEmptyShard() {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().journal(shard -> journal).clock(clock::get)
                .expireReservationsEvery(Duration.ZERO).build()) {
            ShardDigest empty = engine.digestWithSequence(0).join();
            assertEquals(new ShardDigest(0, -1, StateDigest.of(new MapInventoryStore())), empty);

            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            Outcome bought = engine.submit(purchase(7, 1, 0)).join();
            ShardDigest digest = engine.digestWithSequence(0).join();

            assertEquals(new ShardDigest(0, bought.sequence(), engine.digest(0).join()), digest);
            assertEquals(replayed(journal.entries(), bought.sequence()), digest.digest());
            assertEquals(bought.sequence() + 1, engine.submit(purchase(8, 1, 0)).join().sequence(),
                    "the digest's slot consumed no sequence");
        }
    }

    @Test
    void aRecoveredShardsDigestCoversItsLastRecoveredCommand() {
        PrimitiveInventoryStore recovered = new PrimitiveInventoryStore();
        Inventory.evolveAll(recovered, START, Inventory.decide(list(1), START, recovered));
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .initialState(shard -> new ShardState(recovered, 100, START)).build()) {
            assertEquals(new ShardDigest(0, 99, StateDigest.of(recovered)), engine.digestWithSequence(0).join());
        }
    }

    /**
     * The engine's own time command, sequenced between the last submitted command and the digest, is the last command
     * the digest covers: the digest of {@link PurestockEngine#digest} alone would name no sequence, and the journal up
     * to the last submitted command (what a caller counting its own commands would replay) has another state.
     */
    @Test
    void aTimeCommandSequencedBeforeTheDigestIsTheLastCommandItCovers() {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().journal(shard -> journal).clock(clock::get)
                .expireReservationsEvery(Duration.ZERO).keepDueTimes().retainOrdersFor(Duration.ofMillis(WINDOW)).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            engine.submit(purchase(7, 1, 0)).join();
            Outcome lastSubmitted = engine.submit(purchase(8, 1, 0)).join();
            ShardDigest before = engine.digestWithSequence(0).join();

            clock.set(START + WINDOW + 1);
            engine.expireReservations();
            ShardDigest after = engine.digestWithSequence(0).join();

            List<InMemoryJournal.Entry> entries = journal.entries();
            InMemoryJournal.Entry timeCommand = entries.getLast();
            assertEquals(new Command.ExpireReservations(WINDOW), timeCommand.command());
            assertEquals(List.of(new Event.OrderForgotten(7), new Event.OrderForgotten(8)), timeCommand.events());
            assertEquals(lastSubmitted.sequence(), before.lastSequence());
            assertEquals(lastSubmitted.sequence() + 1, timeCommand.sequence());
            assertEquals(timeCommand.sequence(), after.lastSequence());
            assertEquals(replayed(entries, after.lastSequence()), after.digest());
            assertEquals(replayed(entries, before.lastSequence()), before.digest());
            assertNotEquals(before.digest(), after.digest(), "forgetting two orders changed the state");
        }
    }

    @Test
    void aClosedEngineRefusesTheDigestAndADigestOutsideItsRangesIsRefused() {
        PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build();
        engine.close();
        assertInstanceOf(EngineClosedException.class, failureOf(engine.digestWithSequence(0)));
        assertThrows(IllegalArgumentException.class, () -> engine.digestWithSequence(1));

        assertEquals("shard=2 last-sequence=41 state-hash=0c7e3d6c6df88bbd",
                new ShardDigest(2, 41, 0x0c7e3d6c6df88bbdL).toString());
        assertEquals("shard must be >= 0, was -1", assertThrows(IllegalArgumentException.class,
                () -> new ShardDigest(-1, 0, 0)).getMessage());
        assertEquals("last sequence must be >= -1 (-1: none), was -2", assertThrows(IllegalArgumentException.class,
                () -> new ShardDigest(0, -2, 0)).getMessage());
    }

    /** The digest of the state the journal's entries up to {@code lastSequence} build, from the empty state. */
    private static long replayed(List<InMemoryJournal.Entry> entries, long lastSequence) {
        MapInventoryStore store = new MapInventoryStore();
        entries.stream().filter(entry -> entry.sequence() <= lastSequence)
                .forEach(entry -> Inventory.evolveAll(store, entry.time(), entry.events()));
        return StateDigest.of(store);
    }
}
