package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.DecidedEvents;
import dev.purestock.domain.Event;
import dev.purestock.engine.DurabilityStage;
import dev.purestock.engine.SubmittedCommand;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The journal stage: appends one record per decided command to a Chronicle Queue and, with
 * {@link Durability#SYNC_PER_BATCH}, syncs the file at the end of each batch. A record is in the queue
 * (visible to readers, and in the page cache) when {@link #onDecided} returns. At the end of each batch,
 * after the records (and the sync), it moves the journal's {@link JournalHighWaterMark} to the batch's last
 * sequence: no record of the batch is acknowledged before that, so readers know how far the journal must
 * reach.
 *
 * <p>Called from one thread at a time, as the engine does; the appender is created on first use. From open
 * to close a {@link JournalPretoucher} runs beside it on a thread of its own
 * ({@code purestock-shard-N-pretouch}, or {@code purestock-journal-pretouch} when opened without a shard),
 * touching the pages ahead of the last record so that the page faults of the cycle files happen there, not
 * on the journal thread.
 */
public final class JournalWriter implements DurabilityStage {
    private static final String UNSHARDED_PRETOUCH_THREAD = "purestock-journal-pretouch";
    private final SingleChronicleQueue queue;
    private final JournalHighWaterMark highWaterMark;
    private final Durability durability;
    private final JournalRecordCodec codec = new JournalRecordCodec();
    private ExcerptAppender appender;
    private long lastSequence = Long.MIN_VALUE;
    private final AtomicLong published = new AtomicLong(Long.MIN_VALUE);
    private final JournalPretoucher pretoucher;

    private JournalWriter(Path dir, SingleChronicleQueue queue, Durability durability, String pretouchThread) {
        this.queue = queue;
        this.durability = durability;
        try {
            this.highWaterMark = JournalHighWaterMark.open(dir);
        } catch (RuntimeException e) {
            queue.close();
            throw e;
        }
        this.pretoucher = JournalPretoucher.start(queue, pretouchThread);
    }

    /** A writer appending to the journal in {@code dir} (created when missing). */
    public static JournalWriter open(Path dir, Durability durability) {
        return open(dir, durability, JournalQueues.DEFAULT_ROLL_CYCLE);
    }

    /** A writer for shard {@code shard}'s journal in {@code dir}: its pretouch thread is named by the shard. */
    public static JournalWriter open(Path dir, Durability durability, int shard) {
        return new JournalWriter(dir, JournalQueues.forWriting(dir, durability, JournalQueues.DEFAULT_ROLL_CYCLE),
                durability, "purestock-shard-" + shard + "-pretouch");
    }

    /** A writer with an explicit roll cycle: how often Chronicle starts a new cycle file. */
    public static JournalWriter open(Path dir, Durability durability, RollCycle rollCycle) {
        return new JournalWriter(dir, JournalQueues.forWriting(dir, durability, rollCycle), durability,
                UNSHARDED_PRETOUCH_THREAD);
    }

    /** A writer whose cycle files roll by {@code clock}: for tests of multi-cycle journals. */
    static JournalWriter open(Path dir, Durability durability, RollCycle rollCycle, TimeProvider clock) {
        return new JournalWriter(dir, JournalQueues.forWriting(dir, durability, rollCycle, clock), durability,
                UNSHARDED_PRETOUCH_THREAD);
    }

    @Override
    public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch) {
        checkNoGap(sequence);
        append(sequence, codec.encode(sequence, time, command, events), endOfBatch);
    }

    /**
     * Encodes the command and events where the engine holds them (a command submitted as fields from its
     * fields): the same bytes as from the records, none built.
     */
    @Override
    public void onDecided(long sequence, long time, SubmittedCommand command, DecidedEvents events,
                          boolean endOfBatch) {
        checkNoGap(sequence);
        append(sequence, codec.encode(sequence, time, command, events), endOfBatch);
    }

    private void checkNoGap(long sequence) {
        if (lastSequence != Long.MIN_VALUE && sequence != lastSequence + 1) {
            throw new JournalException("journal expected sequence " + (lastSequence + 1) + " but was given "
                    + sequence + "; refusing to write a gap");
        }
    }

    /** Appends the record the codec holds, {@code length} bytes. */
    private void append(long sequence, int length, boolean endOfBatch) {
        ExcerptAppender out = appender();
        long end;
        try (DocumentContext document = out.writingDocument()) {
            try {
                end = document.wire().bytes().write(codec.buffer(), 0, length).writePosition();
            } catch (RuntimeException | Error e) {
                // closing would commit the bytes written so far: a record that fails its checksum and stops
                // every later recovery; dropping it leaves the journal whole, and the engine stops on the throw
                document.rollbackOnClose();
                throw e;
            }
        }
        lastSequence = sequence;
        if (durability != Durability.SYNC_PER_BATCH) {
            published.lazySet(sequence);
        }
        pretoucher.onAppended(out.cycle(), end);
        if (endOfBatch) {
            if (durability == Durability.SYNC_PER_BATCH) {
                out.sync();
                // only now has the journal reached it: snapshot retention must not count on an unsynced record
                published.lazySet(sequence);
            }
            highWaterMark.set(sequence);
        }
    }

    /**
     * The sequence of the last record this writer appended (with {@link Durability#SYNC_PER_BATCH}: the last one
     * synced), {@link Long#MIN_VALUE} before the first; safe to
     * read from any thread (the snapshot writer reads it to know which snapshots the journal has reached).
     */
    public long lastSequenceWritten() {
        return published.get();
    }

    /** The pretoucher running beside this writer. */
    JournalPretoucher pretoucher() {
        return pretoucher;
    }

    /** The queue index of the last record this writer appended. */
    public long lastIndexAppended() {
        return appender().lastIndexAppended();
    }

    private ExcerptAppender appender() {
        if (appender == null) {
            appender = queue.createAppender();
            appender.singleThreadedCheckDisabled(true);
        }
        return appender;
    }

    @Override
    public void close() {
        try {
            pretoucher.close();
            if (appender != null) {
                if (durability == Durability.SYNC_PER_BATCH) {
                    appender.sync();
                }
                appender.close();
            }
            queue.close();
        } finally {
            highWaterMark.close();
        }
    }
}
