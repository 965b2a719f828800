package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalRecordDescriptor;
import dev.purestock.journal.JournalWriter;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.SnapshotInfo;
import dev.purestock.journal.SnapshotStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PurestockCliTest {
    private static final String[] SMALL_SALE = {"--skus", "20", "--stock", "5", "--attempts", "400", "--producers", "2",
            "--snapshot-every", "150"};

    @TempDir
    static Path shared;
    static Path journal;
    static Map<String, String> firstRun;

    @TempDir
    Path tmp;

    static Run run(String... args) {
        return Run.of(args);
    }

    static String[] demo(Path dir, String... more) {
        String[] args = Stream.concat(Stream.of("demo", "--journal", dir.toString()), Arrays.stream(SMALL_SALE))
                .toArray(String[]::new);
        return Stream.concat(Arrays.stream(args), Arrays.stream(more)).toArray(String[]::new);
    }

    @BeforeAll
    static void runTheDemoOnce() {
        journal = shared.resolve("journal");
        Run demo = run(demo(journal));
        assertEquals(0, demo.code(), demo.err());
        firstRun = demo.values();
    }

    @Test
    void theDemoSellsExactlyTheStockAndNeverOversells() {
        assertEquals("400", firstRun.get("attempts"));
        assertEquals("100", firstRun.get("accepted"));
        assertEquals("300", firstRun.get("rejected"));
        assertEquals("300", firstRun.get("rejected.OUT_OF_STOCK"));
        assertEquals("100", firstRun.get("units-sold"));
        assertEquals("0", firstRun.get("units-left"));
        assertEquals("0", firstRun.get("oversold"));
        assertEquals("true", firstRun.get("stock-conserved"));
        assertEquals("440", firstRun.get("commands"));
        assertEquals("empty", firstRun.get("recovered-from"));
        assertEquals(16, firstRun.get("state-hash").length());
        assertTrue(firstRun.containsKey("throughput"));
    }

    @Test
    void theDemoRunAgainRecoversAndContinuesWithANewDrop() {
        Path dir = tmp.resolve("again");
        Map<String, String> first = run(demo(dir)).values();
        Run again = run(demo(dir, "--json"));
        assertEquals(0, again.code(), again.err());
        String json = again.out().trim();
        assertTrue(json.startsWith("{\"journal\":") && json.endsWith("}"), json);
        assertTrue(json.contains("\"drop\":2,"), json);
        assertTrue(json.contains("\"first-sequence\":" + (Long.parseLong(first.get("last-sequence")) + 1) + ","), json);
        assertTrue(json.contains("\"recovered-from\":\"snapshot@" + first.get("last-sequence") + "\""), json);
        assertTrue(json.contains("\"accepted\":100,"), json);
        assertTrue(json.contains("\"oversold\":0,"), json);
    }

    @Test
    void replayRebuildsTheLiveStateHashFromSnapshotsOrFromScratch() {
        Run replay = run("replay", "--journal", journal.toString());
        assertEquals(0, replay.code(), replay.err());
        assertEquals(firstRun.get("state-hash"), replay.values().get("state-hash"));
        assertEquals(String.valueOf(Long.parseLong(firstRun.get("last-sequence")) + 1), replay.values().get("next-sequence"));

        Run full = run("replay", "--journal", journal.toString(), "--full");
        assertEquals(firstRun.get("state-hash"), full.values().get("state-hash"));
        assertEquals("empty", full.values().get("recovered-from"));
        assertEquals("440", full.values().get("records"));
        assertTrue(full.err().contains("100% 440/440"), full.err());
    }

    @Test
    void dumpPrintsOneRecordPerLineAsTextOrJsonLines() {
        Run text = run("dump", "--journal", journal.toString(), "--from", "2", "--to", "4");
        assertEquals(0, text.code(), text.err());
        List<String> lines = text.out().lines().toList();
        assertEquals(3, lines.size());
        assertTrue(lines.get(0).startsWith("seq=2 time="), lines.get(0));
        assertTrue(lines.get(0).contains("command=ListProduct[sku=2, perCustomerLimit=0, countsCustomers=true]"), lines.get(0));

        Run json = run("dump", "--journal", journal.toString(), "--json");
        List<String> records = json.out().lines().toList();
        assertEquals(440, records.size());
        assertTrue(records.get(1).startsWith("{\"seq\":1,"), records.get(1));
        assertTrue(records.get(1).contains("\"command\":{\"type\":\"ReceiveStock\",\"movementId\":4294967297,"),
                records.get(1));
    }

    /**
     * {@code dump | head}: once the reader has gone, the dump stops within a check's worth of lines, instead of
     * reading a journal of any length to its end for nobody (a sharded one too).
     */
    @Test
    void dumpStopsOnceWhoReadsItsOutputHasGone() {
        Path dir = tmp.resolve("long");
        Path sharded = tmp.resolve("long-sharded");
        assertEquals(0, run("demo", "--journal", dir.toString(), "--skus", "2", "--attempts", "6000").code());
        assertEquals(0, run("demo", "--journal", sharded.toString(), "--shards", "2", "--skus", "2", "--attempts",
                "6000").code());
        for (Path one : List.of(dir, sharded)) {
            ReaderGoneAfterOneLine pipe = new ReaderGoneAfterOneLine();
            StringWriter err = new StringWriter();

            int code = PurestockCli.run(new PrintWriter(pipe, true), new PrintWriter(err), "dump", "--journal",
                    one.toString());

            assertEquals(0, code, err.toString());
            assertTrue(pipe.linesRefused <= 1024, one + ": " + pipe.linesRefused + " lines printed to nobody");
        }
    }

    /** Standard output whose reader stops after the first line, as {@code head -1} does: every later write fails. */
    private static final class ReaderGoneAfterOneLine extends Writer {
        private boolean gone;
        private long linesRefused;

        @Override
        public void write(char[] chars, int offset, int length) throws IOException {
            if (gone) {
                linesRefused += new String(chars, offset, length).chars().filter(c -> c == '\n').count();
                throw new IOException("Broken pipe");
            }
            gone = new String(chars, offset, length).indexOf('\n') >= 0;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    /**
     * {@code replay --full} (and a bound replay with it) ignores snapshots, so on a pruned journal, whose first record
     * is past sequence 0, it cannot start: it said "no usable snapshot covers the commands before it" of a journal
     * whose snapshot serves every other replay, sending the operator after snapshots that are fine.
     */
    @Test
    void replayFullOfAPrunedJournalSaysItIgnoredTheSnapshotsNotThatNoneIsUsable() throws IOException {
        Path dir = tmp.resolve("pruned");
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            for (long sequence = 100; sequence < 110; sequence++) {
                writer.onDecided(sequence, 1_000 + sequence, new Command.ListProduct(sequence, 0),
                        List.of(new Event.ProductListed(sequence, 0)), true);
            }
        }
        new SnapshotStore(dir).write(99, 1_099, new MapInventoryStore());
        assertEquals("snapshot@99", run("replay", "--journal", dir.toString()).values().get("recovered-from"));

        for (Run full : List.of(run("replay", "--journal", dir.toString(), "--full"),
                run("replay", "--journal", dir.toString(), "--full", "--until-seq", "105"))) {
            assertEquals(PurestockCli.FAILED, full.code(), full.out());
            assertTrue(full.errorLine().contains("starts at sequence 100 but recovery needs sequence 0"), full.err());
            assertFalse(full.errorLine().contains("no usable snapshot"), full.err());
            assertTrue(full.errorLine().contains("snapshots were not used"), full.err());
        }
    }

    @Test
    void verifyStatsSnapshotAndPruneAnswerOnAGoodJournal() throws IOException {
        Path dir = tmp.resolve("ops");
        run(demo(dir));
        Run verify = run("verify", "--journal", dir.toString());
        assertEquals(0, verify.code(), verify.err());
        assertEquals("ok", verify.values().get("result"));
        assertEquals("440", verify.values().get("records-verified"));

        Map<String, String> stats = run("stats", "--journal", dir.toString()).values();
        assertEquals("440", stats.get("records"));
        assertEquals("0", stats.get("first-sequence"));
        assertEquals("439", stats.get("last-sequence"));
        assertEquals("140", stats.get("accepted"));
        assertEquals("300", stats.get("rejected"));
        assertEquals("300", stats.get("rejected.OUT_OF_STOCK"));
        assertEquals("1", stats.get("cycles"));

        Run snapshot = run("snapshot", "--journal", dir.toString(), "--keep", "3");
        assertEquals(0, snapshot.code(), snapshot.err());
        assertEquals("439", snapshot.values().get("last-sequence"));

        Run prune = run("prune", "--journal", dir.toString(), "--keep-snapshots", "1");
        assertEquals(0, prune.code(), prune.err());
        assertEquals("1", prune.values().get("snapshots-kept"));
        assertEquals("0", prune.values().get("cycles-deleted"), "the only cycle is the current one");
        try (Stream<Path> files = Files.list(dir.resolve("snapshots"))) {
            assertEquals(2, files.count(), "one snapshot and the manifest");
        }
    }

    /**
     * verify compares each snapshot with the state it decides at the snapshot's sequence and reports how many it
     * checked; a snapshot that differs fails it, named on standard error; an unusable one is a note.
     */
    @Test
    void verifyChecksEverySnapshotAndNamesOneThatDiffersFromTheJournal() throws IOException {
        Path dir = tmp.resolve("snapshots-checked");
        run(demo(dir));
        assertEquals(0, run("snapshot", "--journal", dir.toString(), "--keep", "3").code());
        List<SnapshotInfo> listed = new SnapshotStore(dir).list();
        Run verify = run("verify", "--journal", dir.toString());
        assertEquals(0, verify.code(), verify.err());
        assertEquals("empty", verify.values().get("started-at"));
        assertEquals(String.valueOf(listed.size()), verify.values().get("snapshots-checked"), listed.toString());
        assertFalse(verify.err().contains("note:"), verify.err());

        SnapshotInfo last = listed.getLast();
        SnapshotInfo other = new SnapshotStore(dir, 3).writeSnapshot(last.lastSequence(), last.time() + 1,
                new MapInventoryStore());
        Run differs = run("verify", "--journal", dir.toString());
        assertEquals(1, differs.code(), differs.out());
        assertEquals("diverged", differs.values().get("result"));
        assertTrue(differs.err().contains("\npurestock verify: snapshot " + other.file() + " at sequence "
                + last.lastSequence() + " differs from the journal's state at that sequence: it holds state-hash "),
                differs.err());

        Files.write(other.file(), new byte[(int) other.bytes()]);
        Run unusable = run("verify", "--journal", dir.toString());
        assertEquals(0, unusable.code(), unusable.err());
        assertEquals(String.valueOf(listed.size() - 1), unusable.values().get("snapshots-checked"));
        assertTrue(unusable.err().contains("note: snapshot " + other.file() + " is unusable ("), unusable.err());
    }

    @Test
    void snapshotAndPruneRefuseAJournalAnEngineIsWriting() {
        Path dir = tmp.resolve("busy");
        try (JournaledEngine running = JournaledEngine.builder(dir).start()) {
            running.engine().submit(new Command.ListProduct(1, 0)).join();
            for (String command : List.of("snapshot", "prune")) {
                Run refused = run(command, "--journal", dir.toString());
                assertEquals(1, refused.code(), command);
                assertEquals("purestock " + command + ": journal " + dir + " is in use by another purestock process "
                        + "(lock " + dir.resolve("purestock.lock") + "); stop it first", oneLine(refused.err()));
            }
        }
        Run snapshot = run("snapshot", "--journal", dir.toString());
        assertEquals(0, snapshot.code(), snapshot.err());
        assertEquals("0", snapshot.values().get("last-sequence"));
    }

    /**
     * While an engine rolls to a new cycle file, the file has no header yet: the commands that change the journal
     * name the engine that holds it, not the header the engine is about to write.
     */
    @Test
    void truncateAndPruneNameTheEngineWhileItRollsToACycleFileWithNoHeaderYet() throws IOException {
        Path dir = tmp.resolve("rolling");
        try (JournaledEngine running = JournaledEngine.builder(dir).start()) {
            running.engine().submit(new Command.ListProduct(1, 0)).join();
            Path rolling = dir.resolve("29991231F.cq4");
            Files.write(rolling, new byte[4096]);
            try {
                for (List<String> command : List.of(List.of("truncate", "--after-seq", "0"), List.of("prune"),
                        List.of("repair", "--truncate"))) {
                    Run refused = run(Stream.concat(command.stream(), Stream.of("--journal", dir.toString()))
                            .toArray(String[]::new));
                    assertEquals(1, refused.code(), command.toString());
                    assertEquals("purestock " + command.getFirst() + ": journal " + dir + " is in use by another "
                            + "purestock process (lock " + dir.resolve("purestock.lock") + "); stop it first",
                            oneLine(refused.err()));
                }
            } finally {
                Files.delete(rolling);
            }
        }
    }

    /** An engine that holds a journal with no record yet is named as one holding a journal with records is. */
    @Test
    void pruneTruncateAndRepairRefuseAFreshlyStartedEngine() {
        Path dir = tmp.resolve("fresh");
        try (JournaledEngine running = JournaledEngine.builder(dir).start()) {
            for (List<String> command : List.of(List.of("prune"), List.of("repair", "--truncate"),
                    List.of("truncate", "--after-seq", "-1"))) {
                Run refused = run(Stream.concat(command.stream(), Stream.of("--journal", dir.toString()))
                        .toArray(String[]::new));
                assertEquals(1, refused.code(), command + ": " + refused.out());
                assertEquals("purestock " + command.getFirst() + ": journal " + dir + " is in use by another "
                        + "purestock process (lock " + dir.resolve("purestock.lock") + "); stop it first",
                        oneLine(refused.err()));
                assertEquals("", refused.out(), command.toString());
            }
        }
        Run prune = run("prune", "--journal", dir.toString());
        assertEquals(0, prune.code(), prune.err());
        Run repair = run("repair", "--journal", dir.toString(), "--truncate");
        assertEquals(0, repair.code(), repair.err());
        assertEquals("ok", repair.values().get("result"));
    }

    @Test
    void theDemoAndPruneReportWhereTheyMovedASnapshotAheadOfTheJournal() throws Exception {
        Path dir = tmp.resolve("stale");
        Map<String, String> first = run(demo(dir)).values();
        long ahead = Long.parseLong(first.get("last-sequence")) + 10;
        new SnapshotStore(dir).write(ahead, 0, new MapInventoryStore());
        String name = String.format("snapshot-%020d.bin", ahead);
        byte[] bytes = Files.readAllBytes(dir.resolve("snapshots").resolve(name));

        Run again = run(demo(dir));

        assertEquals(0, again.code(), again.err());
        Path aside = onlyAsideFolder(dir);
        assertTrue(again.err().contains("note: moved " + name + " to " + aside + ": the snapshot is ahead of the "
                + "journal"), again.err());
        assertArrayEquals(bytes, Files.readAllBytes(aside.resolve(name)), "kept aside as it was");
        assertEquals("snapshot@" + first.get("last-sequence"), again.values().get("recovered-from"));

        long later = Long.parseLong(again.values().get("last-sequence")) + 10;
        new SnapshotStore(dir).write(later, 0, new MapInventoryStore());
        Run prune = run("prune", "--journal", dir.toString());
        assertEquals(0, prune.code(), prune.err());
        assertTrue(prune.err().contains("note: moved " + String.format("snapshot-%020d.bin", later) + " to "
                + dir.resolve("snapshots").resolve("ahead-")), prune.err());
        assertArrayEquals(bytes, Files.readAllBytes(aside.resolve(name)), "pruning leaves what was set aside");
    }

    /** The one folder a snapshot ahead of the journal in {@code dir} was moved to. */
    private static Path onlyAsideFolder(Path dir) throws IOException {
        try (Stream<Path> folders = Files.list(dir.resolve("snapshots"))) {
            List<Path> found = folders.filter(Files::isDirectory).toList();
            assertEquals(1, found.size(), found.toString());
            assertTrue(found.getFirst().getFileName().toString().startsWith("ahead-"), found.toString());
            return found.getFirst();
        }
    }

    @Test
    void aCorruptJournalGivesOneLineNamingTheRecordAndExitOne() throws IOException {
        Path dir = tmp.resolve("corrupt");
        run(demo(dir));
        flipByteOfRecord(dir, 200);
        for (String command : List.of("verify", "stats", "replay")) {
            Run run = command.equals("replay") ? run(command, "--journal", dir.toString(), "--full")
                    : run(command, "--journal", dir.toString());
            assertEquals(1, run.code(), command);
            String line = oneLine(run.err());
            assertTrue(line.startsWith("purestock " + command + ": journal record seq 200 (queue index 0x"), line);
            assertTrue(line.contains("inspect with `purestock dump --journal " + dir + " --from 200 --to 200`"), line);
            assertTrue(line.endsWith("see `purestock repair --journal " + dir + "`"), line);
        }
        Run dump = run("dump", "--journal", dir.toString(), "--from", "200", "--to", "200");
        assertEquals(1, dump.code());
        assertTrue(dump.out().startsWith("seq=200 index=0x") && dump.out().contains("CORRUPT"), dump.out());
        assertEquals("purestock dump: 1 record(s) fail their checksum", oneLine(dump.err()));
    }

    @Test
    void aMissingDirectoryGivesOneLineAndExitOne() {
        String missing = tmp.resolve("missing").toString();
        for (String command : List.of("replay", "dump", "verify", "snapshot", "stats", "prune")) {
            Run run = run(command, "--journal", missing);
            assertEquals(1, run.code(), command);
            assertEquals("purestock " + command + ": journal directory " + missing + " does not exist; --journal takes "
                    + "the directory an engine journals to", run.errorLine());
        }
    }

    @Test
    void anErrorAfterAProgressBarStartsALineOfItsOwn() throws IOException {
        Path dir = tmp.resolve("long");
        Run demo = run("demo", "--journal", dir.toString(), "--skus", "20", "--stock", "5", "--attempts", "20000",
                "--snapshot-every", "0");
        assertEquals(0, demo.code(), demo.err());
        long corrupt = 18_000;
        flipByteOfRecord(dir, corrupt);
        for (String command : List.of("replay", "verify")) {
            Run run = command.equals("replay") ? run(command, "--journal", dir.toString(), "--full")
                    : run(command, "--journal", dir.toString());
            assertEquals(1, run.code(), command);
            List<String> lines = run.errLines();
            assertEquals(2, lines.size(), run.err());
            assertTrue(lines.get(0).startsWith("\r" + command + " ["), lines.get(0));
            assertTrue(lines.get(0).endsWith("% 16384/20040"), "the bar stopped where the read did: " + lines.get(0));
            assertTrue(lines.get(1).startsWith("purestock " + command + ": journal record seq " + corrupt + " "),
                    lines.get(1));
        }
    }

    @Test
    void badArgumentsGiveOneLineAndExitTwo() {
        assertUsage(run("demo", "--skus", "0", "--journal", tmp.toString()), "purestock demo: --skus must be between 1");
        assertUsage(run("demo", "--producers", "many"), "purestock demo: Invalid value for option '--producers'");
        assertUsage(run("dump"), "purestock dump: Missing required option: '--journal=DIR'");
        assertUsage(run("dump", "--journal", tmp.toString(), "--from", "5", "--to", "1"), "purestock dump: --to 1 is before --from 5");
        assertUsage(run("prune", "--journal", tmp.toString(), "--keep-snapshots", "0"), "purestock prune: --keep-snapshots must be at least 1");
        assertUsage(run("snapshot", "--journal", tmp.resolve("missing").toString(), "--keep", "0"),
                "purestock snapshot: --keep must be at least 1, was 0");
        assertUsage(run("dump", "--journal", tmp.toString(), "--from", "-5"), "purestock dump: --from must be a sequence, at least 0, was -5");
        assertUsage(run("dump", "--journal", tmp.toString(), "--to", "-1"), "purestock dump: --to must be a sequence, at least 0, was -1");
        assertUsage(run("dump", "--journal", tmp.toString(), "--from", "x"), "purestock dump: Invalid value for option '--from'");
        for (String command : List.of("replay", "dump", "verify", "stats", "snapshot", "prune", "demo")) {
            assertUsage(run(command, "--journal", ""), "purestock " + command + ": Invalid value for option '--journal': "
                    + "a journal directory is needed, got an empty path");
        }
        assertUsage(run("demo", "--customers", "0", "--journal", tmp.toString()), "purestock demo: --customers must be at least 1");
        assertUsage(run("demo", "--snapshot-every", "-1", "--journal", tmp.toString()), "purestock demo: --snapshot-every must be at least 0");
        assertUsage(run("demo", "--attempts", "-1", "--journal", tmp.toString()), "purestock demo: --attempts must be at least 0");
    }

    @Test
    void anUnknownOrMissingSubcommandIsAUsageErrorThatPointsToHelp() {
        Run unknown = run("launch");
        assertEquals(PurestockCli.USAGE, unknown.code());
        assertEquals("", unknown.out());
        assertEquals("purestock: unknown subcommand 'launch'; run `purestock --help`", unknown.errorLine());

        Run none = run();
        assertEquals(PurestockCli.USAGE, none.code());
        assertEquals("purestock: name a subcommand; run `purestock --help`", none.errorLine());

        assertUsage(run("--frobnicate"), "purestock: Unknown option: '--frobnicate'");
    }

    @Test
    void everySubcommandHasHelp() {
        for (String command : List.of("demo", "replay", "dump", "verify", "snapshot", "stats", "prune")) {
            Run help = run(command, "--help");
            assertEquals(0, help.code(), command);
            assertTrue(help.out().startsWith("Usage: purestock " + command), help.out());
        }
        assertTrue(run("--help").out().contains("demo"));
    }

    private static void assertUsage(Run run, String start) {
        assertEquals(PurestockCli.USAGE, run.code(), run.err());
        String line = oneLine(run.err());
        assertTrue(line.startsWith(start), line);
        assertFalse(run.err().contains("\tat "), "no stack trace");
    }

    private static String oneLine(String text) {
        List<String> lines = text.lines().filter(line -> !line.isBlank() && !line.contains("[main] WARN")
                && !line.startsWith("verify [") && !line.startsWith("replay [") && !line.startsWith("\r")).toList();
        assertEquals(1, lines.size(), text);
        assertFalse(text.contains("\tat "), "no stack trace: " + text);
        return lines.get(0);
    }

    /** Flips a byte inside the record with {@code sequence}: found by its header's version and sequence fields. */
    static void flipByteOfRecord(Path dir, long sequence) throws IOException {
        Path cycle;
        try (Stream<Path> files = Files.list(dir)) {
            cycle = files.filter(f -> f.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(cycle);
        for (int at = 8; at + 8 <= bytes.length; at++) {
            boolean match = bytes[at - 4] == JournalRecordDescriptor.CURRENT_VERSION && bytes[at - 3] == 0;
            for (int i = 0; i < 8 && match; i++) {
                match = bytes[at + i] == (byte) (sequence >>> (8 * i));
            }
            if (match) {
                try (RandomAccessFile raf = new RandomAccessFile(cycle.toFile(), "rw")) {
                    raf.seek(at + 12);
                    int b = raf.read();
                    raf.seek(at + 12);
                    raf.write(b ^ 0x5A);
                }
                return;
            }
        }
        throw new AssertionError("record " + sequence + " not found");
    }
}
