package dev.purestock.cli;

import dev.purestock.journal.JournalException;

import java.nio.file.Files;
import java.nio.file.Path;

/** Checks shared by the subcommands. */
final class Cli {
    private Cli() {
    }

    /** Fails with a one-line message unless {@code dir} is a directory. */
    static void requireJournal(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new JournalException("journal directory " + dir + " does not exist");
        }
    }
}
