package dev.purestock.journal;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Room reserved in the writer's cycle file ahead of its records: every block of the file below {@link #reservedTo}
 * has a block of the file system behind it, so no write into those pages through the file's mapping can find the
 * disk full.
 *
 * <p>Why: a cycle file is sparse and memory mapped, so the file system allocates a block when a page is first
 * written through the mapping, and when it cannot (a full disk) the write is a {@code SIGBUS}. In a plain copy the
 * JVM turns that into an {@link InternalError}, but Chronicle Queue writes each document's header with an atomic
 * compare-and-set, and there the JVM does not: the whole process ends. A block reserved here is allocated by an
 * ordinary {@code pwrite}, which on a full disk fails with an {@link IOException} instead.
 *
 * <p>How: the room begins where the writer's last document ends, and beyond that end the file holds nothing yet,
 * so zeros are written there, a chunk at a time, in whole blocks. Chronicle may pad the end of a document to an
 * alignment, so the blocks within {@link #CAREFUL_BYTES} of the end are reserved with care instead: the block's
 * first byte is read, and a zero written there only when it holds zero (a byte that is not zero was written, so
 * its block is allocated), as glibc's {@code posix_fallocate} does where the file system lacks {@code fallocate}.
 * Neither changes what the file holds, since nobody else writes there meanwhile: the journal writer writes only
 * below {@link #reservedTo}, which moves past a block only once the block is reserved, and the pretoucher writes
 * only zeros over zeros. The JDK has no {@code fallocate}; the foreign-function API that could call it is a preview
 * API in JDK 21, which purestock supports.
 *
 * <p>Safe for two threads (the writer and the pretoucher): {@link #covers} reads without a lock, a reservation
 * takes one.
 */
final class CycleFileRoom implements AutoCloseable {
    /** The unit reserved: a page, and the block size of the usual file systems. */
    static final long BLOCK_BYTES = 4096;
    /** How far past the end of the writer's last document the blocks are reserved with care (see the class comment). */
    static final long CAREFUL_BYTES = 64;
    /** The most bytes of zeros written at once. */
    private static final int CHUNK_BYTES = 64 << 10;
    private static final int NO_CYCLE = Integer.MIN_VALUE;

    /** Opens and writes a cycle file: {@link #DEFAULT_WRITES}, or a file system that is full or refuses to open it. */
    @FunctionalInterface
    interface Writes {
        /** Writes {@code source} to {@code channel} at {@code position}, as {@link FileChannel#write} does. */
        int write(FileChannel channel, ByteBuffer source, long position) throws IOException;

        /** Opens {@code file} to read and write, as {@link FileChannel#open} does. */
        default FileChannel open(Path file) throws IOException {
            return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
    }

    /** The file system's own writes. */
    static final Writes DEFAULT_WRITES = FileChannel::write;

    private final Writes writes;
    private final ByteBuffer oneByte = ByteBuffer.allocateDirect(1);
    private final ByteBuffer zeros = ByteBuffer.allocateDirect(CHUNK_BYTES);
    /** The cycle whose file the room is in. */
    private volatile int cycle = NO_CYCLE;
    /** Every block of the file of {@link #cycle} from where the room began to here is reserved. */
    private volatile long reservedTo;
    /** Below here, blocks are reserved with care: they may hold the end of the writer's last document. */
    private long carefulTo;
    private FileChannel channel;
    private File file;
    private boolean closed;

    CycleFileRoom() {
        this(DEFAULT_WRITES);
    }

    CycleFileRoom(Writes writes) {
        this.writes = writes;
    }

    /** Whether the file of {@code cycle} is reserved up to {@code to}; cheap, any thread. */
    boolean covers(int cycle, long to) {
        return reservedTo(cycle) >= to;
    }

    /** How far the file of {@code cycle} is reserved; {@code 0} when the room is in another file. Cheap, any thread. */
    long reservedTo(int cycle) {
        // the cycle, the end, then the cycle again: begin() hides the cycle while the end belongs to the old file
        if (this.cycle != cycle) {
            return 0;
        }
        long to = reservedTo;
        return this.cycle == cycle ? to : 0;
    }

    /**
     * Begins the room in {@code file}, the file of {@code cycle}, at {@code from}, where the writer's last document
     * ends (nothing lies beyond it), unless the room is already in that file. Nothing is reserved yet.
     */
    synchronized void begin(int cycle, File file, long from) throws IOException {
        if (closed || this.cycle == cycle) {
            return;
        }
        this.cycle = NO_CYCLE; // hidden while it changes files, so that covers() never pairs a cycle with old room
        closeChannel();
        this.channel = writes.open(file.toPath());
        this.file = file;
        this.carefulTo = roundUp(from + CAREFUL_BYTES);
        this.reservedTo = from;
        this.cycle = cycle;
    }

    /**
     * Reserves the file of {@code cycle} up to at least {@code to} (in whole blocks), and up to at most {@code most}
     * bytes past where it was reserved (a caller that must not hold the writer up long reserves a little at a time).
     * Does nothing when the room is in another file.
     *
     * @return how far the file is reserved now
     * @throws IOException when the file system has no block left (the disk is full) or the file cannot be written
     */
    synchronized long reserve(int cycle, long to, long most) throws IOException {
        if (closed || this.cycle != cycle) {
            return 0;
        }
        long block = reservedTo / BLOCK_BYTES * BLOCK_BYTES;
        long end = roundUp(to);
        if (most < end - block) {
            end = block + Math.max(BLOCK_BYTES, roundUp(most));
        }
        while (block < end) {
            if (block < carefulTo) {
                backCarefully(block);
                block += BLOCK_BYTES;
            } else {
                int length = (int) Math.min(CHUNK_BYTES, end - block);
                zeros.clear().limit(length);
                while (zeros.hasRemaining()) {
                    writes.write(channel, zeros, block + zeros.position());
                }
                block += length;
            }
            reservedTo = block;
        }
        return reservedTo;
    }

    /** Reads the block's first byte, and writes a zero there when it holds zero (or lies beyond the file's end). */
    private void backCarefully(long block) throws IOException {
        oneByte.clear();
        if (channel.read(oneByte, block) == 1 && oneByte.get(0) != 0) {
            return;
        }
        oneByte.clear().put(0, (byte) 0);
        while (oneByte.hasRemaining()) {
            writes.write(channel, oneByte, block);
        }
    }

    private static long roundUp(long bytes) {
        return (bytes + BLOCK_BYTES - 1) / BLOCK_BYTES * BLOCK_BYTES;
    }

    /** The file the room is in, or {@code null}; for messages. */
    synchronized File file() {
        return file;
    }

    private void closeChannel() throws IOException {
        FileChannel open = channel;
        channel = null;
        file = null;
        if (open != null) {
            open.close();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        cycle = NO_CYCLE;
        closeChannel();
    }
}
