package dev.purestock.cli;

import java.io.InputStream;
import java.util.Arrays;

/** {@code count} bytes of one value, made as they are read: input far larger than a test wants to keep. */
final class RepeatingInput extends InputStream {
    private final byte value;
    private long left;

    RepeatingInput(byte value, long count) {
        this.value = value;
        this.left = count;
    }

    @Override
    public int read() {
        return left-- > 0 ? value : -1;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) {
        if (left <= 0) {
            return -1;
        }
        int count = (int) Math.min(length, left);
        Arrays.fill(bytes, offset, offset + count, value);
        left -= count;
        return count;
    }
}
