package dev.purestock.cli;

import java.io.IOException;
import java.io.Writer;

/**
 * Standard error as the subcommands write it: a progress bar redraws its line with {@code \r} and leaves it
 * open, and whatever else is written next (an error, a note) first ends that line, so it never lands on the
 * bar's line. A write that begins with {@code \r} redraws the bar; one that begins with a line break ends it
 * itself.
 */
final class StatusLineWriter extends Writer {
    private final Writer out;
    private boolean statusLineOpen;

    StatusLineWriter(Writer out) {
        super(out);
        this.out = out;
    }

    @Override
    public void write(char[] chars, int offset, int length) throws IOException {
        if (length == 0) {
            return;
        }
        synchronized (lock) {
            char first = chars[offset];
            if (statusLineOpen && first != '\r' && first != '\n') {
                out.write(System.lineSeparator());
            }
            out.write(chars, offset, length);
            int lastBreak = lastIndexOf(chars, offset, length, '\n');
            int lastReturn = lastIndexOf(chars, offset, length, '\r');
            if (lastReturn > lastBreak) {
                statusLineOpen = true;
            } else if (lastBreak >= 0) {
                statusLineOpen = false;
            }
        }
    }

    private static int lastIndexOf(char[] chars, int offset, int length, char wanted) {
        for (int i = offset + length - 1; i >= offset; i--) {
            if (chars[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
