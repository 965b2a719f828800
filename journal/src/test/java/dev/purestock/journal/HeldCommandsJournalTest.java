package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Event;
import dev.purestock.domain.HeldCommand;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Line;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands held for later are journaled truth: the journal carries holds, cancels and releases, a replay and a
 * verification reproduce them, and a snapshot carries the commands still held, so a restart from it releases
 * what a full replay would, once. Snapshots written before holds existed (format 2) still load, with none.
 */
class HeldCommandsJournalTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long HOLD_AT = NOW + 10_000;
    private static final Command.Purchase HELD_PURCHASE = new Command.Purchase(7, 3, 1, 0, 2);

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(NOW);

    @Test
    void aHeldCommandIsJournaledVerifiedAndReleasedOnceAfterARestartFromASnapshot() {
        long live;
        try (JournaledEngine journaled = start()) {
            PurestockEngine engine = journaled.engine();
            engine.submit(new Command.ListProduct(1, 0)).join();
            engine.submit(new Command.ReceiveStock(1, 1, 0, 10)).join();
            assertEquals(List.of(new Event.CommandHeld(1, NOW + 100, new Command.Purchase(5, 9, 1, 0, 2))),
                    engine.submit(new Command.Hold(1, NOW + 100, new Command.Purchase(5, 9, 1, 0, 2))).join().events());
            engine.submit(new Command.Hold(2, NOW + 100, new Command.Purchase(6, 9, 1, 0, 1))).join();
            assertEquals(List.of(new Event.HoldCancelled(2)), engine.submit(new Command.CancelHold(2)).join().events());
            engine.submit(new Command.Hold(3, NOW + 500, new Batch(Batch.Mode.ATOMIC, List.of(
                    new Command.Purchase(7, 8, 1, 0, 3), new Command.CancelPurchase(5))))).join();
            clock.set(NOW + 200);
            List<Event> tick = engine.submit(new Command.ExpireReservations()).join().events();
            assertEquals(new Event.HoldReleased(1), tick.getFirst());
            assertEquals(2, tick.size(), tick::toString);
            assertTrue(tick.get(1) instanceof Event.PurchaseAccepted accepted && accepted.orderId() == 5, tick::toString);
            engine.snapshot(0).join();
            live = engine.digest(0).join();
        }

        RecoveredState fromSnapshot = JournalRecovery.recover(dir, PrimitiveInventoryStore::new, ReplayProgress.NONE);
        RecoveredState full = JournalRecovery.recoverWithoutSnapshots(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(fromSnapshot.recoveredFrom().startsWith("snapshot@"), fromSnapshot.recoveredFrom());
        assertEquals(StateDigest.format(live), StateDigest.format(StateDigest.of(fromSnapshot.store())));
        assertEquals(StateDigest.format(live), StateDigest.format(StateDigest.of(full.store())));
        assertEquals(held(full.store()), held(fromSnapshot.store()));
        assertEquals(List.of(3L), held(full.store()).stream().map(HeldCommand::holdId).toList());

        clock.set(NOW + 600);
        List<Event> afterRestart;
        try (JournaledEngine again = start()) {
            afterRestart = again.engine().submit(new Command.ExpireReservations()).join().events();
            assertEquals(List.of(), again.engine().submit(new Command.ExpireReservations()).join().events(),
                    "released once");
        }
        assertEquals(Inventory.decide(new Command.ExpireReservations(), NOW + 600, full.store()), afterRestart,
                "the restart from a snapshot releases what a full replay would");
        assertEquals(new Event.HoldReleased(3), afterRestart.getFirst());
        assertEquals(List.of(), held(JournalRecovery.recoverWithoutSnapshots(dir, MapInventoryStore::new,
                ReplayProgress.NONE).store()));

        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
        assertEquals(9, verified.records());
    }

    /**
     * A batch whose atomic part holds a command and is taken back, then holds another: the record's held command
     * sits first among the decoded events' held commands, but second in the room of the decision that verify makes
     * again, which is no difference in the events.
     */
    @Test
    void aBatchThatTakesAHoldBackAndHoldsAnotherVerifies() {
        try (JournaledEngine journaled = start()) {
            PurestockEngine engine = journaled.engine();
            engine.submit(new Command.ListProduct(1, 0)).join();
            engine.submit(new Command.ReceiveStock(1, 1, 0, 10)).join();
            Command takenBack = new Batch(Batch.Mode.ATOMIC, List.of(
                    new Command.Hold(1, HOLD_AT, HELD_PURCHASE),
                    new Command.Reserve(8, 3, List.of(new Line(1, 0, 1)), NOW - 1))); // expired: the batch aborts
            List<Event> events = engine.submit(new Batch(Batch.Mode.INDEPENDENT,
                    List.of(takenBack, new Command.Hold(2, HOLD_AT, HELD_PURCHASE)))).join().events();
            assertEquals(new Event.CommandHeld(2, HOLD_AT, HELD_PURCHASE), events.getLast(), events::toString);
        }

        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
        assertEquals(3, verified.records());
    }

    @Test
    void aSnapshotOfAStoreWithHoldsReloadsWithTheSameDigestAndTheSameHeldCommands() throws Exception {
        MapInventoryStore store = storeWithHolds();
        SnapshotInfo info = new SnapshotStore(dir).writeSnapshot(9, NOW + 3, store);

        for (InventoryStore loaded : List.of(new MapInventoryStore(), new PrimitiveInventoryStore())) {
            SnapshotFile.Header header = SnapshotFile.load(info.file(), loaded);

            assertEquals(SnapshotFile.FORMAT_VERSION, header.format());
            assertEquals(StateDigest.of(store), StateDigest.of(loaded));
            assertEquals(held(store), held(loaded));
            assertEquals(Inventory.decide(new Command.ExpireReservations(), NOW + 1_000, store),
                    Inventory.decide(new Command.ExpireReservations(), NOW + 1_000, loaded));
        }
        assertEquals(3, held(store).size());
    }

    @Test
    void aFormatTwoSnapshotLoadsWithNoHeldCommandsAndMayNotHoldOne() throws Exception {
        MapInventoryStore store = new MapInventoryStore();
        decide(store, NOW, new Command.ListProduct(1, 0), new Command.ReceiveStock(1, 1, 0, 10),
                new Command.Purchase(7, 1, 1, 0, 1), new Command.Reserve(8, 2, List.of(new Line(1, 0, 2)), NOW + 50));
        Path file = dir.resolve("format-2.bin");
        Files.write(file, asFormatTwo(Files.readAllBytes(new SnapshotStore(dir).writeSnapshot(4, NOW, store).file())));

        MapInventoryStore loaded = new MapInventoryStore();
        SnapshotFile.Header header = SnapshotFile.load(file, loaded);

        assertEquals(SnapshotFile.FORMAT_WITHOUT_HELD_COMMANDS, header.format());
        assertEquals(StateDigest.of(store), StateDigest.of(loaded));
        assertEquals(List.of(), held(loaded));

        decide(store, NOW, new Command.Hold(1, NOW + 5, new Command.CancelPurchase(7)));
        Path withHold = dir.resolve("format-2-with-hold.bin");
        Files.write(withHold, asFormatTwo(Files.readAllBytes(new SnapshotStore(dir).writeSnapshot(5, NOW, store)
                .file())));
        JournalCorruptException refused = assertThrows(JournalCorruptException.class,
                () -> SnapshotFile.load(withHold, new MapInventoryStore()));
        assertTrue(refused.getMessage().contains("holds unknown entry tag 7"), refused.getMessage());
    }

    @Test
    void aHeldEntryThatDoesNotDecodeIsACorruptSnapshotNamingTheFileAndOffset() throws Exception {
        MapInventoryStore store = new MapInventoryStore();
        decide(store, NOW, new Command.Hold(4, NOW + 5, new Command.CancelPurchase(7)));
        SnapshotInfo info = new SnapshotStore(dir).writeSnapshot(1, NOW, store);
        byte[] bytes = Files.readAllBytes(info.file());
        int heldAt = 24;
        assertEquals(7, bytes[heldAt], "the only entry is the held command");
        assertEquals(9, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(heldAt + 1 + 8 + 8 + 2),
                "a CancelPurchase takes its tag and order id");

        byte[] tooLong = bytes.clone();
        ByteBuffer.wrap(tooLong).order(ByteOrder.LITTLE_ENDIAN).putInt(heldAt + 1 + 8 + 8 + 2, Integer.MAX_VALUE);
        Files.write(info.file(), reseal(tooLong));
        JournalCorruptException refused = assertThrows(JournalCorruptException.class,
                () -> SnapshotFile.load(info.file(), new MapInventoryStore()));
        assertTrue(refused.getMessage().startsWith("snapshot " + info.file() + " says held command 4 takes 2147483647 "
                + "bytes, more than its remaining "), refused.getMessage());

        byte[] newer = bytes.clone();
        ByteBuffer.wrap(newer).order(ByteOrder.LITTLE_ENDIAN).putShort(heldAt + 1 + 8 + 8, (short) 99);
        Files.write(info.file(), reseal(newer));
        refused = assertThrows(JournalCorruptException.class, () -> SnapshotFile.load(info.file(), new MapInventoryStore()));
        assertEquals("snapshot " + info.file() + " holds an entry of kind 7 that does not decode (schema version 99 is "
                + "newer than this purestock reads (" + JournalRecordDescriptor.CURRENT_VERSION + "); upgrade purestock) "
                + "(at byte " + heldAt + ")", refused.getMessage());
    }

    private static MapInventoryStore storeWithHolds() {
        MapInventoryStore store = new MapInventoryStore();
        decide(store, NOW, new Command.ListProduct(1, 0), new Command.ReceiveStock(1, 1, 0, 10),
                new Command.Reserve(8, 2, List.of(new Line(1, 0, 2)), NOW + 50));
        decide(store, NOW + 1, new Command.Hold(Long.MAX_VALUE, NOW + 20, new Command.ConfirmReservation(8)),
                new Command.Hold(2, NOW + 20, new Batch(Batch.Mode.INDEPENDENT, List.of(
                        new Command.PlaceOrder(9, 3, List.of(new Line(1, 0, 1), new Line(1, 0, 2))),
                        new Command.Reserve(10, 3, List.of(new Line(1, 0, 1)), NOW + 900)))),
                new Command.Hold(3, NOW - 5, new Command.Purchase(11, 4, 1, 0, 1)),
                new Command.Hold(4, NOW + 30, new Command.CancelPurchase(11)));
        decide(store, NOW + 2, new Command.CancelHold(4));
        return store;
    }

    private static void decide(InventoryStore store, long now, Command... commands) {
        for (Command command : commands) {
            List<Event> events = Inventory.decide(command, now, store);
            assertTrue(!Inventory.anyRejected(events), events::toString);
            Inventory.evolveAll(store, now, events);
        }
    }

    private static List<HeldCommand> held(InventoryStore store) {
        List<HeldCommand> held = new ArrayList<>();
        store.forEachHeld(held::add);
        return held;
    }

    /**
     * A snapshot of the current format as format 2 wrote it: the counting byte of its one product (the first entry,
     * after the 24-byte header: tag, sku, limit, then the byte) and the count of held commands (the last of the
     * entry counts) taken out, the format and the checksum redone. The state must hold exactly one product.
     */
    private static byte[] asFormatTwo(byte[] current) {
        int countingByte = 24 + 1 + 2 * Long.BYTES;
        byte[] older = new byte[current.length - 1 - 8];
        System.arraycopy(current, 0, older, 0, countingByte);
        System.arraycopy(current, countingByte + 1, older, countingByte, older.length - 4 - countingByte);
        ByteBuffer.wrap(older).order(ByteOrder.LITTLE_ENDIAN).putInt(4, SnapshotFile.FORMAT_WITHOUT_HELD_COMMANDS);
        return reseal(older);
    }

    private static byte[] reseal(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length - 4, (int) crc.getValue());
        return bytes;
    }

    @Test
    void onTheTimerAHoldThatSurvivedARestartFiresOnceAtItsTimeAndReplaysAsItHappened() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            try (JournaledEngine journaled = start()) {
                PurestockEngine engine = journaled.engine();
                engine.submit(new Command.ListProduct(1, 0)).join();
                engine.submit(new Command.ReceiveStock(1, 1, 0, 10)).join();
                engine.submitAt(1, HOLD_AT, HELD_PURCHASE).join();
                engine.submitAt(2, HOLD_AT + 5, new Command.Purchase(8, 4, 1, 0, 1)).join();
                engine.snapshot(0).join();
                engine.submitAt(3, HOLD_AT + 10, new Command.Purchase(9, 5, 1, 0, 1)).join();
                engine.cancelHold(2).join();
            }

            RecoveredState fromSnapshot = JournalRecovery.recover(dir, PrimitiveInventoryStore::new,
                    ReplayProgress.NONE);
            assertTrue(fromSnapshot.recoveredFrom().startsWith("snapshot@"), fromSnapshot.recoveredFrom());
            assertEquals(new HeldCommand(1, HOLD_AT, HELD_PURCHASE), fromSnapshot.store().held(1));
            assertNull(fromSnapshot.store().held(2), "cancelled after the snapshot");
            assertEquals(new HeldCommand(3, HOLD_AT + 10, new Command.Purchase(9, 5, 1, 0, 1)),
                    fromSnapshot.store().held(3));

            CountDownLatch bothReleased = new CountDownLatch(2);
            long live;
            try (JournaledEngine again = startWithTimer(bothReleased)) {
                PurestockEngine engine = again.engine();
                assertEquals(new HeldCommand(1, HOLD_AT, HELD_PURCHASE), engine.readModel().heldCommand(1));
                clock.set(HOLD_AT + 10);
                bothReleased.await();
                assertEquals(7, engine.readModel().available(1, 0));
                assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(7));
                assertEquals(List.of(), engine.readModel().heldCommands());
                live = engine.digest(0).join();
            }

            RecoveredState replayed = JournalRecovery.recoverWithoutSnapshots(dir, MapInventoryStore::new,
                    ReplayProgress.NONE);
            assertEquals(StateDigest.format(live), StateDigest.format(StateDigest.of(replayed.store())));
            List<Long> released = new ArrayList<>();
            List<Long> releaseTimes = new ArrayList<>();
            try (JournalReader reader = JournalReader.open(dir)) {
                reader.read((index, record) -> {
                    record.events().forEach(event -> {
                        if (event instanceof Event.HoldReleased r) {
                            released.add(r.holdId());
                            releaseTimes.add(record.time());
                        }
                    });
                    return true;
                });
            }
            assertEquals(List.of(1L, 3L), released, "each held command decided once; the cancelled one never");
            assertTrue(releaseTimes.stream().allMatch(time -> time >= HOLD_AT + 10), releaseTimes.toString());

            JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new,
                    ReplayProgress.NONE);
            assertTrue(verified.matches(), verified.divergence());
        });
    }

    /** A journaled engine whose timer runs every 5 ms and that counts each held command it sees decided. */
    private JournaledEngine startWithTimer(CountDownLatch released) {
        return JournaledEngine.builder(dir)
                .engine(builder -> builder.clock(clock::get).expireReservationsEvery(Duration.ofMillis(5))
                        .consumer((command, outcome) -> outcome.events().stream()
                                .filter(Event.HoldReleased.class::isInstance).forEach(event -> released.countDown())))
                .start();
    }

    private JournaledEngine start() {
        return JournaledEngine.builder(dir)
                .engine(builder -> builder.clock(clock::get).expireReservationsEvery(Duration.ZERO))
                .start();
    }
}
