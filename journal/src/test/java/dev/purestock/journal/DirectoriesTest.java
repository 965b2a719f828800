package dev.purestock.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A directory made for a journal has its name synced in the directory above it, one sync for each level made, and
 * none when it existed already.
 */
class DirectoriesTest {
    @TempDir
    Path root;

    @Test
    void eachDirectoryMadeIsSyncedInItsParentAndAnExistingOneIsLeftAlone() throws IOException {
        Path shard = root.resolve("journal").resolve("shard-0");

        assertEquals(2, Directories.createDurably(shard), "journal in the root, shard-0 in journal");
        assertTrue(Files.isDirectory(shard));
        assertEquals(0, Directories.createDurably(shard));
        assertEquals(1, Directories.createDurably(root.resolve("journal").resolve("shard-1")));
    }

    @Test
    void aParentStepAfterASymbolicLinkIsTheFileSystemsNotTheTextsParent() throws IOException {
        Files.createDirectories(root.resolve("x").resolve("y"));
        Files.createSymbolicLink(root.resolve("link"), root.resolve("x").resolve("y"));
        Files.createDirectory(root.resolve("new")); // where the path's text would lead, were ".." to drop "link"

        // the file system resolves link/.. to x, so the directory to make is x/new, and x holds its name
        assertEquals(1, Directories.createDurably(root.resolve("link").resolve("..").resolve("new")));
        assertTrue(Files.isDirectory(root.resolve("x").resolve("new")));
    }

    @Test
    void aDirectoryCanBeSyncedHere() throws IOException {
        assertTrue(Directories.force(root), "Linux opens a directory to sync it");
    }
}
