package dev.purestock.replication;

import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalException;
import dev.purestock.journal.JournalRecordCodec;
import dev.purestock.journal.JournalRecordDescriptor;
import dev.purestock.journal.JournalWriter;
import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.LongArrayList;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static dev.purestock.replication.ReplicationMessageDescriptor.ACK;
import static dev.purestock.replication.ReplicationMessageDescriptor.CONTROL_STREAM;
import static dev.purestock.replication.ReplicationMessageDescriptor.DATA_STREAM;
import static dev.purestock.replication.ReplicationMessageDescriptor.HEADER_LENGTH;
import static dev.purestock.replication.ReplicationMessageDescriptor.HEARTBEAT;
import static dev.purestock.replication.ReplicationMessageDescriptor.RECORDS;
import static dev.purestock.replication.ReplicationMessageDescriptor.REFUSED;
import static dev.purestock.replication.ReplicationMessageDescriptor.TRUNCATE;

/**
 * The standby's receiver thread: says hello to the primary until it answers (and again whenever it falls silent,
 * or a record arrives out of order), receives the primary's messages, checks and journals each record, and at the
 * end of each round of messages, once the journal holds the round's records, applies them and acknowledges them:
 * its state never holds a record its journal does not.
 */
final class StandbyReceiver implements Agent {
    private static final Logger LOG = LoggerFactory.getLogger(StandbyReceiver.class);
    static final long HELLO_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** A primary silent this long (it heartbeats every 20 ms) is asked again, as if new. */
    private static final long SILENCE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Events, and as many line changes, whose room the receiver keeps between rounds: a message of purchases holds a
     * few hundred. A round whose messages have brought half as many of either ends before the next message (see
     * {@link #onRecords}), so that one round of many messages (a poll takes up to 64 fragments, each up to the
     * publication's MTU) fits it too.
     */
    private static final int EVENTS_KEPT = 1 << 14;

    private final Endpoint primaryEndpoint;
    /** The time of the duty cycles: the system's, or a test's. */
    private final NanoClock clock;
    private final Path dir;
    private final Rejoin rejoin;
    /** The standby's snapshots now ({@code null}: none asked for), for the status. */
    private final Supplier<StandbySnapshots> snapshots;
    private final StatusFile statusFile;
    /** The standby's journal writer; replaced when a cut reopens the journal. */
    private JournalWriter writer;
    /** The standby's state; replaced, under {@link #stateLock}, when a cut rebuilds it. */
    private volatile InventoryStore state;
    private final Object stateLock;
    /**
     * The epoch the standby's directory records ({@link JournalEpoch}); raised before a newer record is kept, and when
     * a primary of a newer epoch answers the standby's hello.
     */
    private long recordedEpoch;
    /**
     * The standby's epoch: the newest of its last record's, the one its directory records and its primary's once
     * that primary answered it. Its hello names it, and a primary of an older one is refused.
     */
    private volatile long lastEpoch;
    /** The epoch of the last record in the standby's journal ({@code 0}: none); a record of an older one is refused. */
    private long recordEpoch;
    /** The checksum the last record in the standby's journal ends with ({@code 0}: none), which a hello names. */
    private int heldChecksum;
    private final Subscription data;
    private final ExclusivePublication control;
    private final String replyChannel;
    private final String endpoint;
    private final FragmentAssembler assembler = new FragmentAssembler(this::onMessage);
    private final JournalRecordCodec codec = new JournalRecordCodec();
    private final UnsafeBuffer small = new UnsafeBuffer(new byte[4096]);
    private final Object progress = new Object();
    /**
     * The events of the records of the round being taken, journaled and not yet applied, one record after another,
     * kept across rounds with room for {@link #EVENTS_KEPT} events so that taking a record allocates nothing: record
     * {@code i} of the round is seq {@code held + 1 + i}, and its events are those from {@code ends[i - 1]} (or 0) to
     * {@code ends[i]}.
     */
    private final EventBuffer decoded = new EventBuffer(EVENTS_KEPT);
    private final IntArrayList ends = new IntArrayList();
    private final LongArrayList times = new LongArrayList();
    private byte[] records = new byte[64 << 10];
    private final UnsafeBuffer recordsView = new UnsafeBuffer(records);
    /**
     * The last sequence the journal holds and the state has applied; published as {@link #lastSequence} at the end
     * of each round. The round's records taken so far follow it, in {@link #ends}.
     */
    private long held;

    private volatile long helloId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE >>> 1);
    private boolean welcomed;
    private boolean askAgain = true;
    private long lastHello;
    private long lastHeard;
    /** Whether the round handed records to the journal, whose batch {@link #endRound} ends. */
    private boolean appended;
    private boolean ackPending;
    private volatile long lastSequence;
    /**
     * The last sequence the standby holds as its primary's history has it ({@code -1}: none known), which
     * {@link #awaitSequence} waits for: what its journal held when a primary first answered its hello (a primary
     * answers only a hello whose history it checked: the epochs, that the journal runs no further than its own, the
     * last record's checksum), and each record taken from that primary since. A record the journal held at start
     * counts only from then on, so one in a tail the primary's history does not hold (an old primary rejoining, told
     * to cut it) never does; a cut lowers it to the last record kept.
     */
    private volatile long agreed = -1;
    private volatile long primarySequence = -1;
    /** The standby's lag, as of this thread's last duty cycle (see {@link LagClock}). */
    private volatile long lagNanos;
    private final LagClock lag = new LagClock();
    private volatile boolean connected;
    private volatile boolean paused;
    /** For tests: the receiver pauses itself once it holds this sequence. */
    private volatile long pauseAfter = Long.MAX_VALUE;
    private volatile String failure;
    /** The standby was closed (or promoted): nothing more will be received. */
    private volatile boolean closed;
    private volatile long duplicates;
    private volatile long gaps;
    private volatile long truncations;

    /** The side's transport, whose driver and client conductor this thread runs. */
    private final AeronTransport transport;

    /** How the standby cuts its journal when the primary says so, and starts again from what it kept. */
    interface Rejoin {
        /**
         * Closes the journal writer, cuts the journal after {@code lastKept}, rebuilds the state from what is left
         * and opens a writer again; {@code null}, nothing done, when the standby is closing.
         */
        Reopened truncateAfter(long lastKept);
    }

    /**
     * What a cut leaves: a new writer, the state of the kept journal, its last sequence, the standby's epoch, its last
     * record's epoch and the checksum that record ends with.
     */
    record Reopened(JournalWriter writer, InventoryStore state, long lastSequence, long lastEpoch, long recordEpoch,
                    int lastChecksum) {
    }

    StandbyReceiver(AeronTransport transport, Endpoint primaryEndpoint, Endpoint listen, Path dir, JournalWriter writer,
                    InventoryStore state, Object stateLock, long lastSequence, long lastEpoch, long recordEpoch,
                    int lastChecksum, Rejoin rejoin, Supplier<StandbySnapshots> snapshots) {
        this(transport, primaryEndpoint, listen, dir, writer, state, stateLock, lastSequence, lastEpoch, recordEpoch,
                lastChecksum, rejoin, snapshots, SystemNanoClock.INSTANCE);
    }

    /**
     * As the constructor above, reading the time of its duty cycles (when to say hello again, when the primary has
     * been silent, when the status file is due) from {@code clock}: for tests that run the receiver by hand and need a
     * hello to fall due without waiting out its interval.
     */
    StandbyReceiver(AeronTransport transport, Endpoint primaryEndpoint, Endpoint listen, Path dir, JournalWriter writer,
                    InventoryStore state, Object stateLock, long lastSequence, long lastEpoch, long recordEpoch,
                    int lastChecksum, Rejoin rejoin, Supplier<StandbySnapshots> snapshots, NanoClock clock) {
        this.clock = clock;
        this.primaryEndpoint = primaryEndpoint;
        this.transport = transport;
        this.dir = dir;
        this.rejoin = rejoin;
        this.snapshots = snapshots;
        this.statusFile = new StatusFile(dir);
        this.writer = writer;
        this.state = state;
        this.stateLock = stateLock;
        this.recordedEpoch = JournalEpoch.read(dir);
        this.lastEpoch = lastEpoch;
        this.recordEpoch = recordEpoch;
        this.lastSequence = lastSequence;
        this.held = lastSequence;
        this.heldChecksum = lastChecksum;
        Aeron aeron = transport.aeron();
        this.data = transport.listen(listen, DATA_STREAM, "the standby cannot receive on " + listen
                + " (Standby.Builder.listen; purestock standby --listen)");
        try {
            this.endpoint = resolve(data, transport);
            this.replyChannel = Endpoint.parse(endpoint, "the standby's endpoint").channel("");
            this.control = aeron.addExclusivePublication(primaryEndpoint.channel(""), CONTROL_STREAM);
        } catch (RuntimeException e) {
            data.close();
            throw e;
        }
    }

    private static String resolve(Subscription subscription, AeronTransport transport) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String resolved;
        while ((resolved = subscription.resolvedEndpoint()) == null) {
            if (System.nanoTime() > deadline) {
                throw new ReplicationException("the media driver did not bind " + subscription.channel() + " in 10 s");
            }
            transport.invoke();
            Thread.yield();
        }
        return resolved;
    }

