package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.journal.JournaledEngine;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.purestock.cli.PurestockCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RepairCommandTest {
    @TempDir
    Path dir;

    @Test
    void aDamagedHeaderIsReportedByVerifyAndRepairAndCutOnlyWithConsent() throws Exception {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = 1; sku <= 40; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
        }
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

    @Test
    void truncateCountsTheAcknowledgedRecordsBehindDamageItCuts() throws Exception {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = 1; sku <= 40; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
        }
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

    private Run verify(String command) {
        return run(command, "--journal", dir.toString());
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
        Path cycle;
        try (Stream<Path> files = Files.list(dir)) {
            cycle = files.filter(f -> f.toString().endsWith(SingleChronicleQueue.SUFFIX)).findFirst().orElseThrow();
        }
        try (RandomAccessFile file = new RandomAccessFile(cycle.toFile(), "rw")) {
            file.seek(offset);
            file.writeInt(0);
        }
    }
}
