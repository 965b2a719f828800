package dev.purestock.journal;

import dev.purestock.domain.EventBuffer;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.NavigableSet;
import java.util.Optional;

/**
 * Reads a journal directory in order, checking each record's checksum and that sequences follow one
 * another without a gap. A record that fails either check stops the read with a
 * {@link JournalCorruptException} that names its sequence, its queue index and the command that shows it.
 *
 * <p><b>Where the journal ends</b> is fixed when the reader opens: the last record Chronicle Queue's index
 * holds then, which the journal's {@link JournalHighWaterMark high-water mark} (read first) must not pass.
 * A reader reads up to that end and no further, so it reads a journal that a running engine is appending
 * to as it was when the reader opened. A read that cannot get that far (a damaged record header, which
 * Chronicle takes for the end of the data, or a cycle file cut short) stops with a
 * {@link JournalDamagedException} that names the last readable record and says whether acknowledged
 * records are behind the damage; it never ends quietly short.
 *
 * <p><b>A newest cycle file with no header</b> (its first header never finished: a writer stopped as it rolled
 * into the file, or the file zeroed) holds no record a reader can read, and a reader does not wait for its header
 * (Chronicle Queue would, 10 s at each look). When the records before it reach the journal's high-water mark, it
 * holds no acknowledged record: the reader reads up to it, and {@link #unreadNewestCycle} names it, which the next
 * engine start sets aside. Otherwise the reader refuses to open, naming the file and the acknowledged records that
 * may be in it ({@link JournalDamagedException}), as the engine start does; so it does in a journal that keeps no
 * high-water mark, where nothing tells. The reader changes nothing in the directory.
 *
 * <p>A record that a crashed writer left unfinished is not visible to readers: Chronicle Queue only
 * publishes a record once its header is complete, and the next writer takes the unfinished slot over. It was
 * never acknowledged, so it lies above the high-water mark.
 *
 * <p>Records come one by one whatever document holds them: a record document, or a batch document of several
 * (see {@link JournalRecordDescriptor}); the queue index a visitor gets is that of the document, shared by the
 * records of a batch document. A damaged record in a batch document stops the read after the records before
 * it, as a damaged record document does.
 */
public final class JournalReader implements AutoCloseable {
    private static final long UNKNOWN = Long.MAX_VALUE;
    /**
     * The longest document a writer writes: a batch document within its size limit or one record alone, each at most
     * {@link JournalRecordDescriptor#MAX_RECORD_LENGTH}, with room for a batch document's header.
     */
    private static final long MAX_DOCUMENT_LENGTH = (long) JournalRecordDescriptor.MAX_RECORD_LENGTH
            + JournalRecordDescriptor.DOCUMENT_HEADER_LENGTH;
    /** What {@link #copy} answers for a document longer than that. */
    private static final int TOO_LONG = -1;
    /** {@link #lastEpoch()} of an empty journal, or of one whose last record is of a version too new to read. */
    public static final long NO_EPOCH = -1;

    private final Path dir;
    private SingleChronicleQueue queue;
    private final JournalRecordCodec codec = new JournalRecordCodec();
    /** The events of the record being read, decoded into room kept from one record to the next. */
    private final EventBuffer events = new EventBuffer();
    private final long highWaterMark;
    /** The journal has a mark file: a mark of {@link JournalHighWaterMark#NONE} was read from it. */
    private final boolean markKept;
    private ExcerptTailer tailer;
    private long endIndex = UNKNOWN;
    private long endSequence = UNKNOWN;
    private long endEpoch = NO_EPOCH;
    private byte[] bytes = new byte[512];
    private final JournalDocumentCodec.Decoder document = new JournalDocumentCodec.Decoder();
    /** The queue index of the document {@link #document} holds; its chunks not yet given are still to read. */
    private long documentIndex = -1;
    private boolean inDocument;
    /** The decoder's current chunk is still to give: a seek stopped on it. */
    private boolean pending;
    private long expectedSequence = Long.MIN_VALUE;
    /** The tailer is at the journal's start, and no document was read since: the first read checks what it skips. */
    private boolean atStart;
    private long lastReadIndex = -1;
    private long lastReadSequence = -1;
    /** What {@link #unreadNewestCycle} says; {@code null} when every cycle file is read. */
    private String unread;
    /** The cycle file {@link #unread} names; {@code null} when every cycle file is read. */
    private Path unreadFile;
    /** Opened by {@link #openUpToDamage}: damage met while finding the end is kept, not thrown. */
    private final boolean upToDamage;
    /** The damage met while finding the end, when {@link #upToDamage}; {@code null} when none was. */
    private JournalDamagedException damageAtOpen;

