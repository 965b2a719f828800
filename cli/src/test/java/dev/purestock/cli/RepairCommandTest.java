package dev.purestock.cli;

import com.google.gson.JsonObject;
import dev.purestock.domain.Command;
import dev.purestock.journal.JournalRecordDescriptor;
import dev.purestock.journal.JournaledEngine;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static dev.purestock.cli.PurestockCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RepairCommandTest {
    @TempDir
    Path dir;

    @Test
    void aDamagedHeaderIsReportedByVerifyAndRepairAndCutOnlyWithConsent() throws Exception {
        journal(40);
        zeroHeaderOfRecord(dir, 30);

        Run verify = run("verify", "--journal", dir.toString());
        assertEquals(1, verify.code());
        assertTrue(verify.err().contains("cannot be read past seq 29"), verify.err());
        assertTrue(verify.err().contains("records 30..39 are unreachable"), verify.err());

        Run diagnose = run("repair", "--journal", dir.toString());
        assertEquals(1, diagnose.code(), diagnose.err());
        assertEquals("29", diagnose.values().get("last-good-sequence"));
        assertEquals("39", diagnose.values().get("high-water-mark"));
        assertEquals("10", diagnose.values().get("acknowledged-behind-damage"));

        Run alone = run("repair", "--journal", dir.toString(), "--accept-loss");
        assertEquals(2, alone.code(), "--accept-loss without --truncate is a usage error: " + alone.err());
        assertTrue(alone.err().contains("--accept-loss goes with --truncate"), alone.err());

        Run refused = run("repair", "--journal", dir.toString(), "--truncate");
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("--accept-loss"), refused.err());
        assertEquals(1, verify("verify").code(), "a refused repair changes nothing");

        Run cut = run("repair", "--journal", dir.toString(), "--truncate", "--accept-loss");
        assertEquals(0, cut.code(), cut.err());
        assertEquals("truncated", cut.values().get("result"));
        Run after = verify("verify");
        assertEquals(0, after.code(), after.err());
        assertEquals("30", after.values().get("records-verified"));
        assertEquals("ok", run("repair", "--journal", dir.toString()).values().get("result"));
    }

    /**
     * Damage in the journal's last document is found as the reader opens (it looks for the journal's end), before
     * repair counts a record: repair said records=0 and that a cut "keeps the 0 good records", beside
     * last-good-sequence=38, while the cut keeps 39.
     */
    @Test
    void damageFoundAsTheJournalOpensCountsTheGoodRecordsBeforeIt() throws Exception {
        journal(40);
        damageRecord(dir, 39, record -> record.put(JournalRecordDescriptor.HEADER_LENGTH,
                (byte) (record.get(JournalRecordDescriptor.HEADER_LENGTH) ^ 1)));

        Run diagnose = run("repair", "--journal", dir.toString());

        assertEquals(PurestockCli.FAILED, diagnose.code(), diagnose.err());
        assertEquals("38", diagnose.values().get("last-good-sequence"), diagnose.out());
        assertEquals("39", diagnose.values().get("records"), diagnose.out());
        assertTrue(diagnose.errorLine().contains("keeps the 39 good records"), diagnose.err());
        Run cut = run("repair", "--journal", dir.toString(), "--truncate", "--accept-loss");
        assertEquals(0, cut.code(), cut.err());
        assertEquals("39", cut.values().get("records"), cut.out());
        assertEquals("39", verify("verify").values().get("records-verified"));
    }

    /**
     * The end of the data written over with zeros, from a record's header on, as the pages a power loss took from a
     * sparse cycle file read: Chronicle Queue, unable to reach the last document its store names, takes the queue's
     * first document for its last, and the reader took its word. Repair said the journal could not be read past the
     * first document's record, and that a cut keeping only that record was what --truncate offered, with every
     * record after it (which all read) counted as acknowledged records behind the damage.
     */
    @Test
    void zerosOverTheEndOfTheDataAreFoundWhereTheyStart() throws Exception {
        journal(40);
        zeroFromRecordToTheEnd(dir, 30);

        Run diagnose = run("repair", "--journal", dir.toString());

        assertEquals(PurestockCli.FAILED, diagnose.code(), diagnose.err());
        assertEquals("29", diagnose.values().get("last-good-sequence"), diagnose.out());
        assertEquals("30", diagnose.values().get("records"), diagnose.out());
        assertEquals("10", diagnose.values().get("acknowledged-behind-damage"), diagnose.out());
        Run stats = run("stats", "--journal", dir.toString());
        assertTrue(stats.errorLine().contains("cannot be read past seq 29"), stats.err());
    }

    /**
     * Damage the reader meets as it opens (in the journal's last document, or zeros over the end of the data) made
     * {@code dump} print nothing but the error, whose advice is to inspect the record with {@code dump --from N --to N}:
     * that dump printed nothing either. It prints every record that Chronicle Queue gives, the damaged one as
     * CORRUPT, then the damage.
     */
    @Test
    void dumpShowsTheRecordsBeforeDamageFoundAsTheJournalOpens() throws Exception {
        journal(40);
        damageRecord(dir, 39, record -> record.put(JournalRecordDescriptor.HEADER_LENGTH,
                (byte) (record.get(JournalRecordDescriptor.HEADER_LENGTH) ^ 1)));
        Run stats = run("stats", "--journal", dir.toString());
        assertTrue(stats.errorLine().contains("inspect with `purestock dump --journal " + dir + " --from 39 --to 39`"),
                stats.err());

        Run advised = run("dump", "--journal", dir.toString(), "--from", "39", "--to", "39");
        Run whole = run("dump", "--journal", dir.toString());

        assertEquals(PurestockCli.FAILED, advised.code(), advised.err());
        assertEquals(1, advised.out().lines().count(), advised.out());
        assertTrue(advised.out().startsWith("seq=39 ") && advised.out().contains(" CORRUPT "), advised.out());
        assertEquals(PurestockCli.FAILED, whole.code(), whole.err());
        List<String> lines = whole.out().lines().toList();
        assertEquals(40, lines.size(), whole.out());
        assertTrue(lines.get(38).startsWith("seq=38 ") && lines.get(39).contains(" CORRUPT "), whole.out());
    }

    @Test
    void dumpShowsTheRecordsBeforeZerosOverTheEndOfTheData() throws Exception {
        journal(40);
        zeroFromRecordToTheEnd(dir, 30);

        Run dump = run("dump", "--journal", dir.toString());

        assertEquals(PurestockCli.FAILED, dump.code(), dump.err());
        assertEquals(30, dump.out().lines().count(), dump.out());
        assertTrue(dump.errorLine().contains("cannot be read past seq 29"), dump.err());
        assertTrue(dump.errorLine().contains("records 30..39 are unreachable"), dump.err());
    }

    @Test
    void truncateCountsTheAcknowledgedRecordsBehindDamageItCuts() throws Exception {
        journal(40);
        zeroHeaderOfRecord(dir, 30);

        Run dry = run("truncate", "--journal", dir.toString(), "--after-seq", "29");

        assertEquals(PurestockCli.FAILED, dry.code());
        assertEquals("10", dry.values().get("records-cut"), dry.out());
        assertEquals("10", dry.values().get("acknowledged-cut"), dry.out());
        assertTrue(dry.err().contains("cannot be read past seq 29"), dry.err());
        assertTrue(dry.err().contains("add --confirm to cut 10 records"), dry.err());

        Run cut = run("truncate", "--journal", dir.toString(), "--after-seq", "29", "--confirm");

        assertEquals(0, cut.code(), cut.err());
        assertEquals("10", cut.values().get("acknowledged-cut"), cut.out());
        assertTrue(cut.err().contains("up to seq 39, is moved aside"), cut.err());
        Run after = verify("verify");
        assertEquals(0, after.code(), after.err());
        assertEquals("30", after.values().get("records-verified"));
    }

    /**
     * A cut the journal cannot make (after the damage: the records before the cut do not all read) is refused by the
     * dry run as by the cut itself: the dry run offered to cut with --confirm, which then refused.
     */
    @Test
    void truncateWithoutConfirmRefusesWhatTheCutWouldRefuse() throws Exception {
        journal(40);
        zeroHeaderOfRecord(dir, 30);

        Run dry = run("truncate", "--journal", dir.toString(), "--after-seq", "35");
        Run cut = run("truncate", "--journal", dir.toString(), "--after-seq", "35", "--confirm");

        assertEquals(PurestockCli.FAILED, cut.code(), cut.out() + cut.err());
        assertTrue(cut.errorLine().contains("reads only up to seq 29, before seq 35"), cut.err());
        assertEquals(PurestockCli.FAILED, dry.code(), dry.out() + dry.err());
        assertEquals(cut.errorLine(), dry.errorLine());
        assertEquals("", dry.out(), "no report of a cut that cannot be made");
    }

    /**
     * A journal written before the high-water mark existed cannot tell which records were acknowledged: truncate says
     * unknown, as repair does, instead of reporting that none of the records it cuts were.
     */
    @Test
    void truncateOfAJournalWithoutAHighWaterMarkCannotTellWhatWasAcknowledged() throws Exception {
        journal(10);
        Files.delete(dir.resolve("purestock.hwm"));

        Run dry = run("truncate", "--journal", dir.toString(), "--after-seq", "5");

        assertEquals(PurestockCli.FAILED, dry.code(), dry.err());
        assertEquals("4", dry.values().get("records-cut"), dry.out());
        assertEquals("unknown", dry.values().get("acknowledged-cut"), dry.out());
        Run nothingCut = run("truncate", "--journal", dir.toString(), "--after-seq", "9");
        assertEquals("0", nothingCut.values().get("acknowledged-cut"), "nothing cut, nothing acknowledged cut");
    }

    /**
     * A cut at or past the journal's last record cuts nothing: the dry run asked for --confirm "to cut 0 records" and
     * failed, and the cut itself reported result=truncated while its note said the journal was left as it was.
     */
    @Test
    void truncateAtOrPastTheEndSaysThereIsNothingToCut() throws Exception {
        journal(10);

        for (String after : List.of("9", "50")) {
            Run dry = run("truncate", "--journal", dir.toString(), "--after-seq", after);
            Run cut = run("truncate", "--journal", dir.toString(), "--after-seq", after, "--confirm");

            for (Run run : List.of(dry, cut)) {
                assertEquals(0, run.code(), run.out() + run.err());
                assertEquals("0", run.values().get("records-cut"), run.out());
                assertEquals("nothing-to-cut", run.values().get("result"), run.out());
            }
        }
        Run after = verify("verify");
        assertEquals(0, after.code(), after.err());
        assertEquals("10", after.values().get("records-verified"));
    }

    @Test
    void aRecordOfANewerSchemaIsReportedAsSuchAndNeverCut() throws Exception {
        journal(10);
        rewriteRecord(dir, 7, record -> record.putShort(JournalRecordDescriptor.VERSION_OFFSET,
                (short) (JournalRecordDescriptor.CURRENT_VERSION + 1)));

        Run diagnose = run("repair", "--journal", dir.toString());
        assertEquals(PurestockCli.FAILED, diagnose.code());
        assertEquals("newer-version", diagnose.values().get("result"), diagnose.out());
        assertTrue(diagnose.values().get("damage").contains("written by a newer purestock"), diagnose.out());
        assertTrue(diagnose.errorLine().contains("upgrade purestock"), diagnose.err());
        assertTrue(!diagnose.err().contains("--truncate"), "no advice to cut: " + diagnose.err());

        Run cut = run("repair", "--journal", dir.toString(), "--truncate", "--accept-loss");
        assertEquals(PurestockCli.FAILED, cut.code());
        assertEquals("newer-version", cut.values().get("result"), cut.out());
        Run dump = run("dump", "--journal", dir.toString());
        assertEquals(10, dump.out().lines().count(), "nothing was cut: " + dump.out());
        assertTrue(dump.out().lines().toList().get(7).contains("CORRUPT (does not decode: schema version"),
                dump.out());
    }

    @Test
    void dumpPrintsARecordThatPassesItsChecksumButDoesNotDecodeAndGoesOn() throws Exception {
        journal(10);
        rewriteRecord(dir, 7, record -> record.put(JournalRecordDescriptor.HEADER_LENGTH, (byte) 99));

        Run dump = run("dump", "--journal", dir.toString());

        assertEquals(PurestockCli.FAILED, dump.code());
        List<String> lines = dump.out().lines().toList();
        assertEquals(10, lines.size(), dump.out());
        assertTrue(lines.get(7).startsWith("seq=7 index=0x"), lines.get(7));
        assertTrue(lines.get(7).contains(" CORRUPT (does not decode: "), lines.get(7));
        assertTrue(lines.get(7).contains(" hex="), lines.get(7));
        assertTrue(lines.get(8).startsWith("seq=8 "), lines.get(8));
        assertTrue(dump.errorLine().contains("1 record(s) pass it but do not decode"), dump.err());
        JsonObject json = Run.parse(run("dump", "--journal", dir.toString(), "--json", "--from", "7", "--to", "7")
                .out().strip()).getAsJsonObject();
        assertTrue(json.get("corrupt").getAsBoolean());
        assertTrue(json.get("problem").getAsString().startsWith("does not decode: "), json.toString());
        assertEquals(7, json.get("seq").getAsLong());

        Run verify = verify("verify");
        assertEquals(PurestockCli.FAILED, verify.code());
        assertTrue(verify.errorLine().contains("journal record seq 7 "), verify.err());
        assertTrue(verify.errorLine().contains("does not decode"), verify.err());
    }

    @Test
    void dumpJudgesItsRangeByWhereACorruptRecordStandsNotByItsDamagedSequence() throws Exception {
        journal(10);
        damageRecord(dir, 4, record -> record.putLong(JournalRecordDescriptor.SEQUENCE_OFFSET, 1_000_000));

        Run dump = run("dump", "--journal", dir.toString(), "--from", "2", "--to", "6");

        assertEquals(PurestockCli.FAILED, dump.code());
        List<String> lines = dump.out().lines().toList();
        assertEquals(5, lines.size(), "seq 2 to 6, the corrupt seq 4 among them: " + dump.out());
        assertTrue(lines.get(2).startsWith("seq=1000000 ") && lines.get(2).contains(" CORRUPT "), lines.get(2));
        assertTrue(lines.get(4).startsWith("seq=6 "), lines.get(4));
        Run before = run("dump", "--journal", dir.toString(), "--to", "3");
        assertEquals(0, before.code(), before.err());
        assertEquals(4, before.out().lines().count(), "a corrupt record after the range is not printed: " + before.out());
    }

    /**
     * verify names a record whose sequence is among its damaged bytes by its place (the sequence after the last good
     * record) and says to inspect it with {@code dump --from N --to N}; that dump answered "the journal holds no
     * sequence N", as no record reads as N. A record that passes its checksum under another sequence is no such place.
     */
    @Test
    void dumpFromThePlaceOfARecordWhoseSequenceIsDamagedPrintsThatRecord() throws Exception {
        journal(10);
        damageRecord(dir, 4, record -> record.putLong(JournalRecordDescriptor.SEQUENCE_OFFSET, 1_000_000));
        Run verify = verify("verify");
        assertTrue(verify.errorLine().contains("inspect with `purestock dump --journal " + dir + " --from 4 --to 4`"),
                verify.err());

        Run dump = run("dump", "--journal", dir.toString(), "--from", "4", "--to", "4");

        assertEquals(PurestockCli.FAILED, dump.code(), dump.err());
        List<String> lines = dump.out().lines().toList();
        assertEquals(1, lines.size(), dump.out());
        assertTrue(lines.getFirst().startsWith("seq=1000000 ") && lines.getFirst().contains(" CORRUPT "), lines.getFirst());
        assertEquals(6, run("dump", "--journal", dir.toString(), "--from", "4").out().lines().count());

        rewriteRecord(dir, 4, record -> record.putLong(JournalRecordDescriptor.SEQUENCE_OFFSET, 1_000_000));
        Run gap = run("dump", "--journal", dir.toString(), "--from", "4", "--to", "4");
        assertEquals(PurestockCli.FAILED, gap.code(), gap.out());
        assertTrue(gap.errorLine().contains("holds no sequence 4"), gap.err());
    }

    private void journal(int records) {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = 1; sku <= records; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
        }
    }

    /**
     * Changes the {@code record}th document of the journal in {@code dir}, a one-record document, in place and
     * gives it a matching checksum again, as a record that is no damage but reads differently would be.
     */
    static void rewriteRecord(Path dir, int record, Consumer<ByteBuffer> change) throws Exception {
        rewrite(dir, record, change, true);
    }

    /** Changes the {@code record}th document of the journal in {@code dir} in place, leaving its checksum as it was. */
    static void damageRecord(Path dir, int record, Consumer<ByteBuffer> change) throws Exception {
        rewrite(dir, record, change, false);
    }

    private static void rewrite(Path dir, int record, Consumer<ByteBuffer> change, boolean matchingChecksum)
            throws Exception {
        long offset = -1;
        int length = -1;
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).readOnly(true).build();
             ExcerptTailer tailer = queue.createTailer()) {
            for (int i = 0; i <= record; i++) {
                try (DocumentContext document = tailer.readingDocument()) {
                    offset = document.wire().bytes().readPosition();
                    length = (int) document.wire().bytes().readRemaining();
                }
            }
        }
        try (RandomAccessFile file = new RandomAccessFile(cycleFile(dir).toFile(), "rw")) {
            byte[] bytes = new byte[length];
            file.seek(offset);
            file.readFully(bytes);
            ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            change.accept(buffer);
            if (matchingChecksum) {
                CRC32C crc = new CRC32C();
                crc.update(bytes, 0, length - JournalRecordDescriptor.CHECKSUM_LENGTH);
                buffer.putInt(length - JournalRecordDescriptor.CHECKSUM_LENGTH, (int) crc.getValue());
            }
            file.seek(offset);
            file.write(bytes);
        }
    }

    private static Path cycleFile(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(SingleChronicleQueue.SUFFIX)).findFirst().orElseThrow();
        }
    }

    private Run verify(String command) {
        return run(command, "--journal", dir.toString());
    }

    /** Zeroes the journal in {@code dir} from the header of its {@code record}th document to the end of its data. */
    static void zeroFromRecordToTheEnd(Path dir, int record) throws Exception {
        long from = -1;
        long end = -1;
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).readOnly(true).build();
             ExcerptTailer tailer = queue.createTailer()) {
            for (int i = 0; ; i++) {
                try (DocumentContext document = tailer.readingDocument()) {
                    if (!document.isPresent()) {
                        break;
                    }
                    if (i == record) {
                        from = document.wire().bytes().readPosition() - 4;
                    }
                    end = document.wire().bytes().readLimit();
                }
            }
        }
        assertTrue(from > 0 && end > from, "record " + record + " is in the journal");
        try (RandomAccessFile file = new RandomAccessFile(cycleFile(dir).toFile(), "rw")) {
            file.seek(from);
            file.write(new byte[(int) (end - from)]);
        }
    }

    /** Zeroes the header of the {@code record}th document of the journal in {@code dir}. */
    static void zeroHeaderOfRecord(Path dir, int record) throws Exception {
        long offset = -1;
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).readOnly(true).build();
             ExcerptTailer tailer = queue.createTailer()) {
            for (int i = 0; i <= record; i++) {
                try (DocumentContext document = tailer.readingDocument()) {
                    offset = document.wire().bytes().readPosition() - 4;
                }
            }
        }
        try (RandomAccessFile file = new RandomAccessFile(cycleFile(dir).toFile(), "rw")) {
            file.seek(offset);
            file.writeInt(0);
        }
    }
}
