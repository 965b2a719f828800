package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.LineChange;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.Product;
import dev.purestock.domain.Reason;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A product that counts no customers, journaled, snapshotted, recovered and verified. */
class CustomerCountingJournalTest {
    private static final long NOW = 1_700_000_000_000L;
    /** The snapshot's header (24 bytes), then its first entry, a product: tag, sku, limit, then the counting byte. */
    private static final int FIRST_COUNTING_BYTE_AT = 24 + 1 + 8 + 8;

    @TempDir
    Path dir;

    @Test
    void aSaleOfAnUncountedProductRecoversAndVerifiesWithNoCustomerCounts() throws Exception {
        long liveDigest;
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            PurestockEngine engine = journaled.engine();
            assertTrue(engine.submit(Command.ListProduct.uncounted(1)).join().accepted());
            assertTrue(engine.submit(new Command.ListProduct(2, 1)).join().accepted());
            engine.submit(new Command.ReceiveStock(1, 1, 0, 10)).join();
            engine.submit(new Command.ReceiveStock(2, 2, 0, 10)).join();
            Outcome bought = engine.submit(new Command.Purchase(7, 3, 1, 0, 4)).join();
            assertEquals(List.of(new LineChange(1, 0, 4, 6, LineChange.NOT_COUNTED)),
                    ((Event.PurchaseAccepted) bought.events().getFirst()).lines());
            engine.submit(new Command.Purchase(8, 3, 2, 0, 1)).join();
            engine.snapshot(0).join();
            engine.submit(new Command.CancelPurchase(7)).join();
            assertEquals(10, engine.readModel().available(1, 0));
            assertEquals(Reason.COUNTING_FIXED, engine.submit(new Command.ListProduct(1, 0)).join().reason()
                    .orElseThrow(), "the choice is kept");
            liveDigest = engine.digest(0).join();
        }

        for (RecoveredState recovered : List.of(
                JournalRecovery.recover(dir, PrimitiveInventoryStore::new, ReplayProgress.NONE),
                JournalRecovery.recoverWithoutSnapshots(dir, MapInventoryStore::new, ReplayProgress.NONE))) {
            assertEquals(liveDigest, StateDigest.of(recovered.store()), recovered.recoveredFrom());
            assertEquals(Set.of(List.of(3L, 2L, 1L)), counts(recovered.store()), "only the counted product's");
        }
        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
    }

    @Test
    void aSnapshotKeepsEachProductsChoiceAndRefusesACountingByteThatIsNeither() throws Exception {
        MapInventoryStore store = new MapInventoryStore();
        store.putProduct(new Product(1, 0, false));
        store.putProduct(new Product(2, 3));
        SnapshotInfo info = new SnapshotStore(dir).writeSnapshot(4, NOW, store);

        for (InventoryStore loaded : List.of(new MapInventoryStore(), new PrimitiveInventoryStore())) {
            SnapshotFile.load(info.file(), loaded);
            assertEquals(new Product(1, 0, false), loaded.product(1));
            assertEquals(new Product(2, 3, true), loaded.product(2));
            assertEquals(StateDigest.of(store), StateDigest.of(loaded));
        }

        byte[] bytes = Files.readAllBytes(info.file());
        bytes[FIRST_COUNTING_BYTE_AT] = 2;
        Files.write(info.file(), reseal(bytes));
        JournalCorruptException refused = assertThrows(JournalCorruptException.class,
                () -> SnapshotFile.load(info.file(), new MapInventoryStore()));
        assertTrue(refused.getMessage().contains("kind 1 that does not decode (customer counting 2 is neither 0 nor 1) (at byte 24)"),
                refused.getMessage());
    }

    @Test
    void aFormatThreeSnapshotLoadsItsProductsCounting() throws Exception {
        MapInventoryStore store = new MapInventoryStore();
        store.putProduct(new Product(1, 2));
        store.putAvailable(1, 0, 5);
        store.putCustomerUnits(3, 1, 2);
        byte[] current = Files.readAllBytes(new SnapshotStore(dir).writeSnapshot(4, NOW, store).file());
        assertEquals(1, current[FIRST_COUNTING_BYTE_AT]);
        byte[] formatThree = new byte[current.length - 1];
        System.arraycopy(current, 0, formatThree, 0, FIRST_COUNTING_BYTE_AT);
        System.arraycopy(current, FIRST_COUNTING_BYTE_AT + 1, formatThree, FIRST_COUNTING_BYTE_AT,
                formatThree.length - FIRST_COUNTING_BYTE_AT);
        ByteBuffer.wrap(formatThree).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 3);
        Path file = dir.resolve("format-3.bin");
        Files.write(file, reseal(formatThree));

        for (InventoryStore loaded : List.of(new MapInventoryStore(), new PrimitiveInventoryStore())) {
            SnapshotFile.Header header = SnapshotFile.load(file, loaded);
            assertEquals(SnapshotFile.FORMAT_WITHOUT_CUSTOMER_COUNTING, header.format());
            assertEquals(new Product(1, 2, true), loaded.product(1));
            assertEquals(StateDigest.of(store), StateDigest.of(loaded));
        }
    }

    private static byte[] reseal(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length - 4, (int) crc.getValue());
        return bytes;
    }

    private static Set<List<Long>> counts(InventoryStore store) {
        Set<List<Long>> counts = new HashSet<>();
        store.forEachCustomerUnits((customer, sku, units) -> counts.add(List.of(customer, sku, units)));
        return counts;
    }
}
