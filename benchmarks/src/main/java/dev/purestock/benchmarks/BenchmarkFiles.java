package dev.purestock.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.stream.Stream;

/** File chores the harnesses share. */
public final class BenchmarkFiles {
    private BenchmarkFiles() {
    }

    /**
     * Where a harness measures, for the end of the settings line atop its {@code .tsv}: {@code code=COMMIT date=DAY},
     * the commit {@code benchmarks/run.sh} names in {@code -Dpurestock.commit} ({@code unknown} without it) and today
     * in UTC. The report shows them with the harness's table.
     */
    public static String measuredAt() {
        String commit = System.getProperty("purestock.commit", "").strip().replaceAll("\\s+", "_");
        return "code=" + (commit.isEmpty() ? "unknown" : commit) + " date=" + LocalDate.now(ZoneOffset.UTC);
    }

    /** What a harness runs in its journal directory. */
    @FunctionalInterface
    public interface InDirectory {
        /** Runs in {@code dir}; returns the exit code. */
        int run(Path dir) throws IOException;
    }

    /**
     * Runs {@code harness} in {@code journal}, or, when it is {@code null}, in a new temporary directory named
     * after {@code prefix} that is deleted afterwards.
     */
    public static int inJournal(Path journal, String prefix, InDirectory harness) throws IOException {
        if (journal != null) {
            return harness.run(journal);
        }
        Path dir = Files.createTempDirectory(prefix);
        try {
            return harness.run(dir);
        } finally {
            deleteRecursively(dir);
        }
    }

    /** Deletes {@code dir} and everything below it: a harness's temporary journal once it is done. */
    public static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
