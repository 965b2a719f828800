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
 * line needs no line end.
 */
final class Utf8Lines implements Closeable {
    private static final int BLOCK = 64 * 1024;

    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] block = new byte[BLOCK];
    private int blockStart;
    private int blockEnd;
    private byte[] line = new byte[256];
    private boolean ended;

    Utf8Lines(InputStream in) {
        this.in = in;
    }

    /**
     * The next line, without its line end, or null after the last.
     *
     * @throws CharacterCodingException when the line is not valid UTF-8; the line is consumed all the same
     */
    String next() throws IOException {
        int length = 0;
        boolean any = false;
        while (true) {
            if (blockStart == blockEnd) {
                if (ended || !fill()) {
                    return any ? decode(length) : null;
                }
            }
            any = true;
            int newline = indexOfNewline();
            int end = newline < 0 ? blockEnd : newline;
            length = append(length, end);
            blockStart = newline < 0 ? blockEnd : newline + 1;
            if (newline >= 0) {
                return decode(length);
            }
        }
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
