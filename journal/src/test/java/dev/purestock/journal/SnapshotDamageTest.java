package dev.purestock.journal;

import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Line;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Product;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Damage the checksum cannot catch (a writer's mistake, a hand-edited manifest) is refused, naming the file. */
class SnapshotDamageTest {
    private static final long NOW = 1_700_000_000_000L;
    /** Header (24 bytes), then an order entry: tag, id, customer, status, expiresAt, fingerprint, line count. */
    private static final int LINE_COUNT_AT = 24 + 1 + 8 + 8 + 1 + 8 + 8;

    @TempDir
    Path dir;

    @Test
    void aHugeLineCountUnderAValidChecksumIsRefusedWithoutAllocatingIt() throws Exception {
        MapInventoryStore store = new MapInventoryStore();
        store.putOrder(new Order(7, 3, OrderStatus.PURCHASED, List.of(new Line(1, 1, 2)), 0, 99));
        SnapshotInfo info = new SnapshotStore(dir).writeSnapshot(10, NOW, store);
        byte[] bytes = Files.readAllBytes(info.file());
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(LINE_COUNT_AT, Integer.MAX_VALUE);
        Files.write(info.file(), reseal(bytes));

        JournalCorruptException refused = assertThrows(JournalCorruptException.class,
                () -> SnapshotFile.load(info.file(), new MapInventoryStore()));
        assertEquals("snapshot " + info.file() + " says order 7 has 2147483647 lines, more than its remaining 75 "
                + "bytes can hold (at byte " + LINE_COUNT_AT + ")", refused.getMessage());
    }

    @Test
    void aSnapshotWriteCutShortLeavesNoPartOfItsFileAndTheManifestAsItWas() throws Exception {
        MapInventoryStore store = new MapInventoryStore();
        store.putOrder(new Order(7, 3, OrderStatus.PURCHASED, List.of(new Line(1, 1, 2)), 0, 99));
        SnapshotStore snapshots = new SnapshotStore(dir);
        SnapshotInfo first = snapshots.writeSnapshot(10, NOW, store);
        // the device fills up while the orders are written
        InventoryStore full = (InventoryStore) Proxy.newProxyInstance(InventoryStore.class.getClassLoader(),
                new Class<?>[]{InventoryStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("forEachOrderFields")) {
                        throw new UncheckedIOException(new IOException("No space left on device"));
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });

        assertThrows(UncheckedIOException.class, () -> snapshots.writeSnapshot(20, NOW + 1, full));

        try (Stream<Path> files = Files.list(dir.resolve("snapshots"))) {
            assertEquals(List.of("manifest", first.file().getFileName().toString()),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        assertEquals(List.of(first), snapshots.list());
    }

    @Test
    void anEntryTheDomainRefusesIsACorruptSnapshotNamingTheFileAndOffset() throws Exception {
        MapInventoryStore store = new MapInventoryStore();
        store.putOrder(new Order(7, 3, OrderStatus.PURCHASED, List.of(new Line(1, 1, 2)), 0, 99));
        SnapshotInfo info = new SnapshotStore(dir).writeSnapshot(10, NOW, store);
        byte[] bytes = Files.readAllBytes(info.file());
        bytes[24 + 1 + 8 + 8] = 99;
        Files.write(info.file(), reseal(bytes));

        JournalCorruptException refused = assertThrows(JournalCorruptException.class,
                () -> SnapshotFile.load(info.file(), new MapInventoryStore()));
        assertEquals("snapshot " + info.file() + " holds an entry of kind 4 that does not decode (no order status has "
                + "code 99) (at byte 24)", refused.getMessage());
    }

    @Test
    void aManifestLineWhoseTimeOrSizeDisagreesWithTheFileIsNotLoaded() throws Exception {
        SnapshotStore snapshots = new SnapshotStore(dir, 3);
        MapInventoryStore store = new MapInventoryStore();
        SnapshotInfo older = snapshots.writeSnapshot(5, NOW, store);
        store.putProduct(new Product(1, 2));
        SnapshotInfo newer = snapshots.writeSnapshot(9, NOW + 4, store);
        Path manifest = dir.resolve("snapshots").resolve("manifest");
        String text = Files.readString(manifest);
        Files.writeString(manifest, text.replace(newer.lastSequence() + " " + (NOW + 4) + " ",
                newer.lastSequence() + " " + (NOW + 40) + " "));

        List<String> notes = new ArrayList<>();
        Optional<SnapshotStore.Loaded> loaded = snapshots.loadNewest(100, MapInventoryStore::new, notes);
        assertEquals(older, loaded.orElseThrow().info(), "the time recovery would continue from is the file's own");
        assertEquals(List.of("snapshot " + newer.file() + " is unusable (snapshot " + newer.file() + " says sequence 9 "
                + "time " + (NOW + 4) + " but the manifest lists sequence 9 time " + (NOW + 40) + "); falling back"), notes);

        Files.writeString(manifest, text.replace(" " + newer.bytes() + "\n", " " + (newer.bytes() + 1) + "\n"));
        notes.clear();
        assertEquals(older, snapshots.loadNewest(100, MapInventoryStore::new, notes).orElseThrow().info());
        assertTrue(notes.get(0).contains("is " + newer.bytes() + " bytes but the manifest lists " + (newer.bytes() + 1)),
                notes.toString());
    }

    @Test
    void aDamagedManifestLineIsSkippedWithANoteAndTheOtherLinesStillServe() throws Exception {
        SnapshotStore snapshots = new SnapshotStore(dir, 3);
        MapInventoryStore store = new MapInventoryStore();
        SnapshotInfo older = snapshots.writeSnapshot(5, NOW, store);
        snapshots.writeSnapshot(9, NOW + 4, store);
        Path manifest = dir.resolve("snapshots").resolve("manifest");
        byte[] bytes = Files.readAllBytes(manifest);
        String text = new String(bytes, StandardCharsets.US_ASCII);
        int newerLine = text.lastIndexOf("\n9 ") + 1;
        bytes[newerLine] = (byte) 0xC3;
        Files.write(manifest, bytes);

        List<String> notes = new ArrayList<>();
        Optional<SnapshotStore.Loaded> loaded = snapshots.loadNewest(100, MapInventoryStore::new, notes);
        assertEquals(older, loaded.orElseThrow().info());
        assertEquals(List.of("snapshot manifest " + manifest + " line 3 is damaged (\"? " + (NOW + 4)
                + " snapshot-00000000000000000009.bin 85\"); the snapshot it named is not used, and the next rewrite of the manifest"
                + " moves every snapshot file it lists on no good line to " + dir.resolve("snapshots").resolve("unlisted-")
                + "<time>, never deleting it: mend the line and move the file back to use it"), notes);
    }

    /**
     * Writing a snapshot rewrites the manifest without its damaged lines, and the retention after it deleted every
     * snapshot file the rewritten manifest did not list, the one a damaged line named among them (on a pruned journal,
     * what a fall back past a new snapshot ahead of the journal needs). It is moved aside instead.
     */
    @Test
    void writingASnapshotMovesTheFileADamagedManifestLineNamedAsideNotDeleting() throws Exception {
        SnapshotStore snapshots = new SnapshotStore(dir, 3);
        MapInventoryStore store = new MapInventoryStore();
        SnapshotInfo older = snapshots.writeSnapshot(5, NOW, store);
        snapshots.writeSnapshot(9, NOW + 4, store);
        Path manifest = dir.resolve("snapshots").resolve("manifest");
        Files.writeString(manifest, Files.readString(manifest).replace("\n5 ", "\n? "));

        List<String> notes = new ArrayList<>();
        snapshots.writeSnapshot(12, NOW + 7, store, notes);

        assertEquals(List.of(9L, 12L), snapshots.list().stream().map(SnapshotInfo::lastSequence).toList());
        List<Path> kept;
        try (Stream<Path> files = Files.walk(dir.resolve("snapshots"))) {
            kept = files.filter(file -> file.getFileName().equals(older.file().getFileName())).toList();
        }
        assertEquals(1, kept.size(), "the file the damaged line named is kept");
        assertTrue(kept.getFirst().getParent().getFileName().toString().startsWith("unlisted-"), kept.toString());
        assertEquals(older.bytes(), Files.size(kept.getFirst()));
    }

    private static byte[] reseal(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length - 4, (int) crc.getValue());
        return bytes;
    }
}