    @Override
    public String roleName() {
        return "purestock-standby-receive";
    }

    @Override
    public int doWork() {
        writeStatusWhenDue();
        if (failure != null && !data.isClosed()) {
            // it takes nothing more: while it kept the subscription, its media driver went on answering the primary's
            // publication, and the primary said a standby was connected that would never acknowledge again. Closed
            // here, not where it failed, which may be inside the subscription's own poll
            data.close();
        }
        if (paused || failure != null) {
            return 0;
        }
        // the primary's silence is judged as of the poll: what it sent while this thread was busy (a round its journal
        // took long to end, a sync on a slow disk) is in the poll, and its time in lastHeard
        long polled = clock.nanoTime();
        int work = data.poll(assembler, 64);
        endRound();
        long now = clock.nanoTime();
        if (ackPending) {
            ReplicationMessageDescriptor.putHeader(small, ACK, 0, lastSequence, helloId);
            ackPending = control.offer(small, 0, HEADER_LENGTH) < 0;
        }
        if (welcomed && polled - lastHeard > SILENCE_NANOS) {
            LOG.warn("primary {} silent for {} ms: asking it again from seq {}", primaryEndpoint,
                    TimeUnit.NANOSECONDS.toMillis(polled - lastHeard), held);
            welcomed = false;
            askAgain = true;
        }
        connected = welcomed;
        if (failure == null && (askAgain || !welcomed) && now - lastHello >= HELLO_EVERY_NANOS && hello(now)) {
            // a hello that could not go out (no primary listens yet) is no work: the thread, which also runs the media
            // driver, idles between tries instead of spinning a core until the primary is back
            work++;
        }
        trackLag(now);
        return work;
    }

