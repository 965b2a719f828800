package dev.purestock.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where a journal ends, kept apart from the journal's own files: the sequence of the last record the writer
 * had written when it let the batch holding it be acknowledged. A reader that cannot read that far (a
 * damaged record header, a cycle file cut short) knows that acknowledged records are unreachable, however
 * the damage hides them from Chronicle Queue, which takes the first unreadable header for the end.
 *
 * <p>The writer sets the mark at the end of every batch, after the batch's records are in the queue (and,
 * with {@link Durability#SYNC_PER_BATCH}, synced) and before any of them is acknowledged, so every
 * acknowledged record is at or below it. Records above it were never acknowledged. The mark is a memory
 * mapped page: setting it costs two stores, and it reaches the disk with the page cache (forced on close;
 * the JDK unmaps the page when the buffer is collected).
 *
 * <p><b>After a power loss</b> the mark on the device is what the page cache last wrote back of it, so it may lag the
 * last acknowledged record. With {@code SYNC_PER_BATCH} that loses nothing and refuses nothing: the mark is set only
 * after the records it covers are synced, so the device never holds a mark ahead of its records; a mark that lags only
 * says less about how far the journal must reach. Every use of it stays safe. A reader refuses only records that end
 * below it. A start cuts an unreadable tail only where the damage lies above it, and the damage a power loss leaves
 * lies after every acknowledged record, all synced; the cut keeps every record before the damage. A newest cycle file
 * whose header was never finished is set aside only when the records before it reach it, and with {@code
 * SYNC_PER_BATCH} such a file holds no acknowledged record whatever the mark says: its header was written before its
 * first record and synced with it. What a lagging mark gives up is the check that would name acknowledged records a
 * disk lost after syncing them (a device that drops synced writes, a cycle file deleted): that check holds up to the
 * mark on the device. One value would be harmful: {@link #NONE}, which says nothing of what was acknowledged, so that
 * a start refuses a torn tail behind it; a {@code SYNC_PER_BATCH} writer therefore forces the first mark it sets after
 * opening ({@link #setSynced}), once per open, and leaves the rest to the page cache (forcing every one would double
 * the device flushes per batch). The opposite order, a mark on the device ahead of its records, is what
 * {@link Durability#PAGE_CACHE} may leave, its records not synced: then the start refuses, naming the acknowledged
 * records the power loss took, if the mark's page reached the disk before theirs. A journal written with
 * {@code PAGE_CACHE} and then opened with {@code SYNC_PER_BATCH} can have both: the first forced mark covers records
 * the earlier run left unsynced in older cycle files, so a power loss that takes them is refused and named, not
 * passed over.
 *
 * <p>Layout of {@code DIR/purestock.hwm} (little-endian): two slots of 16 bytes at offsets 8 and 24, each
 * a sequence and its bitwise complement, after an 8-byte magic. Marks go to the slots in turn, so a write
 * torn by a crash spoils at most the slot it was writing and the other still holds the previous mark; the
 * mark is the larger valid slot.
 */
final class JournalHighWaterMark implements AutoCloseable {
    /** The file's name inside the journal directory. */
    static final String FILE_NAME = "purestock.hwm";
    /** No mark: the journal was never written by a writer that keeps one. */
    static final long NONE = -1;

    private static final long MAGIC = 0x3130304D57485350L; // "PSHWM001"
    private static final int MAGIC_OFFSET = 0;
    private static final int SLOT_OFFSET = 8;
    private static final int SLOT_LENGTH = 16;
    private static final int FILE_LENGTH = SLOT_OFFSET + 2 * SLOT_LENGTH;

    private final MappedByteBuffer buffer;
    private int nextSlot;
    /** A mark was forced by {@link #setSynced} since this writer opened the file. */
    private boolean forcedSinceOpen;

    private JournalHighWaterMark(MappedByteBuffer buffer) {
        this.buffer = buffer;
    }

    /** Opens (creating when missing) the mark of the journal in {@code dir} for writing. */
    static JournalHighWaterMark open(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            boolean fresh = channel.size() < FILE_LENGTH;
            MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_WRITE, 0, FILE_LENGTH);
            buffer.order(ByteOrder.LITTLE_ENDIAN);
            JournalHighWaterMark mark = new JournalHighWaterMark(buffer);
            if (fresh || buffer.getLong(MAGIC_OFFSET) != MAGIC) {
                mark.reset(NONE);
            }
            // the first set writes the slot that does not hold the newest mark, so that a set torn by a crash
            // leaves the newest mark standing in the other
            mark.nextSlot = slot(buffer, 0) >= slot(buffer, 1) ? 1 : 0;
            return mark;
        } catch (IOException e) {
            throw new JournalException("cannot open the high-water mark " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the mark of the journal in {@code dir} without changing it.
     *
     * @return the marked sequence, {@link #NONE} when there is no mark file
     * @throws JournalCorruptException when the file exists but neither slot holds a valid mark
     */
    static long read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return NONE;
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new JournalException("cannot read the high-water mark " + file + ": " + e.getMessage(), e);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < FILE_LENGTH || in.getLong(MAGIC_OFFSET) != MAGIC) {
            throw damaged(file);
        }
        long mark = Math.max(slot(in, 0), slot(in, 1));
        if (mark == Long.MIN_VALUE) {
            throw damaged(file);
        }
        return mark;
    }

    private static JournalCorruptException damaged(Path file) {
        // the advice must work as written: every reader refuses the journal while the file is there, verify included
        return new DamagedMarkException("the high-water mark " + file + " is damaged, so purestock cannot tell "
                + "whether every acknowledged record is still in the journal and reads none of it; move the file out "
                + "of the directory (keep it): `purestock verify --journal " + file.getParent() + "` then reads the "
                + "journal without it, and if it reads every record you expect, the next start writes a new one; if "
                + "not, put it back and restore the journal from a copy or a standby");
    }

    /** The valid sequence in {@code slot}, {@link Long#MIN_VALUE} when the slot is spoilt. */
    private static long slot(ByteBuffer in, int slot) {
        int offset = SLOT_OFFSET + slot * SLOT_LENGTH;
        long sequence = in.getLong(offset);
        return in.getLong(offset + 8) == ~sequence && sequence >= NONE ? sequence : Long.MIN_VALUE;
    }

    /** Marks {@code sequence} as the journal's end; called by the one writer, after the records are written. */
    void set(long sequence) {
        int offset = SLOT_OFFSET + nextSlot * SLOT_LENGTH;
        nextSlot ^= 1;
        buffer.putLong(offset + 8, ~sequence);
        buffer.putLong(offset, sequence);
    }

    /**
     * As {@link #set}, for a writer whose records up to {@code sequence} are synced
     * ({@link Durability#SYNC_PER_BATCH}): the first mark set since the file was opened is forced to the device too, so
     * that once a record was acknowledged the device never holds {@link #NONE} (what a new journal's mark holds, or a
     * mark whose page a killed writer left unwritten). Later marks reach the device with the page cache: one that lags
     * there refuses nothing and loses nothing (see the class comment), and forcing each would cost a second device
     * flush per batch.
     */
    void setSynced(long sequence) {
        set(sequence);
        if (!forcedSinceOpen) {
            buffer.force();
            forcedSinceOpen = true;
        }
    }

    /**
     * Sets both slots to {@code sequence}, and forces the page: for a writer that starts a mark or a repair
     * that lowers it.
     */
    void reset(long sequence) {
        buffer.putLong(MAGIC_OFFSET, MAGIC);
        for (int slot = 0; slot < 2; slot++) {
            int offset = SLOT_OFFSET + slot * SLOT_LENGTH;
            buffer.putLong(offset, sequence);
            buffer.putLong(offset + 8, ~sequence);
        }
        buffer.force();
    }

    @Override
    public void close() {
        buffer.force();
    }
}
