package dev.purestock.cli;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Lines of a byte stream, each decoded as UTF-8 on its own and strictly: a line that is not valid UTF-8 throws
 * for that line only, and the next call reads the line after it. A reader over the whole stream
 * ({@link java.io.BufferedReader}) either replaces bad bytes silently or fails while decoding a block ahead of the
 * line being read, so it cannot say which line was bad nor go on after it.
 *
 * <p>A line ends at {@code \n}; a {@code \r} before it is dropped, so files written with CRLF read alike. The last
 * line needs no line end. A line longer than the most it keeps ({@link #MAX_LINE_BYTES} unless told) throws
 * {@link TooLong} once it is read to its end, without being kept: a file with no line ends is refused, not read
 * into memory until the heap runs out.
 */
final class Utf8Lines implements Closeable {
    /**
     * The longest line kept, in bytes: far above the longest command (a batch of 1,024 members of 64 lines each is
     * a few megabytes of JSON).
     */
    static final int MAX_LINE_BYTES = 64 << 20;
    private static final int BLOCK = 64 * 1024;

    /** A line longer than the reader keeps; it was read to its end and dropped, and the next call reads on. */
    static final class TooLong extends IOException {
        TooLong(long bytes, int max) {
            super("longer than " + max + " bytes (" + bytes + " before its line end)");
        }
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] block = new byte[BLOCK];
    private int blockStart;
    private int blockEnd;
    private byte[] line = new byte[256];
    private boolean ended;

    Utf8Lines(InputStream in) {
        this(in, MAX_LINE_BYTES);
    }

    Utf8Lines(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * The next line, without its line end, or null after the last.
     *
     * @throws CharacterCodingException when the line is not valid UTF-8; the line is consumed all the same
     * @throws TooLong                   when the line is longer than this reader keeps; consumed all the same
     */
    String next() throws IOException {
        int length = 0;
        long dropped = 0; // bytes of a line too long to keep, once it is
        boolean any = false;
        while (true) {
            if (blockStart == blockEnd) {
                if (ended || !fill()) {
                    return any ? line(length, dropped) : null;
                }
            }
            any = true;
            int newline = indexOfNewline();
            int end = newline < 0 ? blockEnd : newline;
            if (dropped == 0 && (long) length + end - blockStart <= maxLineBytes) {
                length = append(length, end);
            } else {
                dropped = (dropped == 0 ? length : dropped) + end - blockStart;
            }
            blockStart = newline < 0 ? blockEnd : newline + 1;
            if (newline >= 0) {
                return line(length, dropped);
            }
        }
    }

    private String line(int length, long dropped) throws IOException {
        if (dropped > 0) {
            throw new TooLong(dropped, maxLineBytes);
        }
        return decode(length);
    }

    private boolean fill() throws IOException {
        int read;
        do {
            read = in.read(block, 0, block.length);
        } while (read == 0);
        if (read < 0) {
            ended = true;
            return false;
        }
        blockStart = 0;
        blockEnd = read;
        return true;
    }

    private int indexOfNewline() {
        for (int i = blockStart; i < blockEnd; i++) {
            if (block[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private int append(int length, int end) {
        int count = end - blockStart;
        if (length + count > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, length + count));
        }
        System.arraycopy(block, blockStart, line, length, count);
        return length + count;
    }

    private String decode(int length) throws CharacterCodingException {
        int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        return decoder.reset().decode(ByteBuffer.wrap(line, 0, end)).toString();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
