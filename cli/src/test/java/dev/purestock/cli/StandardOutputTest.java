package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Standard output that cannot be written, as under {@code dump --json > copy.jsonl} on a full disk: the subcommands
 * stopped (or printed into nothing) and exited 0, so a script took a cut-short copy, or an empty summary, for a whole
 * one. Such a failure now fails the subcommand, exit 1, with one line; a reader that has gone ({@code dump | head})
 * still stops the subcommand with exit 0, as docs/cli.md says.
 */
class StandardOutputTest {
    @TempDir
    Path dir;

    @Test
    void aSubcommandWhoseOutputCannotBeWrittenFailsSayingSo() {
        journal(10);
        for (List<String> args : List.of(List.of("dump"), List.of("stats"), List.of("export", "--format", "csv"))) {
            String command = args.getFirst();
            StringWriter err = new StringWriter();

            int code = PurestockCli.run(InputStream.nullInputStream(), new StandardOutput(failing("No space left on device")),
                    new PrintWriter(err), Stream.concat(args.stream(), Stream.of("--journal", dir.toString())).toArray(String[]::new));

            assertEquals(PurestockCli.FAILED, code, command + ": " + err);
            List<String> lines = err.toString().lines().map(line -> line.substring(line.lastIndexOf('\r') + 1))
                    .filter(line -> !line.isBlank() && !line.startsWith(command + " [")).toList();
            assertEquals(List.of("purestock " + command + ": cannot write standard output (No space left on device): what "
                    + "it printed is incomplete"), lines, "one line besides the progress bar");
        }
    }

    @Test
    void aReaderThatHasGoneStillEndsTheSubcommandWithExitZero() {
        journal(10);
        StringWriter err = new StringWriter();

        int code = PurestockCli.run(InputStream.nullInputStream(), new StandardOutput(failing("Broken pipe")),
                new PrintWriter(err), "dump", "--journal", dir.toString());

        assertEquals(0, code, err.toString());
        assertEquals("", err.toString());
    }

    private void journal(int records) {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = 1; sku <= records; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
        }
    }

    /** An output every write to which fails with {@code message}, as the operating system says it. */
    private static OutputStream failing(String message) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException(message);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                throw new IOException(message);
            }
        };
    }
}