    private void writeStatusWhenDue() {
        if (statusFile.due(clock.nanoTime())) {
            statusFile.write(status());
        }
    }

    /** Says hello to the primary; whether it went out. */
    private boolean hello(long now) {
        if (askAgain) {
            helloId++;
            askAgain = false;
            welcomed = false;
        }
        int length = ReplicationMessageDescriptor.putHello(small, lastEpoch, held, helloId, heldChecksum,
                replyChannel);
        if (control.offer(small, 0, length) > 0) {
            lastHello = now;
            return true;
        }
        return false;
    }

    private void trackLag(long now) {
        lag.mark(primarySequence, now);
        lagNanos = lag.lagNanos(lastSequence, now);
    }

    private void onMessage(DirectBuffer buffer, int offset, int length, Header header) {
        if (failure != null) {
            // stopped by a message before this one in the same poll: its journal may hold less than it took (a
            // failed append), so nothing more is taken, nor asked for
            return;
        }
        if (length < HEADER_LENGTH) {
            LOG.warn("ignoring a message of {} bytes from the primary, shorter than a header ({})", length,
                    HEADER_LENGTH);
            return;
        }
        int type = ReplicationMessageDescriptor.type(buffer, offset);
        long sequence = ReplicationMessageDescriptor.sequence(buffer, offset);
        long id = ReplicationMessageDescriptor.helloId(buffer, offset);
        if (type == REFUSED) {
            if (id == helloId) {
                fail("the primary refused this standby: " + ReplicationMessageDescriptor.text(buffer, offset, length));
            }
            return;
        }
        if (type == TRUNCATE) {
            if (id == helloId) {
                truncateAfter(sequence);
            }
            return;
        }
        if (type != RECORDS && type != HEARTBEAT) {
            LOG.warn("ignoring a message of unknown type {} ({} bytes) from the primary", type, length);
            return;
        }
        if (id != helloId) {
            // not an answer to this standby's hello: the stream it asked for before (sent again under this hello),
            // or a primary it no longer follows still sending to its address (an old one alive after a failover),
            // whose records are not its primary's history and whose epoch says nothing of its primary's
            return;
        }
        long primaryEpoch = ReplicationMessageDescriptor.epoch(buffer, offset);
        if (primaryEpoch < lastEpoch) {
            fail("the primary " + primaryEndpoint + " is of epoch " + primaryEpoch + ", older than the epoch "
                    + lastEpoch + " of this standby's journal: another primary was promoted since, and this one was "
                    + "fenced. Follow the new primary");
            return;
        }
        lastHeard = clock.nanoTime();
        if (sequence > primarySequence) {
            primarySequence = sequence;
        }
        if (primaryEpoch > lastEpoch && !followEpoch(primaryEpoch)) {
            return;
        }
        if (!welcomed) {
            // the primary checked the hello: acknowledge what is held now
            ackPending = true;
            // and its last sequence is the one to follow, even behind what was heard before (a primary restarted
            // after a crash that lost records it had announced, which no primary will send now)
            primarySequence = sequence;
            lag.forgetAbove(sequence);
            // and what the standby holds agrees with the primary's history
            agreed = lastSequence;
            synchronized (progress) {
                progress.notifyAll();
            }
        }
        welcomed = true;
        connected = true;
        if (type == RECORDS) {
            onRecords(buffer, offset + HEADER_LENGTH, length - HEADER_LENGTH);
        }
    }

