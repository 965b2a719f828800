package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cycle file that starts with zeros, what a writer stopped as it created the file leaves, is named at once by the
 * subcommands that read a journal: Chronicle Queue would wait for its header, 10 s at each place it looks, and then
 * fail in words about queue indexes.
 */
class ZeroedCycleFileTest {
    private static final List<String> READERS = List.of("verify", "stats", "dump", "replay");
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");

    @TempDir
    Path dir;

    @Test
    void aZeroedCycleFileIsNamedByEveryReader() throws IOException {
        journal();
        Path only = cycleFiles().getLast();
        Files.write(only, new byte[(int) Files.size(only)]);

        for (String command : READERS) {
            Run run = Run.of(command, "--journal", dir.toString());
            assertEquals(PurestockCli.FAILED, run.code(), command + ": " + run.out());
            assertEquals("purestock " + command + ": cycle file " + only.getFileName() + " of journal " + dir
                    + " has no header (it starts with zeros): a writer stopped as it created it, or the file was "
                    + "written over, and no reader can open it; it is the newest cycle file, which the next engine "
                    + "start on the directory moves aside (refused if the journal acknowledged records that are not "
                    + "before it, or keeps no high-water mark to tell)", run.errorLine(), command);
        }
        Run status = Run.of("status", "--journal", dir.toString());
        assertEquals(0, status.code(), status.err());
        assertTrue(status.values().get("journal-error").startsWith("cycle file " + only.getFileName() + " of journal "
                + dir + " has no header"), status.out());
        assertEquals("none (no primary or standby has run on this journal)", status.values().get("replication"));
    }

    /**
     * A first header still marked not complete, what a writer stopped as it wrote the header leaves (or another
     * program's bytes whose first word has that bit), is named as one of zeros is: a reader would wait for the writer
     * to finish it, again and again, without end.
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCycleFileWhoseHeaderWasNeverFinishedIsNamedByEveryReader() throws IOException {
        journal();
        Path only = cycleFiles().getLast();
        try (FileChannel channel = FileChannel.open(only, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer word = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(word, 0);
            // Chronicle Queue's header word, little-endian: its top bit says the header is not complete yet
            word.putInt(0, word.getInt(0) | Integer.MIN_VALUE).rewind();
            channel.write(word, 0);
        }

        for (String command : READERS) {
            Run run = Run.of(command, "--journal", dir.toString());
            assertEquals(PurestockCli.FAILED, run.code(), command + ": " + run.out());
            assertEquals("purestock " + command + ": cycle file " + only.getFileName() + " of journal " + dir
                    + " has no header (it starts with one a writer never finished): a writer stopped as it created "
                    + "it, or the file was written over, and no reader can open it; it is the newest cycle file, which "
                    + "the next engine start on the directory moves aside (refused if the journal acknowledged records "
                    + "that are not before it, or keeps no high-water mark to tell)", run.errorLine(), command);
        }
        Run status = Run.of("status", "--journal", dir.toString());
        assertEquals(0, status.code(), status.err());
        assertTrue(status.values().get("journal-error").startsWith("cycle file " + only.getFileName() + " of journal "
                + dir + " has no header (it starts with one a writer never finished)"), status.out());

        // the engine start the message points to refuses too, at once: the file may hold the acknowledged records
        Path commands = Files.writeString(dir.resolveSibling(dir.getFileName() + "-commands.jl"), "");
        Run submit = Run.of("submit", "--journal", dir.toString(), commands.toString());
        assertEquals(PurestockCli.FAILED, submit.code(), submit.out());
        assertTrue(submit.errorLine().contains("cycle file " + only.getFileName() + " of journal " + dir + " has no "
                + "header (it starts with one a writer never finished), and no reader can open it: the journal "
                + "acknowledged records up to seq 4, and the cycle files before it end at no record"), submit.errorLine());
    }

    @Test
    void aZeroedCycleFileBeforeLaterOnesIsNamedAsOneToRestore() throws IOException {
        journal();
        Path first = cycleFiles().getLast();
        String name = first.getFileName().toString();
        Path later = dir.resolve(LocalDate.parse(name.substring(0, 8), DAY).plusDays(1).format(DAY)
                + name.substring(8));
        Files.copy(first, later);
        Files.write(first, new byte[(int) Files.size(first)]);

        Run run = Run.of("verify", "--journal", dir.toString());
        assertEquals(PurestockCli.FAILED, run.code(), run.out());
        assertTrue(run.errorLine().startsWith("purestock verify: cycle file " + first.getFileName() + " of journal "
                + dir + " has no header (it starts with zeros): a writer stopped as it created it, or the file was "
                + "written over, and no reader can open it; 1 later cycle file holds later records, so it held records "
                + "that no reader can find: restore it from a copy of the directory or a standby's journal. No cut is "
                + "offered around it"), run.errorLine());
        // the subcommands that would cut refuse it alike, naming what a cut before it would drop
        for (String command : List.of("repair", "truncate")) {
            Run cut = command.equals("repair") ? Run.of("repair", "--journal", dir.toString(), "--truncate")
                    : Run.of("truncate", "--journal", dir.toString(), "--after-seq", "2");
            assertEquals(PurestockCli.FAILED, cut.code(), cut.out());
            assertTrue(cut.errorLine().contains("one before it would drop its records and every later file's, the "
                    + "acknowledged ones among them (the journal acknowledged records up to seq 4)"), cut.errorLine());
        }
    }

    private void journal() {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = 1; sku <= 5; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
        }
    }

    private List<Path> cycleFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".cq4")).sorted().toList();
        }
    }
}