    private JournalReader(Path dir, Runnable beforeNamingUnread, boolean upToDamage) {
        this.dir = dir;
        this.upToDamage = upToDamage;
        this.highWaterMark = JournalHighWaterMark.read(dir);
        this.markKept = Files.isRegularFile(dir.resolve(JournalHighWaterMark.FILE_NAME));
        // looked at after the mark: a record the mark covers was written before, so never into a file with no header
        Path unfinished = JournalQueues.hasJournal(dir) ? JournalQueues.unfinishedNewestCycle(dir) : null;
        if (unfinished != null && !markKept) {
            throw JournalRepair.unfinishedNewestWithoutMark(dir, unfinished, JournalQueues.headerMissing(unfinished));
        }
        this.queue = JournalQueues.forReading(dir);
        try {
            String stale = JournalQueues.staleListing(queue);
            if (stale != null) {
                throw new JournalException(stale);
            }
            this.tailer = queue.createTailer();
            findEnd();
            if (damageAtOpen != null && unfinished != null) {
                // reading on to no end would roll into the file with no header, where Chronicle waits for one
                throw damageAtOpen;
            }
            if (unfinished != null) {
                beforeNamingUnread.run();
                unread = leftUnread(unfinished);
                unreadFile = unread == null ? null : unfinished;
            }
        } catch (InternalError e) {
            queue.close();
            throw damaged(-1, "a cycle file is cut short (reading it faults)");
        } catch (JournalException e) {
            queue.close();
            throw e;
        } catch (Exception e) {
            queue.close();
            throw damaged(-1, "Chronicle Queue cannot read its files (" + brief(e) + ")");
        } catch (Error e) {
            queue.close();
            throw e;
        }
    }

    /**
     * What this reader says of {@code unfinished}, the newest cycle file, which had no header when it opened, now that
     * the end is fixed before it: {@code null} when its header is there now (a writer was creating it, and the end is
     * where the journal ended as the reader opened), or when it is gone and the records before it reach the
     * high-water mark (an engine start set it aside as the reader opened: it held no record, and none is left
     * unread).
     *
     * @throws JournalDamagedException when the records before it end below the high-water mark: acknowledged records
     *                                 may be in it
     * @throws JournalException        when it is gone and the records before it end below the high-water mark: an
     *                                 engine start is deciding on it, and the command is to be run again
     */
    private String leftUnread(Path unfinished) {
        String start = JournalQueues.headerMissingOrGone(unfinished);
        boolean belowMark = highWaterMark != JournalHighWaterMark.NONE && endSequence < highWaterMark;
        if (JournalQueues.GONE.equals(start)) {
            if (belowMark) {
                throw JournalQueues.moved(unfinished);
            }
            return null;
        }
        if (start == null) {
            return null;
        }
        if (belowMark) {
            throw JournalRepair.acknowledgedInUnfinishedNewest(dir, unfinished, start, endSequence, highWaterMark);
        }
        return "cycle file " + unfinished.getFileName() + " of journal " + dir + " has no header (it starts with "
                + start + "): a writer stopped as it created it, or the file was written over; it is the newest cycle "
                + "file, and " + (highWaterMark == JournalHighWaterMark.NONE
                ? "the journal's high-water mark says it acknowledged no record"
                : "the records before it reach the journal's high-water mark (seq " + highWaterMark + ")")
                + ", so it holds no acknowledged record. " + (endSequence < 0 ? "No record is before it, and it was "
                + "not read" : "The records up to seq " + endSequence + " were read, and it was not")
                + "; the next engine start on the directory moves it aside (if an engine is writing the journal, it "
                + "was creating that file: read again)";
    }

    /**
     * Fixes the end: the last record the queue's index holds now, if it reads whole (its checksum matches).
     * When the index cannot be read (a cycle file cut short faults), or its last record cannot be reached or
     * does not read whole, reads every record in order instead, which finds and names the damage.
     */
    private void findEnd() {
        long[] end = {-1, -1, NO_EPOCH};
        boolean found;
        try {
            long last = queue.lastIndex();
            found = last < 0 || tailer.moveToIndex(last) && lastReadsWhole(end)
                    && !(queue.rollCycle().toSequenceNumber(last) == 0 && documentFollows());
        } catch (InternalError | Exception | OutOfMemoryError e) {
            found = false;
        }
        if (!found) {
            reopen();
            try {
                readRaw((i, raw, offset, length) -> {
                    check(i, raw, offset, length);
                    end[2] = epochOrNone(raw, offset, length);
                    return true;
                });
            } catch (JournalDamagedException e) {
                if (!upToDamage) {
                    throw e;
                }
                damageAtOpen = e;
                reopen();
                try {
                    toStart();
                } catch (JournalException unreadable) {
                    throw e;
                }
                return;
            }
            end[0] = lastReadIndex;
            end[1] = lastReadSequence;
        }
        endIndex = end[0];
        endSequence = end[1];
        endEpoch = end[2];
        toStart();
    }

    /**
     * Whether a document follows the one at the tailer, which the queue named as its last. Chronicle Queue names a
     * cycle file's first document as its last when it cannot reach the last one its store names (zeros over the end
     * of the data, as the pages a power loss took from a sparse cycle file read): it winds to the start instead, with
     * a warning, and the records after that first one would be taken for lost. Asked only of a cycle's first document,
     * so that a journal an engine appends to is not read through each time it is opened.
     */
    private boolean documentFollows() {
        try (DocumentContext named = tailer.readingDocument()) {
            if (!named.isPresent()) {
                return false;
            }
        }
        try (DocumentContext next = tailer.readingDocument()) {
            if (!next.isPresent()) {
                return false;
            }
            next.rollbackOnClose();
            return true;
        }
    }