    /**
     * A primary of a newer epoch than the standby's answered its hello (so it checked that the standby's journal is
     * a prefix of its history): the standby records that epoch before it takes anything from it, so that from then
     * on, and after a restart, a primary of an older epoch (one that was promoted away from, met again by a
     * restart or an address that leads to it now) is refused and fenced by the standby's hello instead of handing it
     * a history the newer primary does not hold. Its records of older epochs (its history before its promotion) are
     * still taken. Whether it was recorded.
     */
    private boolean followEpoch(long primaryEpoch) {
        try {
            recordedEpoch = JournalEpoch.advanceTo(dir, primaryEpoch);
        } catch (JournalException | IllegalArgumentException e) {
            fail("the epoch " + primaryEpoch + " of the primary cannot be recorded: " + e.getMessage());
            return false;
        }
        lastEpoch = primaryEpoch;
        return true;
    }

    /**
     * The records of one message: each checked by {@link #admit}, the admitted ones decoded and handed to the journal,
     * to be applied at the end of the round ({@link #endRound}).
     */
    private void onRecords(DirectBuffer buffer, int offset, int length) {
        if (Math.max(decoded.size(), decoded.lineCount()) > EVENTS_KEPT / 2) {
            // the round ends here, before its events outgrow the room kept for them
            endRound();
            if (failure != null) {
                return;
            }
        }
        if (records.length < length) {
            records = new byte[Math.max(length, records.length * 2)];
            recordsView.wrap(records);
        }
        buffer.getBytes(offset, records, 0, length);
        int position = 0;
        long expected = held + 1 + ends.size();
        while (position < length) {
            int recordLength = length - position >= 4
                    ? recordsView.getInt(position, ByteOrder.LITTLE_ENDIAN) : -1;
            if (recordLength < JournalRecordDescriptor.MIN_LENGTH || recordLength > length - position) {
                askAgain("a message from the primary does not frame its records after seq " + (expected - 1));
                break;
            }
            Admission admission;
            try {
                // one that cannot be admitted (a newer format, the epoch not recordable) stops the standby here: the
                // records before it are still journaled, applied and counted at the round's end
                admission = admit(records, position, recordLength, expected);
                if (admission == Admission.KEEP) {
                    // events decoded past the last end, from a record that then fails, are never applied
                    codec.decodeEvents(records, position, recordLength, decoded);
                    writer.appendRecord(records, position, recordLength, false);
                    heldChecksum = JournalRecordCodec.checksumOf(records, position, recordLength);
                    ends.addInt(decoded.size());
                    times.addLong(JournalRecordCodec.timeOf(records, position));
                }
            } catch (RuntimeException e) {
                // any exception: one that escaped would end in Aeron's poll, which hands it to the client's error
                // handler and goes on, the receiver taking the next messages into a batch the exception broke
                boolean described = e instanceof IllegalArgumentException || e instanceof JournalException;
                if (!described) {
                    LOG.error("record seq {} from the primary cannot be journaled", expected, e);
                }
                fail("record seq " + expected + " from the primary cannot be journaled: "
                        + (described ? e.getMessage() : e.toString()));
                return;
            }
            if (admission == Admission.STOP) {
                break;
            }
            if (admission == Admission.KEEP) {
                expected++;
                appended = true;
            }
            position += recordLength;
        }
    }

    /** What {@link #admit} decides for one record. */
    private enum Admission {
        KEEP, SKIP, STOP
    }

