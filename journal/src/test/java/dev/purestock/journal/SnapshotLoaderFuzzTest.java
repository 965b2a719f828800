package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damages real snapshots thousands of times, each case seeded and reproducible, and checks that loading
 * either gives exactly the undamaged snapshot's state or refuses that snapshot with a note naming its file,
 * and that recovery then still reaches the undamaged final state and sequence. No case may let a
 * {@link Throwable} escape (an {@link OutOfMemoryError} from a damaged count, a stack overflow, a JDK
 * exception with no file in it).
 *
 * <p>Damages: byte and bit flips, truncations, zeroed ranges and appended garbage in a snapshot file;
 * flips, truncations, zeroed ranges, dropped, repeated and reordered lines, and deletion of the manifest;
 * deleted and swapped snapshot files. "Sealed" damages also rewrite the file's CRC32C, as a writer bug would,
 * so that the decoder's own checks are reached: there the state may differ (nothing can tell), but the loader
 * must still refuse or load without failing in any other way.
 *
 * <p>Runs {@value #DEFAULT_CASES} cases from seed {@value #DEFAULT_SEED}; {@code -Dpurestock.snapshotFuzz.seed=S}
 * and {@code -Dpurestock.snapshotFuzz.cases=N} change them, and {@code -Dpurestock.snapshotFuzz.case=C} replays
 * the one case a failure names.
 */
class SnapshotLoaderFuzzTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long DEFAULT_SEED = 20_261_127L;
    private static final int DEFAULT_CASES = 2_500;

    static {
        System.setProperty("org.slf4j.simpleLogger.log.dev.purestock.journal.SnapshotStore", "error");
    }

    @TempDir
    Path dir;

    /** One snapshot as written, undamaged. */
    private record Intact(SnapshotInfo info, byte[] bytes, long digest) {
    }

    /** What a case did to the directory. */
    private record Damage(String description, List<Path> files, boolean sealed, boolean manifest) {
    }

    @Test
    void everyDamagedSnapshotLoadsExactlyOrIsRefusedAndRecoveryStillReachesTheSameState() throws Exception {
        AtomicLong clock = new AtomicLong(NOW);
        try (JournaledEngine journaled = JournaledEngine.builder(dir).retention(new RetentionPolicy(4, false))
                .engine(builder -> builder.clock(clock::incrementAndGet)).start()) {
            PurestockEngine engine = journaled.engine();
            submit(engine, Workloads.setup(25, 40, 0));
            engine.snapshot(0).join();
            submit(engine, Workloads.mixed(400, 25, 41, 1, NOW));
            engine.snapshot(0).join();
            submit(engine, Workloads.mixed(400, 25, 42, 100_000, NOW));
            engine.snapshot(0).join();
            submit(engine, Workloads.mixed(150, 25, 43, 200_000, NOW));
        }
        SnapshotStore snapshots = new SnapshotStore(dir);
        Path manifest = dir.resolve("snapshots").resolve("manifest");
        byte[] manifestBytes = Files.readAllBytes(manifest);
        Map<Long, Intact> intact = new LinkedHashMap<>();
        for (SnapshotInfo info : snapshots.list()) {
            PrimitiveInventoryStore store = new PrimitiveInventoryStore();
            SnapshotFile.load(info.file(), store);
            intact.put(info.lastSequence(), new Intact(info, Files.readAllBytes(info.file()), StateDigest.of(store)));
        }
        assertEquals(3, intact.size(), "three snapshots to damage");
        List<Intact> newestLast = List.copyOf(intact.values());

        try (JournalReader reader = JournalReader.open(dir)) {
            RecoveredState undamaged = JournalRecovery.recover(reader, snapshots, PrimitiveInventoryStore::new,
                    ReplayProgress.NONE);
            long finalDigest = StateDigest.of(undamaged.store());
            long lastSequence = undamaged.nextSequence() - 1;
            assertEquals(newestLast.get(2).info().lastSequence(), undamaged.snapshotSequence());

            long seed = Long.getLong("purestock.snapshotFuzz.seed", DEFAULT_SEED);
            int cases = Integer.getInteger("purestock.snapshotFuzz.cases", DEFAULT_CASES);
            Long only = Long.getLong("purestock.snapshotFuzz.case");
            long first = only != null ? only : 0;
            long end = only != null ? only + 1 : cases;
            Map<String, Integer> refusals = new HashMap<>();
            for (long c = first; c < end; c++) {
                long caseSeed = seed * 1_000_003L + c;
                Damage damage = null;
                try {
                    damage = damage(new SplittableRandom(caseSeed), newestLast, manifest, manifestBytes);
                    runCase(damage, snapshots, reader, intact, lastSequence, finalDigest, undamaged.nextSequence(),
                            refusals);
                } catch (Throwable e) {
                    throw new AssertionError("snapshot fuzz case " + c + " (" + (damage == null ? "?" : damage.description())
                            + ") failed; replay with -Dpurestock.snapshotFuzz.seed=" + seed + " -Dpurestock.snapshotFuzz.case="
                            + c + ": " + e, e);
                } finally {
                    restore(newestLast, manifest, manifestBytes);
                }
            }
            assertTrue(only != null || refusals.getOrDefault("refused", 0) > cases / 2,
                    "most damages are refused, not loaded: " + refusals);
        }
    }

    private static void runCase(Damage damage, SnapshotStore snapshots, JournalReader reader,
                                Map<Long, Intact> intact, long lastSequence, long finalDigest, long nextSequence,
                                Map<String, Integer> tally) {
        List<String> notes = new ArrayList<>();
        Optional<SnapshotStore.Loaded> loaded = snapshots.loadNewest(lastSequence, PrimitiveInventoryStore::new, notes);
        long loadedSequence = loaded.map(l -> l.info().lastSequence()).orElse(-1L);
        boolean damagedStateLoaded = false;
        if (loaded.isPresent()) {
            Intact expected = intact.get(loadedSequence);
            assertTrue(expected != null, "loaded a snapshot at " + loadedSequence + " that was never written");
            assertEquals(expected.info(), loaded.get().info(), "what the loaded snapshot says of itself");
            long digest = StateDigest.of(loaded.get().store());
            boolean damagedFile = damage.files().contains(expected.info().file());
            if (digest != expected.digest()) {
                assertTrue(damage.sealed() && damagedFile,
                        "snapshot " + expected.info().file() + " loaded a state that differs from the one written");
                damagedStateLoaded = true;
            }
        }
        for (Intact newer : intact.values()) {
            if (newer.info().lastSequence() <= loadedSequence) {
                continue;
            }
            Path file = newer.info().file();
            if (!damage.manifest()) {
                assertTrue(damage.files().contains(file), "undamaged snapshot " + file + " was refused: " + notes);
            }
            boolean named = notes.stream().anyMatch(note -> note.contains(file.toString())
                    || note.contains(file.getParent().resolve("manifest").toString()));
            assertTrue(named || damage.manifest(), "snapshot " + file + " was passed over without a note: " + notes);
        }
        tally.merge(notes.isEmpty() ? "loaded" : "refused", 1, Integer::sum);

        for (Path file : damage.files()) {
            try {
                SnapshotFile.load(file, new PrimitiveInventoryStore());
            } catch (JournalCorruptException e) {
                assertTrue(e.getMessage().contains(file.toString()), "the refusal names the file: " + e.getMessage());
            } catch (IOException e) {
                assertTrue(Files.notExists(file), "only a missing file is an I/O error: " + e);
            }
        }

        RecoveredState recovered = JournalRecovery.recover(reader, snapshots, PrimitiveInventoryStore::new,
                ReplayProgress.NONE);
        assertEquals(nextSequence, recovered.nextSequence(), "the recovered next sequence");
        if (!damagedStateLoaded) {
            assertEquals(finalDigest, StateDigest.of(recovered.store()), "the recovered state");
        }
    }

    private static Damage damage(SplittableRandom random, List<Intact> snapshots, Path manifest, byte[] manifestBytes)
            throws IOException {
        int kind = random.nextInt(100);
        Intact target = snapshots.get(random.nextInt(10) < 6 ? snapshots.size() - 1 : random.nextInt(snapshots.size()));
        Path file = target.info().file();
        if (kind < 55) {
            boolean sealed = kind >= 40;
            Mangled mangled = sealed ? mangleSealed(random, target.bytes()) : mangle(random, target.bytes());
            Files.write(file, mangled.bytes());
            if (random.nextInt(8) == 0) {
                Intact second = snapshots.get((snapshots.indexOf(target) + 1) % snapshots.size());
                Mangled other = mangle(random, second.bytes());
                Files.write(second.info().file(), other.bytes());
                return new Damage(mangled.what() + " in " + file.getFileName() + ", " + other.what() + " in "
                        + second.info().file().getFileName(), List.of(file, second.info().file()), sealed, false);
            }
            return new Damage(mangled.what() + " in " + file.getFileName(), List.of(file), sealed, false);
        }
        if (kind < 85) {
            String what;
            switch (random.nextInt(7)) {
                case 0, 1 -> {
                    Files.write(manifest, mangleText(random, manifestBytes));
                    what = "mangled text";
                }
                case 2 -> {
                    Mangled mangled = mangle(random, manifestBytes);
                    Files.write(manifest, mangled.bytes());
                    what = mangled.what();
                }
                case 3 -> {
                    Files.write(manifest, dropLine(random, manifestBytes));
                    what = "dropped a line";
                }
                case 4 -> {
                    Files.write(manifest, repeatLine(random, manifestBytes));
                    what = "repeated a line";
                }
                case 5 -> {
                    Files.write(manifest, reverseLines(manifestBytes));
                    what = "reversed the lines";
                }
                default -> {
                    Files.delete(manifest);
                    what = "deleted";
                }
            }
            return new Damage("manifest " + what, List.of(), false, true);
        }
        if (kind < 93) {
            Files.delete(file);
            return new Damage("deleted " + file.getFileName(), List.of(file), false, false);
        }
        Intact other = snapshots.get((snapshots.indexOf(target) + 1) % snapshots.size());
        Files.write(file, other.bytes());
        return new Damage("the bytes of " + other.info().file().getFileName() + " in " + file.getFileName(),
                List.of(file), false, false);
    }

    /** Damaged bytes and what was done to them. */
    private record Mangled(byte[] bytes, String what) {
    }

    /** Flips bytes or a bit, zeroes a range, truncates or appends garbage to a copy of {@code original}. */
    private static Mangled mangle(SplittableRandom random, byte[] original) {
        byte[] bytes = original.clone();
        switch (random.nextInt(5)) {
            case 0 -> {
                int count = 1 + random.nextInt(8);
                for (int i = 0; i < count; i++) {
                    bytes[random.nextInt(bytes.length)] ^= (byte) (1 + random.nextInt(255));
                }
                return new Mangled(bytes, "flipped " + count + " bytes");
            }
            case 1 -> {
                int at = random.nextInt(bytes.length);
                bytes[at] ^= (byte) (1 << random.nextInt(8));
                return new Mangled(bytes, "flipped a bit of byte " + at);
            }
            case 2 -> {
                int at = random.nextInt(bytes.length);
                int length = 1 + random.nextInt(Math.min(4_096, bytes.length - at));
                Arrays.fill(bytes, at, at + length, (byte) 0);
                return new Mangled(bytes, "zeroed " + length + " bytes at " + at);
            }
            case 3 -> {
                int length = random.nextInt(bytes.length);
                return new Mangled(Arrays.copyOf(bytes, length), "truncated to " + length + " bytes");
            }
            default -> {
                byte[] longer = Arrays.copyOf(bytes, bytes.length + 1 + random.nextInt(64));
                for (int i = bytes.length; i < longer.length; i++) {
                    longer[i] = (byte) random.nextInt(256);
                }
                return new Mangled(longer, "appended " + (longer.length - bytes.length) + " bytes");
            }
        }
    }

    /** Like {@link #mangle} within the checksummed bytes, then rewrites the CRC32C trailer. */
    private static Mangled mangleSealed(SplittableRandom random, byte[] original) {
        byte[] bytes = original.clone();
        int body = bytes.length - 4;
        String what;
        if (random.nextBoolean()) {
            int count = 1 + random.nextInt(4);
            for (int i = 0; i < count; i++) {
                bytes[24 + random.nextInt(body - 24)] ^= (byte) (1 + random.nextInt(255));
            }
            what = "sealed: flipped " + count + " entry bytes";
        } else {
            int at = random.nextInt(body);
            int length = 1 + random.nextInt(Math.min(64, body - at));
            Arrays.fill(bytes, at, at + length, (byte) (random.nextBoolean() ? 0 : 0xFF));
            what = "sealed: filled " + length + " bytes at " + at;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, body);
        ByteBuffer.wrap(bytes, body, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
        return new Mangled(bytes, what);
    }

    private static byte[] mangleText(SplittableRandom random, byte[] original) {
        byte[] bytes = original.clone();
        byte[] alphabet = "0123456789 #\n.-+/snapshot-bin\u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1);
        int count = 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
            bytes[random.nextInt(bytes.length)] = alphabet[random.nextInt(alphabet.length)];
        }
        return bytes;
    }

    private static List<String> lines(byte[] bytes) {
        return new ArrayList<>(new String(bytes, StandardCharsets.ISO_8859_1).lines().toList());
    }

    private static byte[] join(List<String> lines) {
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] dropLine(SplittableRandom random, byte[] bytes) {
        List<String> lines = lines(bytes);
        lines.remove(random.nextInt(lines.size()));
        return join(lines);
    }

    private static byte[] repeatLine(SplittableRandom random, byte[] bytes) {
        List<String> lines = lines(bytes);
        int at = 1 + random.nextInt(lines.size() - 1);
        lines.add(random.nextInt(lines.size() + 1), lines.get(at));
        return join(lines);
    }

    private static byte[] reverseLines(byte[] bytes) {
        List<String> lines = lines(bytes);
        String header = lines.remove(0);
        List<String> reversed = new ArrayList<>(lines.reversed());
        reversed.add(0, header);
        return join(reversed);
    }

    private static void restore(List<Intact> snapshots, Path manifest, byte[] manifestBytes) throws IOException {
        for (Intact snapshot : snapshots) {
            Path file = snapshot.info().file();
            if (Files.notExists(file) || Files.size(file) != snapshot.bytes().length
                    || !Arrays.equals(Files.readAllBytes(file), snapshot.bytes())) {
                Files.write(file, snapshot.bytes());
            }
        }
        Files.write(manifest, manifestBytes);
    }

    private static void submit(PurestockEngine engine, List<Command> commands) {
        for (CompletableFuture<Outcome> outcome : engine.submitAll(commands)) {
            outcome.join();
        }
    }
}
