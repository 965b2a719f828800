package dev.purestock.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bit flipped high in a position Chronicle Queue keeps for itself (an index entry, or the cycle header's write
 * position) points petabytes past the data, and Chronicle, mapping its way there, fills a list with a slot per chunk
 * until the heap runs out. The records under it are whole: a reader reads them in order, and gives the heap back; a
 * writer is refused by name before Chronicle goes there, and a repair rewrites the file. Each case runs in a child
 * JVM with a 256 MiB heap, where that list runs out of memory in seconds.
 */
class ChronicleHeaderDamageTest {
    /** High enough that Chronicle's slot list outgrows a 256 MiB heap, low enough that its chunk number fits an int. */
    private static final int HIGH_BIT = 55;

    @TempDir
    Path dir;

    @Test
    void aReaderReadsPastAnIndexEntryWithAHighBitFlippedInOrder() throws Exception {
        JournalFiles.write(dir, 0, 300);
        Path cycle = JournalFiles.cycleFile(dir);
        List<Long> headers = JournalFiles.headerOffsets(dir);
        long entry = JournalFiles.offsetOfLong(cycle, headers.getFirst());
        assertTrue(entry < headers.getFirst(), "the first document's index entry lies before the data");
        JournalFiles.flipBit(cycle, entry, HIGH_BIT);

        assertEquals(List.of(
                "end 299, read 300",
                "seek 150 true, read 150",
                "appended 300",
                "end 300, read 301",
                "held 160 MiB"), runChild());
    }

    @Test
    void aWriterIsRefusedByNameOverAWritePositionWithAHighBitFlippedAndRepairRewritesTheFile() throws Exception {
        JournalFiles.write(dir, 0, 300);
        Path cycle = JournalFiles.cycleFile(dir);
        List<Long> headers = JournalFiles.headerOffsets(dir);
        long writePosition = JournalFiles.offsetOfLong(cycle, headers.getLast());
        assertTrue(writePosition < headers.getFirst(), "the write position lies in the cycle header");
        JournalFiles.flipBit(cycle, writePosition, HIGH_BIT);

        List<String> lines = runChild();
        assertEquals(7, lines.size(), String.join("\n", lines));
        assertEquals("end 299, read 300", lines.get(0));
        assertEquals("seek 150 true, read 150", lines.get(1));
        assertTrue(lines.get(2).startsWith("writer refused: journal " + dir + " cannot be appended to: the header of "
                + "cycle file " + cycle.getFileName() + " is damaged"), lines.get(2));
        assertTrue(lines.get(2).endsWith("Run `purestock repair --journal " + dir + "`, which rewrites that file"),
                lines.get(2));
        assertEquals("diagnosed: last good 299, damage true, loses acknowledged false", lines.get(3));
        assertEquals("appended 300 after the repair", lines.get(4));
        assertEquals("end 300, read 301", lines.get(5));
        assertEquals("held 160 MiB", lines.get(6));
    }

    /** Runs {@link HeaderDamageChild} on the journal; its lines, without Chronicle's log. */
    private List<String> runChild() throws Exception {
        Path log = dir.resolveSibling(dir.getFileName() + "-child.log");
        Process child = ChildJvm.start(HeaderDamageChild.class, log, dir.toString());
        try {
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child did not finish");
        } finally {
            child.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(log).stream()
                .filter(line -> !line.startsWith("[") && !line.startsWith("WARNING") && !line.isBlank())
                .toList();
        assertEquals(0, child.exitValue(), String.join("\n", Files.readAllLines(log)));
        return lines;
    }
}
