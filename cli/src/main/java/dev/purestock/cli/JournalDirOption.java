package dev.purestock.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --journal DIR} option the operations commands share. */
final class JournalDirOption {
    @Option(names = "--journal", paramLabel = "DIR", required = true,
            description = "The journal directory (as written by the demo or an embedding service).")
    Path dir;
}
