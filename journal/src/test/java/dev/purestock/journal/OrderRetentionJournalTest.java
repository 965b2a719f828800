package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Line;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ShardDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Forgetting orders is journaled truth: a journal holding {@code OrderForgotten} replays and verifies, a
 * snapshot carries the order of last changes so that a restart from it forgets what a full replay would, and
 * a snapshot written before that order existed (format 1) still loads.
 */
class OrderRetentionJournalTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long WINDOW = 1_000;

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(NOW);

    @Test
    void aJournalThatForgetsReplaysAndVerifiesAndARestartFromASnapshotForgetsTheSameOrders() {
        long live;
        try (JournaledEngine journaled = start()) {
            PurestockEngine engine = journaled.engine();
            engine.submit(new Command.ListProduct(1, 0)).join();
            engine.submit(new Command.ReceiveStock(1, 1, 0, 1_000)).join();
            for (long order = 1; order <= 30; order++) {
                clock.addAndGet(10);
                engine.submit(new Command.Purchase(order, order % 4, 1, 0, 1)).join();
            }
            engine.submit(new Command.CancelPurchase(3)).join();
            clock.set(NOW + 150 + WINDOW);
            Outcome tick = engine.submit(new Command.ExpireReservations(WINDOW)).join();
            assertEquals(List.of(new Event.OrderForgotten(1), new Event.OrderForgotten(2),
                    new Event.OrderForgotten(4)), tick.events().subList(0, 3), "oldest last change first");
            engine.snapshot(0).join();
            live = engine.digest(0).join();
        }

        RecoveredState fromSnapshot = JournalRecovery.recover(dir, PrimitiveInventoryStore::new, ReplayProgress.NONE);
        RecoveredState full = JournalRecovery.recoverWithoutSnapshots(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(fromSnapshot.recoveredFrom().startsWith("snapshot@"), fromSnapshot.recoveredFrom());
        assertEquals(StateDigest.format(live), StateDigest.format(StateDigest.of(fromSnapshot.store())));
        assertEquals(StateDigest.format(live), StateDigest.format(StateDigest.of(full.store())));
        assertNull(full.store().order(1));
        assertEquals(lastChanges(full.store()), lastChanges(fromSnapshot.store()));

        clock.set(NOW + 400 + WINDOW);
        List<Event> afterRestart;
        try (JournaledEngine again = start()) {
            assertEquals(OrderStatus.CANCELLED, again.engine().readModel().orderStatus(3));
            assertNull(again.engine().readModel().orderStatus(4), "forgotten before the restart");
            afterRestart = again.engine().submit(new Command.ExpireReservations(WINDOW)).join().events();
            assertNull(again.engine().readModel().orderStatus(3), "forgotten now");
        }
        List<Event> fromFullReplay = Inventory.decide(new Command.ExpireReservations(WINDOW), NOW + 400 + WINDOW,
                full.store());
        assertEquals(fromFullReplay, afterRestart, "the restart from a snapshot forgets what a full replay would");
        assertEquals(17, fromFullReplay.size(), "orders 15 to 30, then 3");
        assertEquals(new Event.OrderForgotten(3), fromFullReplay.get(16));
        InventoryStore replayed = JournalRecovery.recoverWithoutSnapshots(dir, MapInventoryStore::new,
                ReplayProgress.NONE).store();
        assertNull(replayed.order(25));
        assertEquals("", lastChanges(replayed));

        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
        assertEquals(35, verified.records());
    }

    /**
     * The engine's timer goes on sequencing time commands after a digest, until the engine closes: here it forgets an
     * order after the digest was taken (and one before it), so the journal ends past the digest, and a check that
     * compared the digest with the whole journal failed. The state of the journal up to the digest's sequence has it.
     */
    @Test
    void theJournalUpToADigestsSequenceHasTheDigestWhileTheTimerForgetsOrdersAfterIt() throws Exception {
        CountDownLatch firstForgotten = new CountDownLatch(1);
        CountDownLatch secondForgotten = new CountDownLatch(1);
        ShardDigest live;
        try (JournaledEngine journaled = JournaledEngine.builder(dir).engine(builder -> builder.clock(clock::get)
                .expireReservationsEvery(Duration.ofMillis(5)).retainOrdersFor(Duration.ofMillis(WINDOW))
                .consumer((command, outcome) -> {
                    if (outcome.events().contains(new Event.OrderForgotten(1))) {
                        firstForgotten.countDown();
                    }
                    if (outcome.events().contains(new Event.OrderForgotten(2))) {
                        secondForgotten.countDown();
                    }
                })).start()) {
            PurestockEngine engine = journaled.engine();
            engine.submit(new Command.ListProduct(1, 0)).join();
            engine.submit(new Command.ReceiveStock(1, 1, 0, 10)).join();
            engine.submit(new Command.Purchase(1, 1, 1, 0, 1)).join();
            clock.set(NOW + WINDOW + 1);
            firstForgotten.await();
            engine.submit(new Command.Purchase(2, 1, 1, 0, 1)).join();
            live = engine.digestWithSequence(0).join();

            clock.set(NOW + 2 * WINDOW + 2);
            secondForgotten.await();
        }

        RecoveredState upToDigest = JournalRecovery.recoverUntil(dir, live.lastSequence(), Long.MAX_VALUE, true,
                PrimitiveInventoryStore::new, ReplayProgress.NONE);
        assertEquals(live.lastSequence() + 1, upToDigest.nextSequence());
        assertEquals(live.stateHash(), StateDigest.format(StateDigest.of(upToDigest.store())));
        RecoveredState whole = JournalRecovery.recover(dir, PrimitiveInventoryStore::new, ReplayProgress.NONE);
        assertNotEquals(live.stateHash(), StateDigest.format(StateDigest.of(whole.store())),
                "the whole journal holds order 2 forgotten after the digest");
        assertNull(whole.store().order(2));
        assertEquals(OrderStatus.PURCHASED, upToDigest.store().order(2).status());
    }

    /**
     * A journal that spans the upgrade to order retention (docs/journal.md, "Schema versions"): records of schema
     * version 1, written before orders were ever forgotten, hold purchases and time commands without a window, which
     * forget nothing. The first start on it finds their orders past the engine's window, so its timer forgets them at
     * once, 255 in a time command and the rest in the next, journaled in the current version after the old records;
     * an order id forgotten so is taken afresh, the journal spanning both versions verifies, and a restart from a
     * snapshot cut after the upgrade holds what a replay of the whole journal holds.
     */
    @Test
    @Timeout(60)
    void anEngineStartedOnAJournalFromBeforeRetentionForgetsItsOrdersAtOnceAndTheJournalVerifies() throws Exception {
        MapInventoryStore written = new MapInventoryStore();
        List<byte[]> records = new ArrayList<>();
        JournalRecordCodec codec = new JournalRecordCodec();
        long sequence = 0;
        for (Command setup : List.of(new Command.ListProduct(1, 0), new Command.ReceiveStock(1, 1, 0, 1_000))) {
            records.add(versionOne(codec, sequence++, NOW, setup, decided(written, NOW, setup)));
        }
        for (long order = 1; order <= 300; order++) {
            Command purchase = new Command.Purchase(order, order % 7, 1, 0, 1);
            records.add(versionOne(codec, sequence++, NOW + order, purchase, decided(written, NOW + order, purchase)));
            if (order % 100 == 0) {
                records.add(versionOne(codec, sequence++, NOW + order, new Command.ExpireReservations(), List.of()));
            }
        }
        JournalFiles.appendRaw(dir, records.toArray(byte[][]::new));
        CountDownLatch everyOldOrderForgotten = new CountDownLatch(300);
        clock.set(NOW + 10 * WINDOW);
        try (JournaledEngine journaled = JournaledEngine.builder(dir).engine(builder -> builder.clock(clock::get)
                .retainOrdersFor(Duration.ofMillis(WINDOW)).consumer((command, outcome) -> outcome.events().stream()
                        .filter(Event.OrderForgotten.class::isInstance).forEach(forgotten -> everyOldOrderForgotten.countDown())))
                .start()) {
            everyOldOrderForgotten.await();
            PurestockEngine engine = journaled.engine();
            Outcome again = engine.submit(new Command.Purchase(1, 1, 1, 0, 1)).join();
            assertTrue(again.accepted(), "order 1, forgotten, is an order afresh: " + again);
            engine.snapshot(0).join();
            assertTrue(engine.submit(new Command.Purchase(301, 1, 1, 0, 1)).join().accepted());
        }
        List<Long> forgottenByTimeCommand = new ArrayList<>();
        long[] oldRecords = {0};
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.read((index, record) -> {
                oldRecords[0] += record.schemaVersion() == 1 ? 1 : 0;
                if (record.command() instanceof Command.ExpireReservations && !record.events().isEmpty()) {
                    assertEquals(JournalRecordDescriptor.CURRENT_VERSION, record.schemaVersion());
                    forgottenByTimeCommand.add(record.events().stream().filter(Event.OrderForgotten.class::isInstance).count());
                }
                return true;
            });
        }
        assertEquals(records.size(), oldRecords[0], "the journal starts with the records of version 1");
        assertEquals(List.of(255L, 45L), forgottenByTimeCommand, "at most 255 a time command, the rest at once after");
        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
        RecoveredState full = JournalRecovery.recoverWithoutSnapshots(dir, MapInventoryStore::new, ReplayProgress.NONE);
        RecoveredState fromSnapshot = JournalRecovery.recover(dir, PrimitiveInventoryStore::new, ReplayProgress.NONE);
        assertTrue(fromSnapshot.recoveredFrom().startsWith("snapshot@"), fromSnapshot.recoveredFrom());
        assertEquals(StateDigest.format(StateDigest.of(full.store())), StateDigest.format(StateDigest.of(fromSnapshot.store())));
        assertEquals(1_000 - 302, full.store().available(1, 0), "a forgotten purchase's unit stays sold");
        assertEquals("1@" + (NOW + 10 * WINDOW) + " 301@" + (NOW + 10 * WINDOW) + " ", lastChanges(full.store()));
    }

    /** {@code command} decided at {@code now} against {@code store}, and applied to it. */
    private static List<Event> decided(MapInventoryStore store, long now, Command command) {
        List<Event> events = Inventory.decide(command, now, store);
        Inventory.evolveAll(store, now, events);
        return events;
    }

    /**
     * The record as schema version 1 wrote it: the current encoding without what came later, the epoch (version 4),
     * a listing's choice of counting customers in the command and its event (version 5), and a time command's window
     * (version 2).
     */
    private static byte[] versionOne(JournalRecordCodec codec, long sequence, long time, Command command, List<Event> events) {
        byte[] current = Arrays.copyOf(codec.buffer(), codec.encode(sequence, time, command, events));
        int commandAt = JournalRecordDescriptor.HEADER_LENGTH;
        List<int[]> cut = new ArrayList<>(); // offset in the current encoding, length
        cut.add(new int[]{JournalRecordDescriptor.EPOCH_OFFSET, Long.BYTES});
        if (command instanceof Command.ListProduct) {
            int listing = 1 + 2 * Long.BYTES; // tag, sku, limit: in the command, then in its event
            cut.add(new int[]{commandAt + listing, 1});
            cut.add(new int[]{commandAt + listing + 1 + listing, 1});
        } else if (command instanceof Command.ExpireReservations) {
            cut.add(new int[]{commandAt + 1, Long.BYTES});
        }
        ByteArrayOutputStream old = new ByteArrayOutputStream();
        int from = 0;
        for (int[] part : cut) {
            old.write(current, from, part[0] - from);
            from = part[0] + part[1];
        }
        old.write(current, from, current.length - from);
        byte[] record = old.toByteArray();
        ByteBuffer header = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(JournalRecordDescriptor.LENGTH_OFFSET, record.length);
        header.putShort(JournalRecordDescriptor.VERSION_OFFSET, (short) 1);
        header.putInt(record.length - JournalRecordDescriptor.CHECKSUM_LENGTH, codec.checksum(record, 0, record.length));
        return record;
    }

    @Test
    void aSnapshotCarriesTheOrderOfLastChangesWithTheirTimes() throws Exception {
        MapInventoryStore store = new MapInventoryStore();
        decide(store, NOW, new Command.ListProduct(1, 0), new Command.ReceiveStock(1, 1, 0, 10));
        decide(store, NOW + 1, new Command.Purchase(7, 1, 1, 0, 1), new Command.Purchase(8, 1, 1, 0, 1));
        decide(store, NOW + 2, new Command.Reserve(9, 2, List.of(new Line(1, 0, 1)), NOW + 99));
        decide(store, NOW + 3, new Command.CancelPurchase(7));
        SnapshotInfo info = new SnapshotStore(dir).writeSnapshot(6, NOW + 3, store);

        PrimitiveInventoryStore loaded = new PrimitiveInventoryStore();
        SnapshotFile.load(info.file(), loaded);

        assertEquals("8@" + (NOW + 1) + " 7@" + (NOW + 3) + " ", lastChanges(loaded));
        assertEquals(StateDigest.of(store), StateDigest.of(loaded));
        assertEquals(Inventory.decide(new Command.ExpireReservations(1), NOW + 3, store),
                Inventory.decide(new Command.ExpireReservations(1), NOW + 3, loaded));
    }

    @Test
    void aFormatOneSnapshotLoadsWithItsOrdersChangedAtTheSnapshotsTimeInTheOrderItListsThem() throws Exception {
        Path file = dir.resolve("format-1.bin");
        Files.write(file, formatOne(NOW + 500,
                order(12, OrderStatus.CANCELLED), order(10, OrderStatus.RESERVED), order(11, OrderStatus.PURCHASED)));

        MapInventoryStore loaded = new MapInventoryStore();
        SnapshotFile.Header header = SnapshotFile.load(file, loaded);

        assertEquals(SnapshotFile.FORMAT_WITHOUT_LAST_CHANGES, header.format());
        assertEquals("12@" + (NOW + 500) + " 11@" + (NOW + 500) + " ", lastChanges(loaded));
        List<Long> due = new ArrayList<>();
        loaded.forEachDue(Long.MAX_VALUE, (orderId, expiresAt) -> due.add(orderId));
        assertEquals(List.of(10L), due, "the live reservation is due, and not in line to be forgotten");
        assertEquals(List.of(), Inventory.decide(new Command.ExpireReservations(WINDOW), NOW + 500 + WINDOW, loaded)
                .stream().filter(Event.OrderForgotten.class::isInstance).toList());
        assertEquals(List.of(new Event.OrderForgotten(12), new Event.OrderForgotten(11)),
                Inventory.decide(new Command.ExpireReservations(WINDOW), NOW + 501 + WINDOW, loaded)
                        .stream().filter(Event.OrderForgotten.class::isInstance).toList());
    }

    @Test
    void aLastChangeOfAnOrderTheSnapshotDoesNotHoldIsRefused() throws Exception {
        MapInventoryStore store = new MapInventoryStore();
        decide(store, NOW, new Command.ListProduct(1, 0), new Command.ReceiveStock(1, 1, 0, 10),
                new Command.Purchase(7, 1, 1, 0, 1));
        SnapshotInfo info = new SnapshotStore(dir).writeSnapshot(2, NOW, store);
        byte[] bytes = Files.readAllBytes(info.file());
        int lastChangeAt = bytes.length - 4 - (1 + 7 * 8) - (1 + 8 + 8);
        assertEquals(6, bytes[lastChangeAt], "the last entry is the one last change");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(lastChangeAt + 1, 70);
        Files.write(info.file(), reseal(bytes));

        JournalCorruptException refused = assertThrows(JournalCorruptException.class,
                () -> SnapshotFile.load(info.file(), new MapInventoryStore()));
        assertEquals("snapshot " + info.file() + " lists a last change of order 70, which no earlier entry holds (at "
                + "byte " + lastChangeAt + ")", refused.getMessage());
    }

    private JournaledEngine start() {
        return JournaledEngine.builder(dir)
                .engine(builder -> builder.clock(clock::get).expireReservationsEvery(Duration.ZERO))
                .start();
    }

    private static void decide(MapInventoryStore store, long now, Command... commands) {
        for (Command command : commands) {
            List<Event> events = Inventory.decide(command, now, store);
            assertTrue(!Inventory.anyRejected(events), events::toString);
            Inventory.evolveAll(store, now, events);
        }
    }

    private static String lastChanges(InventoryStore store) {
        StringBuilder out = new StringBuilder();
        store.forEachByLastChange((orderId, changedAt) -> {
            out.append(orderId).append('@').append(changedAt).append(' ');
            return true;
        });
        return out.toString();
    }

    /** An order entry of a snapshot: one line of one unit of sku 1 at warehouse 0. */
    private static byte[] order(long orderId, OrderStatus status) {
        ByteBuffer entry = ByteBuffer.allocate(1 + 8 + 8 + 1 + 8 + 8 + 4 + 18).order(ByteOrder.LITTLE_ENDIAN);
        entry.put((byte) 4).putLong(orderId).putLong(3).put((byte) status.code()).putLong(NOW + 1_000)
                .putLong(orderId * 31).putInt(1).putLong(1).putShort((short) 0).putLong(1);
        return entry.array();
    }

    /** A snapshot file as format 1 wrote it: header, the order entries, an end of five counts, the CRC. */
    private static byte[] formatOne(long time, byte[]... orders) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(SnapshotFile.MAGIC).putInt(1).putLong(9).putLong(time);
        out.writeBytes(header.array());
        for (byte[] order : orders) {
            out.writeBytes(order);
        }
        ByteBuffer end = ByteBuffer.allocate(1 + 5 * 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
        end.put((byte) 0).putLong(0).putLong(0).putLong(0).putLong(orders.length).putLong(0);
        out.writeBytes(end.array());
        return reseal(out.toByteArray());
    }

    private static byte[] reseal(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length - 4, (int) crc.getValue());
        return bytes;
    }
}