    /**
     * Whether the standby keeps the record {@code bytes[offset, offset + length)} when it expects seq
     * {@code expected}: the one place every received record is checked before it is journaled (a check of the
     * record's epoch belongs here too). A duplicate is skipped; a gap or a failed checksum drops the rest of the
     * message and asks the primary again from the last sequence journaled.
     */
    private Admission admit(byte[] bytes, int offset, int length, long expected) {
        if (!codec.checksumMatches(bytes, offset, length)) {
            askAgain("a record after seq " + (expected - 1) + " fails its checksum in transit");
            return Admission.STOP;
        }
        long sequence = JournalRecordCodec.sequenceOf(bytes, offset, length);
        if (sequence < expected) {
            duplicates++;
            return Admission.SKIP;
        }
        if (sequence > expected) {
            askAgain("seq " + sequence + " arrived where seq " + expected + " was expected");
            return Admission.STOP;
        }
        long epoch = JournalRecordCodec.epochOf(bytes, offset, length);
        if (JournalEpoch.isStale(epoch, recordEpoch)) {
            fail("record seq " + sequence + " is of epoch " + epoch + ", older than the epoch " + recordEpoch
                    + " of the record before it: it comes from a fenced primary");
            return Admission.STOP;
        }
        if (epoch > recordedEpoch) {
            // recorded before a record of the new epoch is kept, so the directory never holds a newer record than
            // it records (an engine refuses such a journal)
            recordedEpoch = JournalEpoch.advanceTo(dir, epoch);
        }
        recordEpoch = epoch;
        if (epoch > lastEpoch) {
            lastEpoch = epoch;
        }
        return Admission.KEEP;
    }

    /** The primary says this standby's journal holds records of an older epoch past {@code lastKept}: cut them. */
    private void truncateAfter(long lastKept) {
        // the records taken before the order, journaled and applied as at any round's end (the cut may keep them)
        endRound();
        if (failure != null) {
            return;
        }
        try {
            // cut and recovered outside the lock: readers see the state before the cut until it is replaced
            // on a thread of its own, while this one runs the driver and the client: a cut copies a cycle file and
            // replays the journal kept, which can outlast the client's liveness timeout; the status file goes on being
            // written, so that purestock status does not call a standby busy cutting stale (gone or hung)
            Reopened reopened = transport.serveWhile("purestock-standby-cut", () -> rejoin.truncateAfter(lastKept),
                    this::writeStatusWhenDue);
            if (reopened == null) {
                LOG.info("the standby closes before cutting its journal after seq {}; its primary asks for the cut "
                        + "again when it starts", lastKept);
                return;
            }
            synchronized (stateLock) {
                state = reopened.state();
                // under the lock with the state it names, for a reader of both (Standby.digestWithSequence)
                lastSequence = reopened.lastSequence();
            }
            writer = reopened.writer();
            LOG.warn("the primary's history parts from this standby's after seq {}: cut the journal there (it now "
                    + "ends at seq {}, epoch {}), asking for the rest", lastKept, reopened.lastSequence(),
                    reopened.lastEpoch());
            held = reopened.lastSequence();
            heldChecksum = reopened.lastChecksum();
            agreed = Math.min(agreed, held);
            lastEpoch = reopened.lastEpoch();
            recordEpoch = reopened.recordEpoch();
            // the sequences after the cut are the new primary's, told afresh
            primarySequence = held;
            truncations++;
            askAgain = true;
        } catch (RuntimeException e) {
            fail("cutting the journal after seq " + lastKept + " failed: " + e.getMessage() + ". The primary's "
                    + "history parts from this journal's after seq " + lastKept + ", so this standby cannot follow it "
                    + "until the journal is cut there: start it from a copy of the primary's journal directory "
                    + "(journal and snapshots), or cut it with `purestock truncate` once the cause is fixed");
        }
    }

