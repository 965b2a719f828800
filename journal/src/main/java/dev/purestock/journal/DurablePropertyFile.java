package dev.purestock.journal;

import java.io.IOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a one-property file of a journal directory so that a crash leaves the old file or the new one, never a
 * torn one: written to a temporary file, forced to disk, renamed over the old one, and the directory forced. What
 * the shard count ({@link JournalLayout}) and the epoch ({@link JournalEpoch}) are recorded with.
 */
final class DurablePropertyFile {
    private DurablePropertyFile() {
    }

    /** Records {@code key=value}, under a {@code comment} line, in {@code dir/fileName}, durably. */
    static void write(Path dir, String fileName, String comment, String key, String value) throws IOException {
        Path file = dir.resolve(fileName);
        Path temp = dir.resolve(fileName + ".tmp");
        Directories.createDurably(dir);
        try (Writer out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
            out.write("# " + comment + System.lineSeparator());
            out.write(key + "=" + value + System.lineSeparator());
        }
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        Directories.force(dir);
    }
}