    /**
     * Whether the document at the tailer is there and its last record passes its checksum (the records before it
     * in a batch document need only frame, each by its length: a damaged one is found, and named, when it is
     * read); if so, its index, the sequence of its last record and that record's epoch.
     */
    private boolean lastReadsWhole(long[] indexAndSequence) {
        try (DocumentContext chronicle = tailer.readingDocument()) {
            if (!chronicle.isPresent()) {
                return false;
            }
            chronicle.rollbackOnClose();
            int length = copy(chronicle.wire().bytes());
            if (length == TOO_LONG) {
                return false;
            }
            JournalDocumentCodec.Kind kind = document.wrap(bytes, length);
            if (kind != JournalDocumentCodec.Kind.RECORD && kind != JournalDocumentCodec.Kind.BATCH) {
                return false;
            }
            boolean any = false;
            while (document.next()) {
                any = true;
            }
            if (!any || !codec.checksumMatches(bytes, document.offset(), document.length())) {
                return false;
            }
            indexAndSequence[0] = chronicle.index();
            indexAndSequence[1] = JournalRecordCodec.sequenceOf(bytes, document.offset(), document.length());
            indexAndSequence[2] = epochOrNone(bytes, document.offset(), document.length());
            return true;
        } finally {
            inDocument = false;
        }
    }

    private static long epochOrNone(byte[] raw, int offset, int length) {
        try {
            return JournalRecordCodec.epochOf(raw, offset, length);
        } catch (IllegalArgumentException unreadable) {
            return NO_EPOCH;
        }
    }

