package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.DecidedEvents;
import dev.purestock.domain.Event;
import dev.purestock.engine.DurabilityStage;
import dev.purestock.engine.EngineStoppedException;
import dev.purestock.engine.SubmittedCommand;
import dev.purestock.journal.JournalRecordCodec;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

import java.util.List;

/**
 * Stage 2b of a replicated engine: encodes each decided command with the journal's own codec (so the bytes are
 * the journal's) and hands the record to the {@link PrimarySender} through the live ring; with
 * {@link ReplicationMode#SYNC}, the end of each batch waits for the standby's acknowledgement of its last record.
 * Records carry the epoch of the primary's journal, as its journal stage's do; once the primary is fenced (a
 * standby holds records of a newer epoch), every batch fails, which stops the engine.
 * Runs on the engine's replication thread, one call at a time.
 */
final class ReplicationStage implements DurabilityStage {
    static final int RECORD_MESSAGE = 1;

    private final Primary primary;
    private final OneToOneRingBuffer live;
    private final ReplicationMode mode;
    private final JournalRecordCodec codec = new JournalRecordCodec();
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private long batchLast = Primary.NONE;
    private boolean batchOpen;
    /** The sequence the next record must have: the one after the primary's journal's last when it was attached. */
    private long next;

    ReplicationStage(Primary primary, OneToOneRingBuffer live, ReplicationMode mode) {
        this.primary = primary;
        this.live = live;
        this.mode = mode;
        this.next = primary.lastHanded() + 1;
        codec.epoch(primary.epoch());
    }

    @Override
    public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch) {
        hand(sequence, codec.encode(sequence, time, command, events), endOfBatch);
    }

    @Override
    public void onDecided(long sequence, long time, SubmittedCommand command, DecidedEvents events,
                          boolean endOfBatch) {
        hand(sequence, codec.encode(sequence, time, command, events), endOfBatch);
    }

    private void hand(long sequence, int length, boolean endOfBatch) {
        if (sequence != next) {
            // the engine journals elsewhere: the sender would catch the standby up from a journal without this record
            throw new ReplicationException("the engine's seq " + sequence + " does not follow the last record of "
                    + "the journal this primary replicates (it expects seq " + next + "): the engine journals into "
                    + "another directory than the primary's; build both on one directory");
        }
        next++;
        byte[] bytes = codec.buffer();
        if (view.byteArray() != bytes) {
            view.wrap(bytes);
        }
        // handed first: the sender never sees a record in the ring beyond what it knows was handed over
        primary.handed(sequence);
        if (length > live.maxMsgLength() || !live.write(RECORD_MESSAGE, view, 0, length)) {
            primary.dropped();
        }
        batchLast = sequence;
        batchOpen = true;
        if (endOfBatch) {
            endBatch();
        }
    }

    @Override
    public void onEndOfBatch() {
        if (batchOpen) {
            endBatch();
        }
    }

    @Override
    public void onShardStopped(EngineStoppedException failure) {
        primary.engineStopped(failure.getMessage());
    }

    /** Only the status says so: the records of the commands the engine took still come, and are sent as usual. */
    @Override
    public void onIntakeStopped(EngineStoppedException failure) {
        primary.intakeStopped(failure.getMessage());
    }

    private void endBatch() {
        batchOpen = false;
        primary.requireNotFenced(batchLast);
        if (mode == ReplicationMode.SYNC) {
            primary.awaitAcknowledged(batchLast);
        }
    }
}