    /**
     * Ends the round: ends the journal's batch (its last document appended; synced with
     * {@link dev.purestock.journal.Durability#SYNC_PER_BATCH}; the high-water mark moved), then applies the round's
     * records that the journal now holds, and only those, publishes the new last sequence and acknowledges it. A
     * journal that fails (its disk full) stops the standby, its state and last sequence those of what the journal
     * took: the records of the round it did not take are never applied.
     */
    private void endRound() {
        if (!appended) {
            return;
        }
        appended = false;
        String journalFailure = null;
        try {
            writer.onEndOfBatch();
        } catch (RuntimeException e) {
            journalFailure = "the standby's journal cannot be written: " + e.getMessage();
        }
        // short of what the round took when an append failed: the records gathered into the document that could
        // not be appended are neither applied nor counted
        apply(writer.lastSequenceWritten());
        agreed = held;
        ackPending = true;
        if (held >= pauseAfter) {
            paused = true;
        }
        if (journalFailure != null) {
            fail(journalFailure);
        }
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /**
     * Applies the round's records up to seq {@code journaled}, the last one the journal holds, and drops the rest;
     * publishes the last sequence applied as {@link #lastSequence}, under the state's lock with the state it names.
     */
    private void apply(long journaled) {
        // Long.MIN_VALUE when the writer has appended nothing since it opened
        int count = journaled > held ? (int) Math.min(ends.size(), journaled - held) : 0;
        if (count == 0) {
            clearDecoded();
            return;
        }
        synchronized (stateLock) {
            for (int i = 0; i < count; i++) {
                try {
                    Inventory.evolveRange(state, times.getLong(i), decoded, i == 0 ? 0 : ends.getInt(i - 1),
                            ends.getInt(i));
                } catch (RuntimeException e) {
                    fail("applying record seq " + (held + 1) + " failed (" + e + "); its journal holds it, restart "
                            + "the standby to rebuild its state from the journal");
                    break;
                }
                held++;
            }
            lastSequence = held;
        }
        clearDecoded();
    }

    private void clearDecoded() {
        decoded.clear();
        ends.clear();
        times.clear();
    }

    private void askAgain(String why) {
        if (!askAgain) {
            gaps++;
            LOG.warn("{}: asking the primary again from seq {}", why, held + 1 + ends.size());
        }
        askAgain = true;
    }

    /**
     * What escaped a duty cycle, on this thread: an exception is logged and the next cycle runs; an {@link Error}
     * (memory running out as a record is applied or a cut replays the journal) ends the thread, as the runner rethrows
     * it, so the standby stops as on any other failure: its status and {@link #awaitSequence} say so, instead of a
     * standby still connected that silently receives and acknowledges nothing more. It acknowledged nothing the
     * error came before journaling: an acknowledgement follows a batch's end, which the error skipped.
     */
    void onThreadError(Throwable e) {
        if (e instanceof Error) {
            LOG.error("the standby's receiver thread ends", e);
            fail("the receiver's thread ended on " + e + "; the journal holds every record acknowledged: restart the "
                    + "standby");
        } else {
            LOG.error("standby receiver failed", e);
        }
    }

    private void fail(String why) {
        LOG.error("standby stops: {}", why);
        failure = why;
        connected = false;
        statusFile.write(status());
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /**
     * Waits until the standby holds {@code sequence} as its primary's history has it (see {@link #agreed}); whether it
     * did within {@code timeoutNanos}.
     */
    boolean awaitSequence(long sequence, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        synchronized (progress) {
            while (agreed < sequence) {
                if (failure != null) {
                    throw new ReplicationException("the standby stopped at seq " + lastSequence + ": " + failure);
                }
                if (closed) {
                    throw new ReplicationException("the standby was closed at seq " + lastSequence);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(progress, left);
            }
            return true;
        }
    }

    long lastSequence() {
        return lastSequence;
    }

    /** The standby's state now: read it under the standby's state lock. */
    InventoryStore state() {
        return state;
    }

    /** The id of this standby's last hello: a new one each time it asks the primary again. */
    long helloId() {
        return helloId;
    }

    /** How many times the primary told this standby to cut its journal. */
    long truncations() {
        return truncations;
    }

    String endpoint() {
        return endpoint;
    }

    void pause(boolean pause) {
        this.paused = pause;
    }

    void pauseAfter(long sequence) {
        this.pauseAfter = sequence;
    }

    boolean paused() {
        return paused;
    }

    ReplicationStatus status() {
        long last = lastSequence;
        long primary = primarySequence;
        StandbySnapshots cutting = snapshots.get();
        return new ReplicationStatus(ReplicationRole.STANDBY, null, lastEpoch, connected, last, primary,
                Math.max(0, primary - last), lagNanos / 1_000, false, 0, duplicates, gaps, failure,
                cutting == null ? -1 : cutting.lastCut(), cutting == null ? null : cutting.failure());
    }

    @Override
    public void onClose() {
        connected = false;
        welcomed = false;
        statusFile.write(status());
        CloseHelper.closeAll(control, data);
        closed();
    }

    /** Nothing more will be received: ends every {@link #awaitSequence} now. */
    void closed() {
        closed = true;
        synchronized (progress) {
            progress.notifyAll();
        }
    }
}
