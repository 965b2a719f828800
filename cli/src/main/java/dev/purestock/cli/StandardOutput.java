package dev.purestock.cli;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Standard output that keeps the first failure to write it: the {@link java.io.PrintWriter} the subcommands print
 * through keeps only that one happened ({@code checkError}), which tells a reader that has gone ({@code dump | head},
 * where stopping is all there is to do) from output that was lost (a full disk under {@code dump --json > copy}).
 */
final class StandardOutput extends OutputStream {
    private final OutputStream out;
    private IOException failure;

    StandardOutput(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        try {
            out.write(bytes, offset, length);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /**
     * What lost output: the first failure to write, unless it said the reader had gone (a broken pipe, which the
     * operating system names {@code EPIPE}, "Broken pipe"); {@code null} when nothing was lost.
     */
    IOException lost() {
        boolean readerGone = failure != null && failure.getMessage() != null
                && failure.getMessage().contains("Broken pipe");
        return readerGone ? null : failure;
    }

    private IOException failed(IOException e) {
        if (failure == null) {
            failure = e;
        }
        return e;
    }
}
