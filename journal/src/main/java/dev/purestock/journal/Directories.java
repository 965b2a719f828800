package dev.purestock.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the names in a journal's directories durable. A file's {@code fsync} promises nothing about the directory
 * entry that names it (POSIX; ext4 and xfs happen to write it back with the file), so a file just created or
 * renamed, or a directory just made, survives a power loss only once the directory that holds it is synced too.
 */
final class Directories {
    /** Windows does not open a directory as a file: there the file system makes names durable by itself. */
    private static final boolean NO_DIRECTORY_SYNC = System.getProperty("os.name", "").startsWith("Windows");

    private Directories() {
    }

    /**
     * Syncs {@code dir} itself to the device ({@code fsync} of the directory).
     *
     * @return whether it was synced: {@code false} on Windows, which cannot open a directory, where the file system
     *     makes names durable by itself and nothing more can be done from Java
     * @throws IOException when the directory cannot be opened elsewhere (no file descriptor left, no permission),
     *                     or the device refuses the write-back
     */
    static boolean force(Path dir) throws IOException {
        if (NO_DIRECTORY_SYNC) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
        return true;
    }

    /**
     * Creates {@code dir} and any missing directory above it, as {@link Files#createDirectories} does, and syncs the
     * directory holding each one it created, so that a new journal or shard directory does not vanish whole after a
     * power loss. The path is walked up as written, not normalized: after a symbolic link, {@code ..} is the link
     * target's parent on the file system, not the link's, and {@link Files#createDirectories} follows the file system.
     *
     * @return how many directories were synced: none when {@code dir} existed already
     */
    static int createDurably(Path dir) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path level = dir.toAbsolutePath(); level != null && !Files.isDirectory(level);
             level = level.getParent()) {
            missing.add(level);
        }
        if (missing.isEmpty()) {
            return 0;
        }
        Files.createDirectories(dir);
        int synced = 0;
        for (Path created : missing) {
            if (created.getParent() != null && force(created.getParent())) {
                synced++;
            }
        }
        return synced;
    }
}