    /**
     * Copies the document {@code in} holds into {@link #bytes}; its length, or {@link #TOO_LONG} (copying nothing) for
     * one longer than any document a writer writes: its header is damaged, and taking its word would allocate up to
     * a gigabyte, which a reader running in a small heap does not have.
     */
    private int copy(Bytes<?> in) {
        long remaining = in.readRemaining();
        if (remaining > MAX_DOCUMENT_LENGTH) {
            return TOO_LONG;
        }
        int length = (int) remaining;
        if (length > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(length, bytes.length * 2));
        }
        in.read(bytes, 0, length);
        return length;
    }

    /**
     * Opens the journal in {@code dir} for reading.
     *
     * @throws JournalException when the directory does not exist
     */
    public static JournalReader open(Path dir) {
        return new JournalReader(dir, () -> { }, false);
    }

    /**
     * Opens the journal in {@code dir} for reading as {@link #open} does, except that damage met while finding its
     * end (a record that fails its checksum in the last document, a cycle file cut short, zeros over the end of the
     * data), which {@link #open} throws, is kept in {@link #damageAtOpen()}: the journal's end is then unknown
     * ({@link #lastSequence()} is {@link Long#MAX_VALUE}), and {@link #readRaw} gives every record Chronicle Queue
     * gives, unchecked, until it gives no more (where the records read must reach the high-water mark, as at any end)
     * or faults. What {@code purestock dump} opens a journal with, to show the records up to the damage and the
     * damaged one.
     *
     * @throws JournalException when the directory does not exist, or as {@link #open} throws for anything else
     */
    public static JournalReader openUpToDamage(Path dir) {
        return new JournalReader(dir, () -> { }, true);
    }

    /**
     * As {@link #open}, running {@code beforeNamingUnread} after the end is fixed and before a newest cycle file with
     * no header is named: for tests, which move the file there as an engine start would.
     */
    static JournalReader open(Path dir, Runnable beforeNamingUnread) {
        return new JournalReader(dir, beforeNamingUnread, false);
    }

    /** The damage met while finding the journal's end, when opened {@link #openUpToDamage up to damage}. */
    public Optional<JournalDamagedException> damageAtOpen() {
        return Optional.ofNullable(damageAtOpen);
    }

    /** Receives records. */
    @FunctionalInterface
    public interface RecordVisitor {
        /**
         * One record.
         *
         * @return {@code true} to go on, {@code false} to stop
         */
        boolean onRecord(long queueIndex, JournalRecord record);
    }

    /** Receives raw records, before any check. */
    @FunctionalInterface
    public interface RawVisitor {
        /**
         * One record's bytes, {@code bytes[offset, offset + length)}, valid during the call only. Where a batch
         * document's framing is damaged, the bytes from the damage to the end of the document come undivided,
         * in place of the records they held: they fail the record checksum.
         *
         * @param queueIndex the queue index of the document holding the record
         * @return {@code true} to go on, {@code false} to stop
         */
        boolean onRaw(long queueIndex, byte[] bytes, int offset, int length);
    }

    /**
     * Positions the reader so that the next record read is the one with {@code sequence}: finds the document
     * holding it through Chronicle Queue's index (a document holds at least one record, so the one holding
     * {@code sequence} is at most {@code sequence - first} documents past a cycle's first), then steps through
     * that document to it.
     *
     * @return whether the journal holds that sequence, within the end it had when this reader opened
     */
    public boolean seek(long sequence) {
        forgetPosition();
        if (sequence > endSequence) {
            return false;
        }
        try {
            RollCycle rollCycle = queue.rollCycle();
            NavigableSet<Long> cycles = JournalQueues.cycles(queue);
            long[] first = new long[2];
            // no cycle after the end's holds it: Chronicle is not sent to look at one (it waits for a header missing)
            long endCycle = rollCycle.toCycle(endIndex);
            for (Long cycle : cycles.descendingSet()) {
                if (cycle > endCycle || !tailer.moveToCycle(cycle.intValue()) || !peek(first) || first[1] > sequence) {
                    continue;
                }
                long holding = documentHolding(sequence, first[0], first[1], cycle.intValue(), rollCycle);
                if (!tailer.moveToIndex(holding) || !stopAt(sequence)) {
                    // the index led nowhere whole, or to another record: it is damaged; the records may not be
                    return seekByReading(sequence);
                }
                return true;
            }
            return false;
        } catch (JournalDamagedException e) {
            // the index led to a fault (a damaged index entry points past the data): the records may still read
            // in order, and reading them finds, and names, any damage that is really there
            return seekByReading(sequence);
        } catch (JournalException e) {
            throw e;
        } catch (InternalError | Exception | OutOfMemoryError e) {
            return seekByReading(sequence);
        }
    }

    /**
     * The queue index of the last document of {@code cycle} whose first record is at or before {@code sequence}:
     * a binary search between the cycle's first document and the furthest one that can hold {@code sequence},
     * which it tries first (in a journal of record documents, it is the one).
     */
    private long documentHolding(long sequence, long firstIndex, long firstSequence, int cycle, RollCycle rollCycle) {
        long high = firstIndex + (sequence - firstSequence);
        if (high < firstIndex || rollCycle.toCycle(high) != cycle) {
            high = rollCycle.toIndex(cycle, rollCycle.maxMessagesPerCycle() - 1);
        }
        if (startsAtOrBefore(high, sequence)) {
            return high;
        }
        long low = firstIndex;
        while (high - low > 1) {
            long middle = low + (high - low) / 2;
            if (startsAtOrBefore(middle, sequence)) {
                low = middle;
            } else {
                high = middle;
            }
        }
        return low;
    }

    /** Whether there is a document at {@code index} whose first record is at or before {@code sequence}. */
    private boolean startsAtOrBefore(long index, long sequence) {
        long[] found = new long[2];
        return tailer.moveToIndex(index) && peek(found) && found[1] >= 0 && found[1] <= sequence;
    }

    /**
     * Reads the document at the tailer and stops on its record {@code sequence}, if that record passes its
     * checksum; otherwise leaves the reader with no position.
     */
    private boolean stopAt(long sequence) {
        try (DocumentContext chronicle = tailer.readingDocument()) {
            if (!chronicle.isPresent() || chronicle.index() > endIndex) {
                return false;
            }
            int length = copy(chronicle.wire().bytes());
            JournalDocumentCodec.Kind kind = length == TOO_LONG ? null : document.wrap(bytes, length);
            if (kind == JournalDocumentCodec.Kind.RECORD || kind == JournalDocumentCodec.Kind.BATCH) {
                while (document.next()) {
                    if (JournalRecordCodec.sequenceOf(bytes, document.offset(), document.length()) == sequence) {
                        if (!codec.checksumMatches(bytes, document.offset(), document.length())) {
                            break;
                        }
                        stopOnChunk(chronicle.index(), sequence);
                        return true;
                    }
                }
            }
            chronicle.rollbackOnClose();
            return false;
        }
    }

    /** The reader gives the decoder's current chunk next, as the record {@code sequence}. */
    private void stopOnChunk(long index, long sequence) {
        documentIndex = index;
        inDocument = true;
        pending = true;
        expectedSequence = sequence;
        lastReadSequence = sequence - 1;
    }

    /**
     * Positions the reader at {@code sequence} by reading every record from the start: what {@link #seek} does
     * when Chronicle Queue's index is damaged but the records under it may still read. It stops on the first
     * record whose sequence, unchecked, is at or past {@code sequence}.
     */
    private boolean seekByReading(long sequence) {
        forgetPosition();
        try {
            reopen();
            while (true) {
                try (DocumentContext chronicle = tailer.readingDocument()) {
                    if (!chronicle.isPresent()) {
                        return false;
                    }
                    if (chronicle.index() > endIndex) {
                        chronicle.rollbackOnClose();
                        return false;
                    }
                    int length = copy(chronicle.wire().bytes());
                    if (length == TOO_LONG) {
                        continue; // its records are found, or named as damage, when they are read
                    }
                    JournalDocumentCodec.Kind kind = document.wrap(bytes, length);
                    if (kind == JournalDocumentCodec.Kind.NEWER_FORMAT) {
                        throw newerFormat(chronicle.index());
                    }
                    while (document.next()) {
                        long found = JournalRecordCodec.sequenceOf(bytes, document.offset(), document.length());
                        if (found >= sequence) {
                            if (found != sequence) {
                                chronicle.rollbackOnClose();
                                return false;
                            }
                            stopOnChunk(chronicle.index(), sequence);
                            return true;
                        }
                    }
                }
            }
        } catch (JournalException e) {
            throw e;
        } catch (InternalError | Exception e) {
            throw unindexed("seq " + sequence, e);
        }
    }

    /**
     * Opens the queue afresh, with a tailer at its start: what a read in order does after Chronicle Queue's index led
     * nowhere. An index entry whose high bits are flipped points petabytes past the data, and Chronicle, mapping its
     * way there, fills a list with a slot per chunk until the heap runs out; that list belongs to the queue's store,
     * so only closing the queue (and releasing what it closed at once) lets the collector have the memory back.
     */
    private void reopen() {
        tailer.close();
        queue.close();
        BackgroundResourceReleaser.releasePendingResources();
        queue = JournalQueues.forReading(dir);
        tailer = queue.createTailer();
        try {
            toOldestCycleFile();
        } catch (JournalException e) {
            throw e;
        } catch (InternalError | Exception e) {
            // the new tailer is at the start, and the reading that follows meets the same failure and names it
        }
    }

    /** Moves the tailer to the journal's first record. */
    private void tailerToFirst() {
        if (!toOldestCycleFile()) {
            tailer.toStart();
        }
    }

    /**
     * Moves the tailer to the start of the oldest cycle file there when the lowest cycle Chronicle Queue's listing
     * names is a file that is gone (a prune killed after it deleted the file and before it listed the files afresh),
     * where Chronicle's start fails ("Missing first store file"); whether it did. A reader writes nothing, so it leaves
     * the listing to the next writer's start to rebuild.
     */
    private boolean toOldestCycleFile() {
        for (Long cycle : JournalQueues.cycles(queue)) {
            if (cycle <= queue.firstCycle()) {
                return false;
            }
            if (tailer.moveToCycle(cycle.intValue())) {
                return true;
            }
        }
        return false;
    }

    /** A Chronicle Queue failure in one short line: its type and the first line of its message. */
    private static String brief(Throwable e) {
        String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("").strip();
        if (message.length() > 120) {
            message = message.substring(0, 120) + "...";
        }
        return e.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }

    /** Chronicle Queue could not position the reader: its index (or the file under it) is damaged. */
    private JournalDamagedException unindexed(String target, Throwable cause) {
        return damaged(tailer.index(),
                "Chronicle Queue cannot find " + target + " in its index (" + brief(cause) + ")");
    }

    /**
     * The queue index of the document at the tailer and the sequence of its first record, unchecked, left
     * unread; whether there is one.
     */
    private boolean peek(long[] indexAndSequence) {
        try (DocumentContext chronicle = tailer.readingDocument()) {
            if (!chronicle.isPresent()) {
                return false;
            }
            chronicle.rollbackOnClose();
            indexAndSequence[0] = chronicle.index();
            indexAndSequence[1] = firstSequenceOf(chronicle.wire().bytes());
            return true;
        } catch (InternalError e) {
            throw damaged(tailer.index(), "its cycle file is cut short (reading it faults)");
        } catch (Exception e) {
            throw damaged(tailer.index(), "Chronicle Queue cannot read it (" + brief(e) + ")");
        }
    }

    /** Positions the reader at the record with queue index {@code index}; whether it exists. */
    public boolean moveToIndex(long index) {
        forgetPosition();
        try {
            return tailer.moveToIndex(index);
        } catch (InternalError | Exception | OutOfMemoryError e) {
            JournalDamagedException damaged = unindexed("queue index 0x" + Long.toHexString(index), e);
            reopen();
            throw damaged;
        }
    }

    /** Positions the reader at the first record. */
    public void toStart() {
        try {
            tailerToFirst();
        } catch (InternalError | Exception | OutOfMemoryError e) {
            JournalDamagedException damaged = unindexed("the first record", e);
            reopen();
            throw damaged;
        }
        forgetPosition();
        atStart = true;
    }

    /**
     * Fails if a document before the first that Chronicle Queue gives as data is one of this journal's own that
     * it reads as metadata (a damaged header with its metadata bit set), which a tailer passes over without a word:
     * reading from the start would give the records after it as the journal's first. Later documents cannot hide
     * so, since each record's sequence must follow the one before; the first has none before it. Leaves the tailer
     * at the start; a failure of Chronicle Queue here is left to the reading that follows, which names it.
     */
    private void requireNoRecordsReadAsMetadata() {
        try {
            while (true) {
                try (DocumentContext chronicle = tailer.readingDocument(true)) {
                    if (!chronicle.isPresent() || !chronicle.isMetaData()) {
                        chronicle.rollbackOnClose();
                        return;
                    }
                    int length = copy(chronicle.wire().bytes());
                    if (length != TOO_LONG && holdsARecord(length)) {
                        throw damaged(tailer.index(), "a document before it holds records, but its header is damaged "
                                + "so that Chronicle Queue takes it for metadata and passes over it");
                    }
                }
            }
        } catch (JournalException e) {
            throw e;
        } catch (InternalError | Exception | OutOfMemoryError e) {
            // the reading that follows meets the same damage and names it
        } finally {
            backToStart();
        }
    }

    /** Moves the tailer back to the start; one that a fault left inside a document is replaced by a new one. */
    private void backToStart() {
        try {
            tailerToFirst();
        } catch (InternalError | Exception e) {
            reopen(); // a new tailer starts at the start
        }
    }

    /** Whether the document in {@link #bytes} starts with a record of this journal that passes its checksum. */
    private boolean holdsARecord(int length) {
        JournalDocumentCodec.Kind kind = document.wrap(bytes, length);
        return kind != JournalDocumentCodec.Kind.NEWER_FORMAT && document.next()
                && codec.checksumMatches(bytes, document.offset(), document.length());
    }

    /** Forgets where the reader was: the next record read is the first at the tailer, unchecked for continuity. */
    private void forgetPosition() {
        atStart = false;
        expectedSequence = Long.MIN_VALUE;
        lastReadSequence = -1;
        lastReadIndex = -1;
        inDocument = false;
        pending = false;
    }

    /** The sequence of the first record of the document {@code in} holds, unchecked; {@code -1}: too short. */
    static long firstSequenceOf(Bytes<?> in) {
        byte[] start = new byte[JournalDocumentCodec.FIRST_SEQUENCE_BYTES];
        int length = (int) Math.min(start.length, in.readRemaining());
        in.read(start, 0, length);
        return JournalDocumentCodec.firstSequenceOf(start, length);
    }

    /**
     * Reads checked, decoded records from the current position until the end or until {@code visitor}
     * returns {@code false}.
     *
     * @return the number of records visited
     * @throws JournalCorruptException at a checksum failure, an undecodable record, or a sequence gap; a record of
     *                                 a newer schema throws its subclass {@link JournalTooNewException}
     */
    public long read(RecordVisitor visitor) {
        long[] count = {0};
        readRaw((index, raw, offset, length) -> {
            long sequence = check(index, raw, offset, length);
            JournalRecord record;
            try {
                record = JournalRecordCodec.decode(raw, offset, length, events);
            } catch (JournalRecordCodec.NewerVersionException e) {
                throw tooNew(sequence, index, e.getMessage());
            } catch (IllegalArgumentException | NullPointerException e) {
                throw corrupt(sequence, index, "does not decode (" + e.getMessage() + ")");
            }
            expectedSequence = sequence + 1;
            count[0]++;
            return visitor.onRecord(index, record);
        });
        return count[0];
    }

    /**
     * While a {@link #read} visitor runs, the events of the record it was given, in the buffer they were decoded into
     * (the same events as the record's list): for a reader in this package that applies or compares them without
     * writing the records back into a buffer of its own.
     */
    EventBuffer recordEvents() {
        return events;
    }

    /**
     * While a {@link #readEvents} visitor runs, the epoch of the record it was given, read from its header (which
     * decoded with its events): for a reader in this package that needs it beside the events (stats) without
     * decoding the record whole.
     */
    long recordEpoch() {
        return JournalRecordCodec.epochOf(bytes, document.offset(), document.length());
    }

    /** Receives the events of records, for replay. */
    @FunctionalInterface
    public interface EventsVisitor {
        /**
         * One record's events, in a buffer the reader reuses for the next record: apply them with {@link
         * dev.purestock.domain.Inventory#evolveAll(dev.purestock.domain.MutableInventory, long, EventBuffer)}, or
         * take {@link EventBuffer#toEvents()} to keep them.
         *
         * @return {@code true} to go on, {@code false} to stop
         */
        boolean onEvents(long sequence, long time, EventBuffer events);
    }

    /**
     * Reads checked records from the current position like {@link #read}, decoding only their events.
     *
     * @return the number of records visited
     * @throws JournalCorruptException at a checksum failure, an undecodable record, or a sequence gap; a record of
     *                                 a newer schema throws its subclass {@link JournalTooNewException}
     */
    public long readEvents(EventsVisitor visitor) {
        long[] count = {0};
        readRaw((index, raw, offset, length) -> {
            long sequence = check(index, raw, offset, length);
            events.clear();
            try {
                codec.decodeEvents(raw, offset, length, events);
            } catch (JournalRecordCodec.NewerVersionException e) {
                throw tooNew(sequence, index, e.getMessage());
            } catch (IllegalArgumentException | NullPointerException e) {
                throw corrupt(sequence, index, "does not decode (" + e.getMessage() + ")");
            }
            expectedSequence = sequence + 1;
            count[0]++;
            return visitor.onEvents(sequence, JournalRecordCodec.timeOf(raw, offset), events);
        });
        return count[0];
    }

    private long check(long index, byte[] raw, int offset, int length) {
        long sequence = JournalRecordCodec.sequenceOf(raw, offset, length);
        if (!codec.checksumMatches(raw, offset, length)) {
            long named = expectedSequence == Long.MIN_VALUE || sequence == expectedSequence ? sequence
                    : expectedSequence;
            throw new JournalDamagedException(corrupt(named, index, "fails its checksum (overwritten, or cut short)")
                    .getMessage() + "; " + behindTheDamage() + "; see `purestock repair --journal " + dir + "`",
                    lastReadSequence, highWaterMark);
        }
        if (expectedSequence != Long.MIN_VALUE && sequence != expectedSequence) {
            throw corrupt(sequence, index, "follows sequence " + (expectedSequence - 1)
                    + ": the journal has a gap or is out of order");
        }
        return sequence;
    }

    /**
     * Reads raw records from the current position, with no check of their contents, until the end the
     * journal had when this reader opened, or until {@code visitor} returns {@code false}.
     *
     * @return whether any record was visited
     * @throws JournalDamagedException when the records cannot be read up to the journal's end
     * @throws JournalTooNewException at a batch document in a format newer than this code reads
     */
    public boolean readRaw(RawVisitor visitor) {
        boolean any = false;
        while (true) {
            if (!pending && !(inDocument && document.next())) {
                if (inDocument && documentIndex == endIndex) {
                    inDocument = false;
                    if (lastReadSequence != endSequence) {
                        throw damaged(documentIndex, "Chronicle Queue's index disagrees with the records (it "
                                + "holds seq " + lastReadSequence + " where the index's last document ends with seq "
                                + endSequence + ")");
                    }
                    checkReachedEnd(documentIndex + 1);
                    return any;
                }
                if (!nextDocument()) {
                    return any;
                }
                continue;
            }
            pending = false;
            any = true;
            int offset = document.offset();
            int length = document.length();
            boolean goOn = visitor.onRaw(documentIndex, bytes, offset, length);
            lastReadIndex = documentIndex;
            lastReadSequence = JournalRecordCodec.sequenceOf(bytes, offset, length);
            if (!goOn) {
                return true;
            }
        }
    }

    /**
     * Reads the next document into {@link #bytes} and starts on it; {@code false} at the end the journal had at
     * open, which it checks was reached.
     */
    private boolean nextDocument() {
        inDocument = false;
        if (atStart) {
            atStart = false;
            requireNoRecordsReadAsMetadata();
        }
        long index;
        int length;
        try (DocumentContext chronicle = tailer.readingDocument()) {
            if (!chronicle.isPresent()) {
                checkReachedEnd(tailer.index());
                return false;
            }
            index = chronicle.index();
            if (index > endIndex) {
                chronicle.rollbackOnClose();
                checkReachedEnd(index);
                return false;
            }
            length = copy(chronicle.wire().bytes());
            if (length == TOO_LONG) {
                chronicle.rollbackOnClose();
                throw damaged(index, "its header says it is " + chronicle.wire().bytes().readRemaining()
                        + " bytes long, more than any document (" + MAX_DOCUMENT_LENGTH + ")");
            }
        } catch (InternalError e) {
            throw damaged(tailer.index(), "its cycle file is cut short (reading it faults)");
        } catch (JournalException e) {
            throw e;
        } catch (Exception e) {
            throw damaged(tailer.index(), "Chronicle Queue cannot read it (" + brief(e) + ")");
        }
        if (document.wrap(bytes, length) == JournalDocumentCodec.Kind.NEWER_FORMAT) {
            throw newerFormat(index);
        }
        documentIndex = index;
        inDocument = true;
        return true;
    }

    private JournalTooNewException newerFormat(long index) {
        return new JournalTooNewException("journal document at queue index 0x" + Long.toHexString(index) + " in "
                + dir + " is a batch document of format " + document.format() + ", newer than this purestock reads ("
                + JournalRecordDescriptor.CURRENT_DOCUMENT_FORMAT + "); upgrade purestock");
    }

    /**
     * The read stopped with {@code nextIndex} the next queue index to read: it must be past the end the queue
     * had at open, and that end must reach the high-water mark.
     */
    private void checkReachedEnd(long nextIndex) {
        if (endIndex == UNKNOWN) {
            if (highWaterMark != JournalHighWaterMark.NONE && lastReadSequence < highWaterMark) {
                throw damaged(nextIndex, "its header is damaged or it is missing");
            }
            return;
        }
        if (nextIndex <= endIndex) {
            throw damaged(nextIndex, "its header is damaged, yet the journal holds records up to queue index 0x"
                    + Long.toHexString(endIndex));
        }
        if (highWaterMark != JournalHighWaterMark.NONE && endSequence < highWaterMark) {
            throw damaged(nextIndex, "its header is damaged or it is missing");
        }
    }

    /**
     * Fails unless the end this reader found when it opened reaches the journal's high-water mark: what reading to
     * the end checks, for a caller with nothing left to read (its snapshot is at the journal's last record), so that
     * acknowledged records lost after that record are named rather than passed over.
     *
     * @throws JournalDamagedException when acknowledged records lie past the end
     */
    void requireEndReachesMark() {
        if (highWaterMark != JournalHighWaterMark.NONE && endSequence < highWaterMark) {
            forgetPosition();
            lastReadSequence = endSequence;
            throw damaged(endIndex + 1, "its header is damaged or it is missing");
        }
    }

    private JournalDamagedException damaged(long index, String what) {
        return new JournalDamagedException("journal " + dir + " cannot be read past seq " + lastReadSequence
                + ": the record after it (queue index 0x" + Long.toHexString(index) + ") cannot be read, " + what
                + "; " + behindTheDamage() + ". Nothing was changed; see `purestock repair --journal " + dir + "`",
                lastReadSequence, highWaterMark);
    }

    /** What the records behind damage found after {@link #lastReadSequence} were, as the high-water mark tells. */
    private String behindTheDamage() {
        if (highWaterMark == JournalHighWaterMark.NONE && markKept) {
            // a writer forces its first mark with SYNC_PER_BATCH, but not before that batch is synced, and not at all
            // with PAGE_CACHE: the mark on the disk may not have moved yet
            return "the journal's high-water mark says no record was acknowledged, which it also says until its first "
                    + "move reaches the disk (a power loss in the journal's first batch, or, with PAGE_CACHE, before "
                    + "the page cache wrote it back), so the records behind the damage may have been acknowledged";
        }
        if (highWaterMark == JournalHighWaterMark.NONE) {
            return "this journal keeps no high-water mark, so the records behind the damage may have been acknowledged";
        }
        if (lastReadSequence < highWaterMark) {
            return "the journal acknowledged records up to seq " + highWaterMark + ", so records "
                    + (lastReadSequence + 1) + ".." + highWaterMark + " are unreachable";
        }
        return "the records behind it were never acknowledged (the journal's high-water mark is seq " + highWaterMark
                + ")";
    }

    /** The queue index of the last record when this reader opened, or {@code -1} when the journal was empty. */
    public long lastIndex() {
        return endIndex;
    }

    /** The sequence of the last record when this reader opened, or {@code -1} when the journal was empty. */
    public long lastSequence() {
        return endSequence;
    }

    /**
     * The epoch of the last record when this reader opened ({@code 0} for a record written before records carried
     * one); {@link #NO_EPOCH} when the journal was empty or that record is of a version too new to read.
     */
    public long lastEpoch() {
        return endEpoch;
    }

    /** The journal's high-water mark when this reader opened ({@code -1}: none kept). */
    public long highWaterMark() {
        return highWaterMark;
    }

    /**
     * What is wrong with the header of the newest cycle file, where a writer takes up, or {@code null}: see
     * {@link JournalQueues#damagedWritePosition}.
     */
    String damagedWritePosition() {
        return JournalQueues.damagedWritePosition(queue);
    }

    /**
     * The number of cycle files this reader reads: a newest one it leaves unread ({@link #unreadNewestCycle}) is not
     * counted.
     */
    public int cycleCount() {
        int cycles = JournalQueues.cycles(queue).size();
        return unreadFile != null && Files.exists(unreadFile) ? cycles - 1 : cycles;
    }

    /**
     * The cycle file {@link #unreadNewestCycle} names, {@code null} when none: for a reader in this package that
     * leaves it out too.
     */
    Path unreadNewestCycleFile() {
        return unreadFile;
    }

    /**
     * The newest cycle file, when it had no header as this reader opened and holds no acknowledged record: what it is
     * and what to do, in one line. This reader reads every record before it, and none in it; the next engine start on
     * the directory sets it aside. Empty when this reader reads every cycle file.
     */
    public Optional<String> unreadNewestCycle() {
        return Optional.ofNullable(unread);
    }

    /**
     * What {@link #unreadNewestCycle} says of the journal in {@code dir}, looking at its newest cycle file's first
     * bytes first and opening a reader only when it has no header: for a tool that reads through another API
     * (verify, stats, recovery) and says so beside its answer.
     *
     * @throws JournalException when a reader refuses to open the journal
     */
    public static Optional<String> unreadNewestCycleOf(Path dir) {
        if (!JournalQueues.hasJournal(dir) || JournalQueues.unfinishedNewestCycle(dir) == null) {
            return Optional.empty();
        }
        try (JournalReader reader = open(dir)) {
            return reader.unreadNewestCycle();
        }
    }

    /** The journal directory. */
    public Path dir() {
        return dir;
    }

    JournalCorruptException corrupt(long sequence, long index, String what) {
        return new JournalCorruptException("journal record seq " + sequence + " (queue index 0x"
                + Long.toHexString(index) + ") in " + dir + " " + what + "; inspect with `purestock dump --journal "
                + dir + " --from " + sequence + " --to " + sequence + "`");
    }

    private JournalTooNewException tooNew(long sequence, long index, String what) {
        return new JournalTooNewException("journal record seq " + sequence + " (queue index 0x"
                + Long.toHexString(index) + ") in " + dir + " was written by a newer purestock: " + what
                + "; nothing is damaged");
    }

    @Override
    public void close() {
        tailer.close();
        queue.close();
    }
}
