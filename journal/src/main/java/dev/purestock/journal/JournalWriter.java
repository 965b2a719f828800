package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.DecidedEvents;
import dev.purestock.domain.Event;
import dev.purestock.engine.DurabilityStage;
import dev.purestock.engine.SubmittedCommand;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The journal stage: appends one record per decided command to a Chronicle Queue and, with
 * {@link Durability#SYNC_PER_BATCH}, syncs the file at the end of each batch. At the end of each batch, after
 * its records (and the sync), it moves the journal's {@link JournalHighWaterMark} to the batch's last sequence:
 * no record of the batch is acknowledged before that, so readers know how far the journal must reach. The mark is not
 * synced with the batch (with {@code SYNC_PER_BATCH} the first one after open is, once), so after a power loss it may
 * lag the records on the device; with {@code SYNC_PER_BATCH} it never leads them, and that loses and refuses nothing
 * ({@link JournalHighWaterMark}).
 *
 * <p><b>Batch documents.</b> The records of one engine batch share Chronicle documents: the writer gathers them
 * and appends them as one document at the end of the batch, or earlier when the next record would take the
 * document past {@link #documentBytes(int) its size limit} ({@link #DEFAULT_DOCUMENT_BYTES}). A batch of one
 * command is a document of one record, as purestock always wrote; several records get a batch document (see
 * {@link JournalRecordDescriptor}). Readers see a document whole or not at all, so a crash never leaves part of
 * a document visible; a batch larger than the limit spans several documents, and a crash between them leaves
 * the earlier ones, above the high-water mark (never acknowledged), as a crash in the middle of a batch always
 * did. A record is visible to readers, and in the page cache, once its document is appended: at the latest
 * when {@link #onDecided} returns for the batch's last command. {@link #ONE_RECORD_PER_DOCUMENT} writes every
 * record in a document of its own at once, as purestock did before.
 *
 * <p><b>Failures.</b> When a record cannot be encoded or appended, the call throws and the engine stops,
 * acknowledging nothing from the batch's first command on; the records of that batch not yet appended are
 * dropped with it (a Chronicle document half written is rolled back, never committed), so the journal holds
 * whole records only, and none of the failed command.
 *
 * <p><b>Epoch.</b> Every record carries the epoch its directory records when the writer opens
 * ({@link JournalEpoch}); a promotion records the next one before a writer is opened on the directory.
 *
 * <p>Called from one thread at a time, as the engine does; the appender is created on first use. From open
 * to close a {@link JournalPretoucher} runs beside it on a thread of its own
 * ({@code purestock-shard-N-pretouch}, or {@code purestock-journal-pretouch} when opened without a shard),
 * touching the pages ahead of the last record so that the page faults of the cycle files happen there, not
 * on the journal thread.
 *
 * <p><b>A disk running full.</b> A cycle file is a sparse file written through a memory mapping, and a page the disk
 * cannot back is a {@code SIGBUS}, which ends the JVM when it hits Chronicle Queue's atomic write of a document
 * header. So the writer never writes where the file system has not given the file its blocks: before a document
 * goes where the writer's last one ended, the blocks it may take (with room for Chronicle's index arrays) are
 * reserved in the cycle file ({@link CycleFileRoom}: the pretoucher keeps them reserved ahead, the writer reserves
 * what it finds missing); before the first document of a cycle file, or the first since the writer opened, whose
 * place in the file it cannot know, it asks the file system for {@link #NEW_FILE_ROOM_BYTES} beyond the document.
 * When either finds no room, the write fails with a {@link JournalException} naming the journal before anything of
 * the document is written: the shard stops, acknowledging nothing more, and the JVM goes on.
 */
public final class JournalWriter implements DurabilityStage {
    /**
     * The default most bytes of one document: 64 KiB, about 600 purchases or a thousand 62-byte records. On a
     * 2-core machine the journal stage alone ({@code JournalBenchmark.writer}, batches of 1,000 commands)
     * appended 2.2 M records/s one document per record, 3.8 M/s in documents of 4 KiB, 4.7 M/s of 16 KiB and
     * 5.3 M/s of 64 KiB (docs/journal.md, Batch documents). A reader holds one document in memory at a time.
     */
    public static final int DEFAULT_DOCUMENT_BYTES = 64 << 10;
    /** A document limit that writes every record in a document of its own, at once, as before batch documents. */
    public static final int ONE_RECORD_PER_DOCUMENT = 0;
    /**
     * The room the file system must have, beyond a document and the index arrays it may need, before the writer
     * appends it where it cannot reserve the blocks first (the first document of a cycle file, or the first since it
     * opened): room for Chronicle Queue's header of a new cycle file, and a margin for whatever else writes to the
     * disk between this check and Chronicle's first write.
     */
    static final long NEW_FILE_ROOM_BYTES = 1L << 20;
    private static final int NO_CYCLE = Integer.MIN_VALUE;
    private static final String UNSHARDED_PRETOUCH_THREAD = "purestock-journal-pretouch";
    private static final Logger LOG = LoggerFactory.getLogger(JournalWriter.class);
    private final SingleChronicleQueue queue;
    private final JournalHighWaterMark highWaterMark;
    private final Durability durability;
    private final JournalRecordCodec codec = new JournalRecordCodec();
    private final JournalDocumentCodec.Encoder document = new JournalDocumentCodec.Encoder();
    private int documentBytes = DEFAULT_DOCUMENT_BYTES;
    private ExcerptAppender appender;
    /** The last sequence handed to this writer, gathered or appended. */
    private long lastSequence = Long.MIN_VALUE;
    /** The last sequence appended to the queue. */
    private long lastAppended = Long.MIN_VALUE;
    /** A record was begun and its call has not returned: if it never does (it threw), its batch is dropped. */
    private boolean recordOpen;
    /** Records were handed over since the last end of a batch. */
    private boolean batchOpen;
    private final AtomicLong published = new AtomicLong(Long.MIN_VALUE);
    private final JournalPretoucher pretoucher;
    /** The cycle file the last batch ended in, open for {@link #forceCycleFile} ({@code SYNC_PER_BATCH}). */
    private FileChannel synced;
    private File syncedFile;
    /** The journal's directory, synced with each cycle file a batch first ends in ({@code SYNC_PER_BATCH}). */
    private final Path dir;
    /** How many times {@link #forceCycleFile} synced {@link #dir}, for tests. */
    private long directorySyncs;
    /** The clock the queue rolls by, held still from the writer's check of a roll to Chronicle's. */
    private final LatchedClock clock;
    /** The blocks reserved in the cycle file ahead of the writer. */
    private final CycleFileRoom room;
    /** The room left on the journal's file system, in bytes; negative when it cannot be told. */
    private final LongSupplier usableSpace;
    /** The room a document may take beyond its own bytes: Chronicle's header, padding and index arrays. */
    private final long documentOverhead;
    /** The cycle of the last document this writer appended, and where that document ends in its file. */
    private int appendedCycle = NO_CYCLE;
    private long appendedEnd;

    private JournalWriter(Path dir, Durability durability, RollCycle rollCycle, TimeProvider time,
                          String pretouchThread, CycleFileRoom room, Function<Path, LongSupplier> usableSpace) {
        this.clock = new LatchedClock(time);
        this.dir = dir;
        this.queue = JournalQueues.forWriting(dir, durability, rollCycle, clock);
        this.durability = durability;
        this.room = room;
        this.usableSpace = usableSpace.apply(dir); // once the queue has made the directory
        // a new index array (and, in a new file, the index of index arrays) may precede the document
        this.documentOverhead = 2 * ((long) queue.indexCount() * Long.BYTES + CycleFileRoom.BLOCK_BYTES)
                + JournalRecordDescriptor.DOCUMENT_HEADER_LENGTH + CycleFileRoom.BLOCK_BYTES;
        try {
            String damage = JournalQueues.damagedWritePosition(queue);
            if (damage != null) {
                throw new JournalCorruptException("journal " + dir + " cannot be appended to: " + damage
                        + ". Its records may all still read; nothing was changed. Run `purestock repair --journal "
                        + dir + "`, which rewrites that file");
            }
            codec.epoch(JournalEpoch.read(dir));
            this.highWaterMark = JournalHighWaterMark.open(dir);
            if (durability == Durability.SYNC_PER_BATCH) {
                forceFoundCycleFiles();
            }
        } catch (RuntimeException e) {
            queue.close();
            closeRoom();
            throw e;
        }
        this.pretoucher = JournalPretoucher.start(queue, pretouchThread, this.usableSpace, room);
    }

    /** A writer appending to the journal in {@code dir} (created when missing). */
    public static JournalWriter open(Path dir, Durability durability) {
        return open(dir, durability, JournalRollCycle.DAILY);
    }

    /** A writer for shard {@code shard}'s journal in {@code dir}: its pretouch thread is named by the shard. */
    public static JournalWriter open(Path dir, Durability durability, int shard) {
        return new JournalWriter(dir, durability, JournalQueues.DEFAULT_ROLL_CYCLE, SystemTimeProvider.INSTANCE,
                "purestock-shard-" + shard + "-pretouch", new CycleFileRoom(), JournalPretoucher::usableSpace);
    }

    /**
     * A writer with an explicit roll cycle: how often a new cycle file starts, for a journal created here (an
     * existing journal keeps the cycle it was created with).
     */
    public static JournalWriter open(Path dir, Durability durability, JournalRollCycle rollCycle) {
        return new JournalWriter(dir, durability, rollCycle.chronicle(), SystemTimeProvider.INSTANCE,
                UNSHARDED_PRETOUCH_THREAD, new CycleFileRoom(), JournalPretoucher::usableSpace);
    }

    /** A writer whose cycle files roll by {@code clock}: for tests of multi-cycle journals. */
    static JournalWriter open(Path dir, Durability durability, RollCycle rollCycle, TimeProvider clock) {
        return new JournalWriter(dir, durability, rollCycle, clock, UNSHARDED_PRETOUCH_THREAD, new CycleFileRoom(),
                JournalPretoucher::usableSpace);
    }

    /**
     * A writer whose file system is played by {@code writes} (which reserve room in a cycle file) and
     * {@code usableSpace} (the room left): for tests of a disk running full.
     */
    static JournalWriter open(Path dir, Durability durability, RollCycle rollCycle, TimeProvider clock,
                              CycleFileRoom.Writes writes, LongSupplier usableSpace) {
        return new JournalWriter(dir, durability, rollCycle, clock, UNSHARDED_PRETOUCH_THREAD,
                new CycleFileRoom(writes), d -> usableSpace);
    }

    /**
     * Sets the most bytes one document of several records may take (header included); a record that would take
     * the document past it starts the next one, and a record too large to share a document within it is
     * appended at once in one of its own. {@link #ONE_RECORD_PER_DOCUMENT} (0) appends every record at once in a
     * document of its own. Set it before the first record.
     *
     * @return this writer
     * @throws IllegalArgumentException when {@code bytes} is negative or above
     *                                  {@link JournalRecordDescriptor#MAX_RECORD_LENGTH}, the largest message
     *                                  Chronicle Queue takes
     */
    public JournalWriter documentBytes(int bytes) {
        if (bytes < 0 || bytes > JournalRecordDescriptor.MAX_RECORD_LENGTH) {
            throw new IllegalArgumentException("a journal document limit is a number of bytes from 0 to "
                    + JournalRecordDescriptor.MAX_RECORD_LENGTH + " (Chronicle Queue's largest message), was " + bytes);
        }
        this.documentBytes = bytes;
        return this;
    }

    @Override
    public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch) {
        checkNoGap(sequence);
        int length = codec.encode(sequence, time, command, events);
        append(sequence, codec.buffer(), 0, length, endOfBatch);
    }

    /**
     * Encodes the command and events where the engine holds them (a command submitted as fields from its
     * fields): the same bytes as from the records, none built.
     */
    @Override
    public void onDecided(long sequence, long time, SubmittedCommand command, DecidedEvents events,
                          boolean endOfBatch) {
        checkNoGap(sequence);
        int length = codec.encode(sequence, time, command, events);
        append(sequence, codec.buffer(), 0, length, endOfBatch);
    }

    /**
     * Appends one record already encoded, {@code bytes[offset, offset + length)}, byte for byte: what a standby
     * does with the records its primary replicates, so that its journal holds the primary's very bytes. The
     * record joins the batch's document as an encoded one does, and {@code endOfBatch} ends the batch as in
     * {@link #onDecided(long, long, Command, List, boolean)} (the document appended, synced with
     * {@link Durability#SYNC_PER_BATCH}, the high-water mark moved).
     *
     * @throws JournalCorruptException when the bytes are not a whole record that passes its checksum, or are
     *                                 longer than {@link JournalRecordDescriptor#MAX_RECORD_LENGTH}; nothing is
     *                                 appended then
     * @throws JournalException        when the record does not follow the last one handed to this writer
     */
    public void appendRecord(byte[] bytes, int offset, int length, boolean endOfBatch) {
        if (length > JournalRecordDescriptor.MAX_RECORD_LENGTH || !codec.checksumMatches(bytes, offset, length)) {
            throw new JournalCorruptException("a record of " + length + " bytes (seq "
                    + JournalRecordCodec.sequenceOf(bytes, offset, length)
                    + ") is not whole or fails its checksum; refusing to journal it");
        }
        long sequence = JournalRecordCodec.sequenceOf(bytes, offset, length);
        checkNoGap(sequence);
        append(sequence, bytes, offset, length, endOfBatch);
    }

    /**
     * Ends the batch whose last command the engine did not deliver (a failure elsewhere in the shard came first):
     * the commands before that failure are acknowledged, so their records are appended, synced and below the
     * high-water mark as at any end of a batch. If that end fails (no room on the disk), the shard stops on the
     * error and what was not appended is dropped: none of it was acknowledged, and {@link #close} does not try it
     * again (it would journal records no caller was told of once the disk had room, or throw the same error again).
     */
    @Override
    public void onEndOfBatch() {
        if (!recordOpen && batchOpen) {
            try {
                endBatch();
            } catch (RuntimeException | Error e) {
                dropBatch();
                throw e;
            }
        }
    }

    /**
     * Begins a record: checks that it follows the last one. If the call that began it throws before
     * {@link #append} is done (the record did not encode, or the queue refused it), the batch is dropped: by
     * the next call, or by {@link #close}.
     */
    private void checkNoGap(long sequence) {
        if (recordOpen) {
            dropBatch();
        }
        if (lastSequence != Long.MIN_VALUE && sequence != lastSequence + 1) {
            throw new JournalException("journal expected sequence " + (lastSequence + 1) + " but was given "
                    + sequence + "; refusing to write a gap");
        }
        recordOpen = true;
    }

    /** Appends the record in {@code bytes[offset, offset + length)} to the batch's document. */
    private void append(long sequence, byte[] bytes, int offset, int length, boolean endOfBatch) {
        if (!document.isEmpty() && document.lengthWith(length) > documentBytes) {
            appendDocument();
        }
        if (document.isEmpty() && JournalRecordDescriptor.DOCUMENT_HEADER_LENGTH + length > documentBytes) {
            appendDocument(bytes, offset, length, sequence);
        } else {
            document.add(bytes, offset, length, sequence);
        }
        lastSequence = sequence;
        batchOpen = true;
        if (endOfBatch) {
            endBatch();
        }
        recordOpen = false;
    }

    private void endBatch() {
        if (!document.isEmpty()) {
            appendDocument();
        }
        if (durability == Durability.SYNC_PER_BATCH) {
            forceCycleFile();
            // only now has the journal reached it: snapshot retention must not count on an unsynced record
            published.lazySet(lastAppended);
            // after the sync, never before: a mark on the device ahead of its records would refuse a journal that lost
            // nothing. The first mark since open is forced too; the rest may lag on the device (JournalHighWaterMark)
            highWaterMark.setSynced(lastAppended);
        } else {
            highWaterMark.set(lastAppended);
        }
        batchOpen = false;
    }

    /** Appends the records gathered as one document. */
    private void appendDocument() {
        int offset = document.finish();
        long last = document.lastSequence();
        try {
            appendDocument(document.buffer(), offset, document.end() - offset, last);
        } finally {
            if (lastAppended == last) {
                // in the journal, even when what follows (reserving room in a new cycle file) threw: a later end of
                // the batch or close must not append it again, a journal with its records twice that no reader reads
                document.clear();
            }
        }
    }

    private void appendDocument(byte[] bytes, int offset, int length, long lastSequenceInIt) {
        ExcerptAppender out = appender();
        makeRoom(out, length);
        long end;
        try (DocumentContext chronicle = out.writingDocument()) {
            try {
                end = chronicle.wire().bytes().write(bytes, offset, length).writePosition();
            } catch (InternalError e) {
                chronicle.rollbackOnClose();
                // what the JVM makes of a page of the mapped cycle file the device cannot back
                throw new JournalException("cannot write to journal " + queue.file() + ": a page of its cycle file "
                        + out.currentFile() + " could not be written (the disk is full, or the device failed)", e);
            } catch (RuntimeException | Error e) {
                // closing would commit the bytes written so far: a document that fails its checksum and stops
                // every later recovery; dropping it leaves the journal whole, and the engine stops on the throw
                chronicle.rollbackOnClose();
                throw e;
            }
        }
        lastAppended = lastSequenceInIt;
        if (durability != Durability.SYNC_PER_BATCH) {
            published.lazySet(lastSequenceInIt);
        }
        int cycle = out.cycle();
        if (cycle != appendedCycle) {
            try {
                room.begin(cycle, out.currentFile(), end);
            } catch (IOException e) {
                throw new JournalException("cannot write to journal " + queue.file() + ": its cycle file "
                        + out.currentFile() + " cannot be opened to reserve room in it: " + e.getMessage(), e);
            }
            appendedCycle = cycle;
        }
        appendedEnd = end;
        pretoucher.onAppended(cycle, end);
    }

    /**
     * Makes sure the disk can back the next document, of {@code length} bytes, before any of it is written: the
     * blocks it may take are reserved where the writer knows where it goes, the file system is asked for room where
     * it does not (see the class comment). The queue's clock is held still from here to the append, so the cycle
     * checked is the cycle Chronicle writes to.
     *
     * @throws JournalException when there is no room; nothing of the document is written
     */
    private void makeRoom(ExcerptAppender out, int length) {
        clock.latch();
        int cycle = queue.cycle();
        long needed = length + documentOverhead;
        if (cycle == appendedCycle) {
            long to = appendedEnd + needed;
            if (!room.covers(cycle, to)) {
                try {
                    room.reserve(cycle, to, Long.MAX_VALUE);
                } catch (IOException e) {
                    throw new JournalException("cannot write to journal " + queue.file() + ": its file system has no "
                            + "room for the next " + length + " bytes in cycle file " + out.currentFile() + " ("
                            + e.getMessage() + "); nothing of them was written and every record before them is in "
                            + "the journal. Free space on the disk, then start again", e);
                }
            }
            return;
        }
        long usable = usableSpace.getAsLong();
        if (usable >= 0 && usable < needed + NEW_FILE_ROOM_BYTES) {
            throw new JournalException("cannot write to journal " + queue.file() + ": its file system has "
                    + usable + " bytes left, and the next " + length + " bytes go to the start of a cycle file, "
                    + "which needs " + (needed + NEW_FILE_ROOM_BYTES) + "; nothing of them was written and every "
                    + "record before them is in the journal. Free space on the disk, then start again");
        }
    }

    /** Drops the records of a batch a record failed in: none of them was acknowledged. */
    private void dropBatch() {
        document.clear();
        lastSequence = lastAppended;
        recordOpen = false;
        batchOpen = false;
    }

    /**
     * The sequence of the last record this writer appended (with {@link Durability#SYNC_PER_BATCH}: the last one
     * synced), {@link Long#MIN_VALUE} before the first; safe to
     * read from any thread (the snapshot writer reads it to know which snapshots the journal has reached).
     */
    public long lastSequenceWritten() {
        return published.get();
    }

    /**
     * The epoch every record this writer appends carries: the one its directory recorded when it opened
     * ({@link JournalEpoch}).
     */
    public long epoch() {
        return codec.epoch();
    }

    /** The pretoucher running beside this writer. */
    JournalPretoucher pretoucher() {
        return pretoucher;
    }

    /** The queue index of the last document this writer appended. */
    public long lastIndexAppended() {
        return appender().lastIndexAppended();
    }

    /**
     * Makes the batch durable: an {@code fdatasync} of the cycle file it ends in ({@link FileChannel#force}), which
     * writes back every page of the file the batch dirtied, and throws when the device fails. Chronicle's own
     * {@code ExcerptAppender.sync()} is not enough: it msyncs only the 64 MiB chunk of the file that holds the write
     * position, so the records of a batch that crossed into the next chunk were acknowledged while still only in the
     * page cache; and a failed {@code msync} there is logged, not thrown. A batch that began in the cycle before a roll
     * has the earlier file forced as well (Chronicle also syncs a cycle file as it lets go of it). The first batch that
     * ends in a cycle file also syncs the journal's directory, once, after the file: a file's {@code fdatasync}
     * promises nothing about the directory entry that names it (POSIX; ext4 and xfs happen to write it back with the
     * file), and a cycle file whose name did not reach the device is lost whole. That sync also covers the names the
     * writer's open created (the high-water mark, Chronicle's metadata), since the first batch after an open always
     * starts a file of its own here.
     */
    private void forceCycleFile() {
        File current = appender().currentFile();
        if (current == null) {
            appender().sync(); // not a file-backed store: what Chronicle offers
            return;
        }
        try {
            boolean newFile = !current.equals(syncedFile);
            if (newFile) {
                if (synced != null) {
                    synced.force(false);
                    synced.close();
                    synced = null;
                }
                synced = FileChannel.open(current.toPath(), StandardOpenOption.WRITE);
                syncedFile = current;
            }
            synced.force(false);
            if (newFile) {
                forceDirectory(); // after the file, whose name it makes durable
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the journal's batch durable in " + current + " or its "
                    + "directory (the device refused to write it back, or the file could not be opened): "
                    + e.getMessage(), e);
        }
    }

    /**
     * Syncs every cycle file the journal holds as this writer opens, then the directory that names them
     * ({@code SYNC_PER_BATCH}). What a process killed between a batch's append and its sync left (or one that wrote
     * with {@code PAGE_CACHE}) may be only in the page cache, and recovery read it from there: the records this writer
     * acknowledges follow it and were decided on it, and a {@code --sync} standby acknowledges its last sequence to
     * its primary as soon as it says hello. Forcing only the newest file would leave the one before a roll that the
     * killed process had not synced yet; a file with nothing to write back costs little.
     */
    private void forceFoundCycleFiles() {
        List<Path> found = JournalQueues.cycleFiles(dir);
        for (Path file : found) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.force(false);
            } catch (IOException e) {
                throw new JournalException("cannot sync the journal's cycle file " + file + " as its writer opens "
                        + "with SYNC_PER_BATCH (the device refused to write it back, or the file could not be "
                        + "opened for writing): " + e.getMessage() + ". Nothing was written; check the device and "
                        + "the file's permissions, then start again", e);
            }
        }
        if (!found.isEmpty()) {
            try {
                forceDirectory();
            } catch (IOException e) {
                throw new JournalException("cannot sync the journal's directory " + dir + " as its writer opens with "
                        + "SYNC_PER_BATCH: " + e.getMessage() + ". Nothing was written; check the device, then "
                        + "start again", e);
            }
        }
    }

    /** Syncs the journal's directory ({@code fsync} of the directory itself), so that the names in it are durable. */
    private void forceDirectory() throws IOException {
        if (Directories.force(dir)) {
            directorySyncs++;
        }
    }

    /** How many times this writer synced the journal's directory: once per cycle file a batch first ended in. */
    long directorySyncs() {
        return directorySyncs;
    }

    private void closeRoom() {
        try {
            room.close();
        } catch (IOException e) {
            LOG.warn("closing the channel that reserved room in {} failed: {}", queue.file(), e.toString());
        }
    }

    private ExcerptAppender appender() {
        if (appender == null) {
            appender = queue.createAppender();
            appender.singleThreadedCheckDisabled(true);
        }
        return appender;
    }

    /**
     * Closes the journal. Records of a batch whose end never came (a caller that stopped in the middle of one)
     * are appended first, without moving the high-water mark: they were never acknowledged. Those of a batch a
     * record, or its end, failed in are dropped.
     */
    @Override
    public void close() {
        try {
            if (recordOpen) {
                dropBatch();
            } else if (!document.isEmpty()) {
                appendDocument();
            }
        } finally {
            closeQueue();
        }
    }

    private void closeQueue() {
        try {
            pretoucher.close();
            closeRoom();
            if (appender != null) {
                if (durability == Durability.SYNC_PER_BATCH) {
                    appender.sync();
                }
                appender.close();
            }
            queue.close();
        } finally {
            try {
                if (synced != null) {
                    synced.close();
                }
            } catch (IOException e) {
                LOG.warn("closing the channel that forced {} failed: {}", syncedFile, e.toString());
            } finally {
                highWaterMark.close();
            }
        }
    }

    /**
     * The time the writer's queue rolls by: the source's time as of the last {@link #latch}, so that the cycle the
     * writer checks before a document is the cycle Chronicle Queue then writes it to, even at the instant of a roll.
     */
    private static final class LatchedClock implements TimeProvider {
        private final TimeProvider source;
        private volatile long millis;

        LatchedClock(TimeProvider source) {
            this.source = source;
            this.millis = source.currentTimeMillis();
        }

        void latch() {
            millis = source.currentTimeMillis();
        }

        @Override
        public long currentTimeMillis() {
            return millis;
        }
    }
}
