package dev.purestock.replication;

import dev.purestock.journal.JournalException;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournalRecordCodec;
import dev.purestock.journal.JournalRecordDescriptor;
import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.aeron.protocol.DataHeaderFlyweight;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

import static dev.purestock.replication.ReplicationMessageDescriptor.ACK;
import static dev.purestock.replication.ReplicationMessageDescriptor.CONTROL_STREAM;
import static dev.purestock.replication.ReplicationMessageDescriptor.DATA_STREAM;
import static dev.purestock.replication.ReplicationMessageDescriptor.HEADER_LENGTH;
import static dev.purestock.replication.ReplicationMessageDescriptor.HEARTBEAT;
import static dev.purestock.replication.ReplicationMessageDescriptor.HELLO;
import static dev.purestock.replication.ReplicationMessageDescriptor.ORDER;
import static dev.purestock.replication.ReplicationMessageDescriptor.RECORDS;
import static dev.purestock.replication.ReplicationMessageDescriptor.REFUSED;
import static dev.purestock.replication.ReplicationMessageDescriptor.TRUNCATE;

/**
 * The primary's sender thread: answers a standby's hello, and sends it every record from the one after its last
 * sequence on, each exactly once and in order.
 *
 * <p><b>The hand-over from catch-up to live.</b> One number says what the standby needs next:
 * {@code nextToSend}. Every record the engine decides is both in the live ring (unless the ring was full) and,
 * soon after, in the journal, which the journal stage writes in parallel. On each turn the sender takes from
 * the live ring while its head is exactly {@code nextToSend} (older entries are dropped: already sent); when the
 * ring's head is past {@code nextToSend}, or the ring is empty while the stage has handed over records past it,
 * the record is missing from the ring, and the sender reads it from the journal (reopened when its end is short
 * of it, since a reader's end is fixed when it opens), no further than the last record the stage has handed over
 * (the journal may hold more: in {@code SYNC} its stage runs on while the replication stage waits for the standby).
 * Either way it sends {@code nextToSend} and moves it on by one, so there is no race to settle: whichever source
 * holds the record sends it, and a record is never sent twice or skipped, whatever the interleaving of the engine,
 * the journal and the standby's requests.
 */
final class PrimarySender implements Agent {
    private static final Logger LOG = LoggerFactory.getLogger(PrimarySender.class);
    private static final long NONE = Primary.NONE;
    private static final long HEARTBEAT_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /**
     * How long after opening the journal the sender opens it again, when it did not hold the record looked for; twice
     * as long after each such opening, up to {@link #REOPEN_MAX_NANOS}: the journal stage writes a record soon after
     * the replication stage hands it over, but one whose engine stopped before writing it never will, and opening
     * the journal every millisecond for ever spent a core's time on nothing.
     */
    private static final long REOPEN_FIRST_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long REOPEN_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * How long the journal's end must stay still, once the engine stopped, before the history check takes it as final:
     * the journal stage finishes the commands before the failure after it is recorded.
     */
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A message of several records is sent once it holds this many bytes. */
    private static final int SOFT_MESSAGE_BYTES = 64 << 10;

    private final Primary primary;
    private final Aeron aeron;
    private final AeronTransport transport;
    private final Path dir;
    private final OneToOneRingBuffer live;
    /** The data publication's channel parameters: its term length, and its MTU when one was set. */
    private final String publicationParams;
    /** A standby's channel the publication could not be opened on (the settings do not suit it), or {@code null}. */
    private String unusableChannel;
    /** The MTU of the publication to the standby, once there is one; for tests. */
    private volatile int dataMtu;
    private final Subscription control;
    private final FragmentAssembler controlAssembler = new FragmentAssembler(this::onControl);
    private final UnsafeBuffer small = new UnsafeBuffer(new byte[4096]);
    private final ControlledMessageHandler liveHandler = this::onLive;
    private final JournalReader.RawVisitor journalVisitor = this::onJournal;
    private final MessageHandler discard = (type, buffer, index, length) -> { };
    private final StatusFile statusFile;
    /** What the reopening of the journal goes by: read once each time the sender considers reopening it. */
    private final NanoClock reopenClock;
    /** Hears the time of each reopening: for tests. */
    private final LongConsumer onReopen;

    private ExclusivePublication data;
    private String dataChannel;
    private long helloId = NONE;
    /** The epoch of the last record the standby's hello says its journal holds. */
    private long standbyEpoch;
    /** The checksum the standby's hello says its last record ends with. */
    private int standbyChecksum;
    /**
     * The standby's last sequence, while its record waits to be compared with this primary's ({@link #checkHistory});
     * else {@code NONE}.
     */
    private long historyToCheck = NONE;
    /** Once the engine stopped, where the history check last found its journal ending ({@code NONE}: not yet). */
    private long stillEnd = NONE;
    /** Since when the journal has ended at {@link #stillEnd}. */
    private long stillSince;
    /** The last sequence the standby is to keep, while a {@code TRUNCATE} waits to go out; else {@code NONE}. */
    private long truncateTo = NONE;
    /** Why the standby is refused, while the {@code REFUSED} waits to go out; else {@code null}. */
    private String refusal;
    private long nextToSend = NONE;
    /** A hello set {@link #nextToSend}: check, once the engine is attached, that the standby is not ahead. */
    private boolean helloToCheck;
    /**
     * The standby's hello passed every check: only then do its acknowledgements count (one that comes with a hello
     * refused, or still to be checked, is of records the primary has not seen it hold).
     */
    private boolean checked;
    /** The message being gathered: a header, then records; as long as the publication's largest message. */
    private UnsafeBuffer staging = new UnsafeBuffer(new byte[HEADER_LENGTH]);
    private int stagingEnd = HEADER_LENGTH;
    private byte[] carry;
    private int carryLength;
    private boolean gapAhead;
    /**
     * The last sequence the replication stage had handed over as this turn began: the journal is sent no further. In
     * {@code SYNC} the journal stage runs on while the replication stage waits for the standby, so the journal may
     * hold records past it; a standby sent those would say hello again holding more than this primary handed over,
     * which {@link #checkHello} refuses as records it never decided.
     */
    private long handedUpTo;
    private JournalReader reader;
    private long readerNext = NONE;
    private long lastReopen;
    /** How long after {@link #lastReopen} the journal may be opened again. */
    private long reopenWait = REOPEN_FIRST_NANOS;
    private long lastHeartbeat;
    /** The standby's lag, as of this thread's last duty cycle (see {@link LagClock}). */
    private volatile long lagNanos;
    private final LagClock lag = new LagClock();
    private volatile boolean connected;
    private volatile String failure;

    PrimarySender(Primary primary, AeronTransport transport, Endpoint listen, Path dir, OneToOneRingBuffer live,
                  String publicationParams, NanoClock reopenClock, LongConsumer onReopen) {
        this.reopenClock = reopenClock;
        this.onReopen = onReopen;
        this.primary = primary;
        this.transport = transport;
        this.aeron = transport.aeron();
        this.dir = dir;
        this.live = live;
        this.publicationParams = publicationParams;
        this.statusFile = new StatusFile(dir);
        this.control = transport.listen(listen, CONTROL_STREAM, "the primary cannot listen on " + listen
                + " for its standby (Primary.Builder.listen; purestock demo --replicate)");
    }

    /** The listen address with its port resolved (waits for the driver to bind it). */
    String resolvedEndpoint() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String resolved;
        while ((resolved = control.resolvedEndpoint()) == null) {
            if (System.nanoTime() > deadline) {
                throw new ReplicationException("the media driver did not bind " + control.channel() + " in 10 s");
            }
            transport.invoke();
            Thread.yield();
        }
        return resolved;
    }

    @Override
    public String roleName() {
        return "purestock-replicate-sender";
    }

    @Override
    public int doWork() {
        int work = control.poll(controlAssembler, 16);
        long now = System.nanoTime();
        trackLag(now);
        if (statusFile.due(now)) {
            statusFile.write(primary.status());
        }
        if (refusal != null && data != null) {
            // offered until it goes out (a publication just opened to the standby may not be connected yet); a failed
            // offer is no work, so the thread idles meanwhile (the standby may never connect: it died, or its port
            // is closed to this primary)
            if (offerRefusal(refusal)) {
                refusal = null;
                return work + 1;
            }
            return work;
        }
        if (data == null || nextToSend == NONE || !primary.attached()) {
            // no standby to send to: keep the ring fresh; one that says hello later catches up from the journal
            return work + live.read(discard, 4096);
        }
        connected = data.isConnected();
        if (truncateTo != NONE) {
            // offered until it goes out: a publication just opened to the standby may not be connected yet
            ReplicationMessageDescriptor.putHeader(small, TRUNCATE, primary.epoch(), truncateTo, helloId);
            if (data.offer(small, 0, HEADER_LENGTH) > 0) {
                truncateTo = NONE;
                dropStandby();
                return work + 1;
            }
            return work;
        }
        if (helloToCheck) {
            helloToCheck = false;
            if (!checkHello()) {
                return work + 1;
            }
        }
        if (historyToCheck != NONE && !checkHistory()) {
            return work;
        }
        try {
            work += send();
        } catch (JournalException e) {
            refuse("the primary cannot read its journal to catch the standby up: " + e.getMessage());
        } catch (ReplicationException e) {
            refuse(e.getMessage());
        } catch (RuntimeException e) {
            // the standby hears nothing more, so it asks again within a second, and sending starts over from its last;
            // one that heard nothing yet asks with the same hello, which must not pass for the heartbeat of one served
            LOG.error("replication to the standby on {} failed; sending again once it asks", dataChannel, e);
            helloId = NONE;
            dropStandby();
            return work;
        }
        heartbeat(now);
        return work;
    }

    private int send() {
        if (!flush()) {
            return 0;
        }
        int work = 0;
        if (carry != null) {
            stage(carry, 0, carryLength);
            carry = null;
            work++;
        }
        long known = primary.lastHanded();
        handedUpTo = known;
        gapAhead = false;
        long fromRing = nextToSend;
        work += live.controlledRead(liveHandler, 1024);
        if (nextToSend != fromRing) {
            // the ring had the record: a look in the journal that found it short, made between the stage's handing
            // the record over and its writing it to the ring, says nothing of a journal that will not hold it
            reopenedInTime();
        }
        if (stagingEnd < SOFT_MESSAGE_BYTES && (gapAhead || live.size() == 0 && nextToSend <= known)) {
            work += fromJournal();
        }
        flush();
        return work;
    }

    private ControlledMessageHandler.Action onLive(int type, MutableDirectBuffer buffer, int index, int length) {
        long sequence = buffer.getLong(index + JournalRecordDescriptor.SEQUENCE_OFFSET, ORDER);
        if (sequence < nextToSend) {
            return ControlledMessageHandler.Action.CONTINUE;
        }
        if (sequence > nextToSend) {
            gapAhead = true;
            return ControlledMessageHandler.Action.ABORT;
        }
        if (!fits(length)) {
            return ControlledMessageHandler.Action.ABORT;
        }
        buffer.getBytes(index, staging, stagingEnd, length);
        stagingEnd += length;
        nextToSend++;
        return stagingEnd >= SOFT_MESSAGE_BYTES ? ControlledMessageHandler.Action.BREAK
                : ControlledMessageHandler.Action.CONTINUE;
    }

    /** Whether the journal may be opened again now, {@link #reopenWait} after the last time. */
    private boolean reopenDue() {
        long now = reopenClock.nanoTime();
        if (now - lastReopen < reopenWait) {
            return false;
        }
        lastReopen = now;
        onReopen.accept(now);
        return true;
    }

    /**
     * The journal, opened again, does not hold seq {@code wanted}: it ends at {@code end}, or it could not be opened
     * ({@code unreadable}). The next opening waits twice as long, up to {@link #REOPEN_MAX_NANOS}, and the log says so
     * once, when the wait reaches that.
     */
    private void reopenedShort(long wanted, long end, JournalException unreadable) {
        if (reopenWait == REOPEN_MAX_NANOS) {
            return;
        }
        reopenWait = Math.min(2 * reopenWait, REOPEN_MAX_NANOS);
        if (reopenWait == REOPEN_MAX_NANOS) {
            String stopped = primary.engineStopped();
            LOG.warn("replication to the standby on {} waits for seq {}, which this primary's journal {} does not hold "
                    + "({}){}: it reads the journal again once a second until it does", dataChannel, wanted, dir,
                    unreadable == null ? "it ends at seq " + end : "it cannot be read: " + unreadable.getMessage(),
                    stopped == null ? "" : "; its engine stopped (" + stopped + "), so it may never");
        }
    }

    /**
     * The journal, opened again, holds what was looked for, or the live ring had it: the next opening, if any, comes
     * promptly again.
     */
    private void reopenedInTime() {
        reopenWait = REOPEN_FIRST_NANOS;
    }

    /** Sends records from the journal, from {@code nextToSend}, reopening it when its end is short of that. */
    private int fromJournal() {
        if (reader == null || reader.lastSequence() < nextToSend) {
            if (!reopenDue()) {
                return 0;
            }
            closeReader();
            try {
                reader = JournalReader.open(dir);
            } catch (JournalException notYet) {
                reopenedShort(nextToSend, -1, notYet);
                return 0;
            }
            readerNext = NONE;
            if (reader.lastSequence() < nextToSend) {
                reopenedShort(nextToSend, reader.lastSequence(), null);
                return 0;
            }
            reopenedInTime();
        }
        if (readerNext != nextToSend) {
            if (!reader.seek(nextToSend)) {
                refuse("the primary's journal " + dir + " no longer holds seq " + nextToSend
                        + " (its older cycles were pruned?): the standby cannot catch up from its journal. Start the "
                        + "standby from a copy of the primary's journal directory");
                return 1;
            }
            readerNext = nextToSend;
        }
        long before = nextToSend;
        reader.readRaw(journalVisitor);
        return (int) (nextToSend - before);
    }

    private boolean onJournal(long queueIndex, byte[] bytes, int offset, int length) {
        long sequence = JournalRecordCodec.sequenceOf(bytes, offset, length);
        if (sequence != nextToSend || sequence > handedUpTo) {
            readerNext = NONE;
            return false;
        }
        boolean fits = fits(length); // before nextToSend moves on: a record too long for any message names its seq
        readerNext = sequence + 1;
        nextToSend++;
        if (!fits) {
            carry = Arrays.copyOfRange(bytes, offset, offset + length);
            carryLength = length;
            return false;
        }
        staging.putBytes(stagingEnd, bytes, offset, length);
        stagingEnd += length;
        return stagingEnd < SOFT_MESSAGE_BYTES;
    }

    /** Whether a record of {@code length} bytes fits the message being staged; fails one that fits no message. */
    private boolean fits(int length) {
        int max = data.maxMessageLength();
        if (HEADER_LENGTH + length > max) {
            String why = "a record of " + length + " bytes (seq " + nextToSend + ") is longer than the largest Aeron "
                    + "message, " + max + " bytes; raise Primary.Builder.termLength";
            throw new ReplicationException(why);
        }
        return stagingEnd + length <= max;
    }

    private void stage(byte[] bytes, int offset, int length) {
        staging.putBytes(stagingEnd, bytes, offset, length);
        stagingEnd += length;
    }

    /** Offers the staged records, if any; whether nothing is left staged. */
    private boolean flush() {
        if (stagingEnd == HEADER_LENGTH) {
            return true;
        }
        ReplicationMessageDescriptor.putHeader(staging, RECORDS, primary.epoch(), primary.lastHanded(), helloId);
        long result = data.offer(staging, 0, stagingEnd);
        if (result > 0) {
            stagingEnd = HEADER_LENGTH;
            return true;
        }
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
            LOG.warn("the publication to the standby at {} ended ({}); waiting for its next hello", dataChannel,
                    result == Publication.CLOSED ? "closed" : "max position exceeded");
            dropStandby();
        }
        return false;
    }

    private void heartbeat(long now) {
        if (data != null && nextToSend != NONE && now - lastHeartbeat >= HEARTBEAT_NANOS) {
            ReplicationMessageDescriptor.putHeader(small, HEARTBEAT, primary.epoch(), primary.lastHanded(), helloId);
            if (data.offer(small, 0, HEADER_LENGTH) > 0) {
                lastHeartbeat = now;
            }
        }
    }

    private void trackLag(long now) {
        lag.mark(primary.lastHanded(), now);
        lagNanos = lag.lagNanos(primary.acknowledged(), now);
    }

    private void onControl(DirectBuffer buffer, int offset, int length, Header header) {
        if (length < HEADER_LENGTH) {
            LOG.warn("ignoring a control message of {} bytes, shorter than a header ({})", length, HEADER_LENGTH);
            return;
        }
        int type = ReplicationMessageDescriptor.type(buffer, offset);
        long sequence = ReplicationMessageDescriptor.sequence(buffer, offset);
        long id = ReplicationMessageDescriptor.helloId(buffer, offset);
        if (type == ACK) {
            if (id == helloId && checked) {
                primary.acknowledge(sequence);
            }
        } else if (type == HELLO) {
            if (length < ReplicationMessageDescriptor.HELLO_CHANNEL_OFFSET) {
                LOG.warn("ignoring a hello of {} bytes, shorter than a hello's header ({})", length,
                        ReplicationMessageDescriptor.HELLO_CHANNEL_OFFSET);
                return;
            }
            onHello(sequence, id, ReplicationMessageDescriptor.helloChannel(buffer, offset, length),
                    ReplicationMessageDescriptor.epoch(buffer, offset),
                    ReplicationMessageDescriptor.helloChecksum(buffer, offset));
        } else {
            LOG.warn("ignoring a control message of unknown type {} ({} bytes)", type, length);
        }
    }

    /**
     * Checks a standby's hello: its epoch ({@link #checkEpoch}) and that its journal does not run past this primary's.
     * Only a standby that passes counts as holding what it says it holds: until then a {@code SYNC} primary takes
     * nothing of it as acknowledged (a standby ahead of the primary, or holding an old primary's tail it is about to
     * cut, would otherwise acknowledge records it never received). Whether sending may go on; a check that cannot be
     * made (the primary's journal unreadable) refuses the standby with the reason.
     */
    private boolean checkHello() {
        try {
            if (!checkEpoch()) {
                return false;
            }
        } catch (JournalException | ReplicationException e) {
            refuse("the primary cannot check the standby's history against its journal: " + e.getMessage());
            return false;
        }
        if (nextToSend > primary.lastHanded() + 1) {
            refuse("the standby's journal ends at seq " + (nextToSend - 1) + ", past this primary's last seq "
                    + primary.lastHanded() + ": it holds records this primary never decided (or decided and "
                    + "lost in a crash, unacknowledged; or another primary promoted from the same epoch as this one "
                    + "decided them). Start it from an empty directory or a copy of this primary's journal, or "
                    + "promote it instead of this primary");
            return false;
        }
        if (nextToSend > 0 && standbyChecksum != 0) {
            historyToCheck = nextToSend - 1; // compared with this primary's record before it counts
            return true;
        }
        checked = true;
        primary.standbyStartsAt(nextToSend - 1);
        return true;
    }

    /**
     * Compares the standby's last record (its checksum, from the hello) with this primary's record of that sequence:
     * a primary restarted after a crash that lost records it had sent decides new commands under their sequences,
     * and may be past the standby's last by the time it says hello, so the sequence alone does not show that the
     * standby's journal is a prefix of this primary's. Waits (returns {@code false}) while this primary's journal
     * does not hold the record yet (the journal stage writes it beside this thread); refuses a standby whose record
     * differs, and one whose record this primary's journal no longer holds (pruned), which cannot be compared.
     * Whether the standby counts as holding what it says, and sending may go on.
     */
    private boolean checkHistory() {
        long last = historyToCheck;
        if (reader == null || reader.lastSequence() < last) {
            if (!reopenDue()) {
                return false;
            }
            closeReader();
            try {
                reader = JournalReader.open(dir);
            } catch (JournalException notYet) {
                // the journal stage is about to write the record, or the journal cannot be read at all
                reopenedShort(last, -1, notYet);
                return refuseIfNeverJournaled(last, -1, notYet, lastReopen);
            }
            readerNext = NONE;
            if (reader.lastSequence() < last) {
                reopenedShort(last, reader.lastSequence(), null);
                return refuseIfNeverJournaled(last, reader.lastSequence(), null, lastReopen);
            }
            reopenedInTime();
        }
        try {
            readerNext = NONE;
            if (reader.seek(last)) {
                int[] mine = new int[1];
                reader.readRaw((index, bytes, offset, length) -> {
                    mine[0] = JournalRecordCodec.checksumOf(bytes, offset, length);
                    return false;
                });
                if (mine[0] != standbyChecksum) {
                    refuse("the standby's record seq " + last + " differs from this primary's (checksum "
                            + Integer.toHexString(standbyChecksum) + ", this primary's " + Integer.toHexString(mine[0])
                            + "): its journal holds records this primary decided otherwise (sent before a crash that "
                            + "lost them from this primary's journal, or decided by another primary promoted from the "
                            + "same epoch as this one). Start it from an empty directory or a copy of this primary's "
                            + "journal, or promote it instead of this primary");
                    return false;
                }
            } else {
                // pruned: the sequence alone would pass a standby ending right before this primary's first record,
                // whose last record this primary may have decided otherwise, and send it the records after it
                refuse("the primary's journal " + dir + " no longer holds seq " + last + ", the standby's last record "
                        + "(its older cycles were pruned), so the standby's history cannot be compared with this "
                        + "primary's and it cannot follow on: start it from a copy of this primary's journal "
                        + "directory (journal and snapshots)");
                return false;
            }
        } catch (JournalException e) {
            refuse("the primary cannot check the standby's last record against its journal: " + e.getMessage());
            return false;
        }
        historyToCheck = NONE;
        checked = true;
        primary.standbyStartsAt(last);
        return true;
    }

    /**
     * The history check waits for this primary's journal to hold {@code last}, the standby's last record, and finds it
     * ending at {@code end}: while the engine runs, the journal stage is about to write it; once the engine stopped
     * (its journal stage failed before writing it, after the replication stage had sent it) and the journal's end has
     * stayed still for {@link #SETTLE_NANOS}, it never will, and the standby is refused naming why instead of waiting
     * for ever; the refusal names {@code unreadable}, why the journal could not be opened, if it could not. Returns
     * {@code false}: the check has not passed.
     */
    private boolean refuseIfNeverJournaled(long last, long end, JournalException unreadable, long now) {
        String stopped = primary.engineStopped();
        if (stopped == null) {
            return false;
        }
        if (end != stillEnd) {
            stillEnd = end;
            stillSince = now;
            return false;
        }
        if (now - stillSince < SETTLE_NANOS) {
            return false;
        }
        refuse("this primary's engine stopped before its journal held seq " + last + ", the standby's last record ("
                + stopped + "): the standby holds records this primary sent and never journaled (none of them "
                + "acknowledged), and this primary's journal " + (unreadable == null ? "ends at seq " + end
                : "cannot be read (" + unreadable.getMessage() + ")") + ". Promote the standby instead of "
                + "restarting this primary, or, once it restarts, start the standby from a copy of its journal "
                + "directory");
        return false;
    }

    /**
     * Checks the standby's epoch against this primary's: a standby of a newer epoch fences this primary (another
     * was promoted since); a standby whose journal holds records of an older epoch past the point where this
     * primary's history moved on to a newer one is told to cut them ({@code TRUNCATE}): an old primary rejoining
     * as a standby. Whether sending may go on.
     */
    private boolean checkEpoch() {
        long mine = primary.epoch();
        if (standbyEpoch > mine) {
            String why = "the standby's journal holds records of epoch " + standbyEpoch + ", newer than this primary's "
                    + mine + ": another primary was promoted since. Rejoin this one as a standby of the new primary";
            primary.fence(why);
            refuse(why);
            return false;
        }
        if (standbyEpoch < mine) {
            long standbyLast = nextToSend - 1;
            long keep = lastOfEpochAtMost(standbyEpoch, standbyLast);
            if (keep < standbyLast) {
                LOG.warn("standby on {} holds seq {} to {} of epoch {}, which this primary's history (epoch {}) does "
                        + "not: it is told to cut them", dataChannel, keep + 1, standbyLast, standbyEpoch, mine);
                truncateTo = keep;
                return false;
            }
        }
        return true;
    }

    /**
     * The last sequence, at most {@code upTo}, whose record in this primary's journal is of epoch {@code epoch} or
     * older: where a standby whose last record is of {@code epoch} and sequence {@code upTo} shares this primary's
     * history up to. Epochs never go down along a journal, so a binary search over sequences finds it; over the
     * records the journal still holds, since pruning may have deleted its older cycles: when its first record is of
     * {@code epoch} or older, so is every record pruned before it, and the point lies among those it holds.
     *
     * @throws ReplicationException when the point lies before the journal's first record (pruned): this primary can
     *                              neither tell the standby where to cut nor send it what follows
     */
    private long lastOfEpochAtMost(long epoch, long upTo) {
        if (primary.lastHanded() < 0) {
            return -1; // this primary holds no record (promoted from an empty standby): the standby keeps none
        }
        try (JournalReader search = JournalReader.open(dir)) {
            long[] first = {NONE, Long.MIN_VALUE};
            search.toStart();
            search.readRaw((index, bytes, offset, length) -> {
                first[0] = JournalRecordCodec.sequenceOf(bytes, offset, length);
                first[1] = JournalRecordCodec.epochOf(bytes, offset, length);
                return false;
            });
            if (first[0] == NONE) {
                return -1;
            }
            if (first[1] > epoch) {
                if (first[0] == 0) {
                    return -1; // this primary's history holds no record of the standby's epoch: it keeps none
                }
                throw new ReplicationException("this primary's journal " + dir + " starts at seq " + first[0]
                        + ", of epoch " + first[1] + " (its older cycles were pruned), and the standby's history "
                        + "(epoch " + epoch + ") parts from this primary's before it: the standby cannot be cut and "
                        + "caught up from this journal. Start it from a copy of this primary's journal directory "
                        + "(journal and snapshots)");
            }
            long low = first[0];
            long high = Math.min(upTo, search.lastSequence());
            if (high < low) {
                return high; // the standby ends before the journal's first record: its history check refuses it
            }
            while (low < high) {
                long middle = low + (high - low + 1) / 2;
                if (epochAt(search, middle) <= epoch) {
                    low = middle;
                } else {
                    high = middle - 1;
                }
            }
            return low;
        }
    }

    private static long epochAt(JournalReader reader, long sequence) {
        if (!reader.seek(sequence)) {
            throw new ReplicationException("the primary's journal no longer holds seq " + sequence + ", where the "
                    + "standby's history may part from it: start the standby from a copy of this primary's journal");
        }
        long[] epoch = {Long.MIN_VALUE};
        reader.readRaw((index, bytes, offset, length) -> {
            epoch[0] = JournalRecordCodec.epochOf(bytes, offset, length);
            return false;
        });
        return epoch[0];
    }

    /** A standby holds every record up to {@code last} and asks for the rest, on {@code channel}. */
    private void onHello(long last, long id, String channel, long epoch, int checksum) {
        if (id == helloId && channel.equals(dataChannel)) {
            lastHeartbeat = 0;
            return;
        }
        if (channel.equals(unusableChannel)) {
            return; // said once, in the failure and the log: the settings do not change while this runs
        }
        if (!channel.equals(dataChannel)) {
            ExclusivePublication opened;
            try {
                opened = aeron.addExclusivePublication(channel + "|" + publicationParams, DATA_STREAM);
            } catch (RuntimeException e) {
                // the standby served so far, if any, keeps its publication: a hello that names a channel Aeron will
                // not open (garbled, or not a standby's) takes nobody's place
                unusableChannel = channel;
                failure = "cannot open the publication to the standby on " + channel + " (" + publicationParams
                        + "): " + e.getMessage();
                LOG.error("replication cannot send to the standby: {}", failure, e);
                return;
            }
            CloseHelper.quietClose(data);
            data = opened;
            dataMtu = data.maxPayloadLength() + DataHeaderFlyweight.HEADER_LENGTH;
            dataChannel = channel;
            staging = new UnsafeBuffer(new byte[data.maxMessageLength()]);
        }
        helloId = id;
        standbyEpoch = epoch;
        standbyChecksum = checksum;
        historyToCheck = NONE;
        stillEnd = NONE;
        checked = false;
        truncateTo = NONE;
        refusal = null; // one still to go out was for the standby before: this one is checked afresh
        nextToSend = last + 1;
        helloToCheck = true;
        stagingEnd = HEADER_LENGTH;
        carry = null;
        readerNext = NONE;
        reopenedInTime();
        failure = null;
        lastHeartbeat = 0;
        LOG.info("standby on {} holds up to seq {}: sending from seq {} (this primary is at seq {})", channel, last,
                nextToSend, primary.lastHanded());
    }

    /**
     * What escaped a duty cycle, on this thread: an exception is logged and the next cycle runs; an {@link Error}
     * (memory running out as the journal is read to catch a standby up) ends the thread, as the runner rethrows it,
     * so the status says no standby is served and why, instead of a standby still connected that is sent nothing
     * more. Nothing is taken as replicated that was not: only the standby's acknowledgements move that, and none
     * come now; a {@code SYNC} batch waits for one as for a standby gone.
     */
    void onThreadError(Throwable e) {
        if (e instanceof Error) {
            LOG.error("the replication sender's thread ends: no standby is sent anything more", e);
            failure = "the sender's thread ended on " + e + ": no standby is sent anything more; restart this primary";
            connected = false;
            statusFile.write(primary.status());
        } else {
            LOG.error("replication sender failed", e);
        }
    }

    /** Tells the standby why it is refused, and sends it nothing more until its next hello. */
    private void refuse(String why) {
        LOG.error("replication refuses the standby on {}: {}", dataChannel, why);
        failure = why;
        if (!offerRefusal(why)) {
            refusal = why;
        }
        dropStandby();
    }

    private boolean offerRefusal(String why) {
        int length = ReplicationMessageDescriptor.putText(small, REFUSED, primary.epoch(), primary.lastHanded(),
                helloId, why.length() > 1000 ? why.substring(0, 1000) : why);
        return data.offer(small, 0, length) > 0;
    }

    private void dropStandby() {
        nextToSend = NONE;
        historyToCheck = NONE;
        checked = false;
        stagingEnd = HEADER_LENGTH;
        carry = null;
        connected = false;
    }

    boolean connected() {
        return connected;
    }

    int dataMtu() {
        return dataMtu;
    }

    /** How long the oldest record the standby has not acknowledged has waited, in nanoseconds. */
    long lagNanos() {
        return lagNanos;
    }

    String failure() {
        return failure;
    }

    private void closeReader() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }

    @Override
    public void onClose() {
        connected = false;
        statusFile.write(primary.status());
        closeReader();
        CloseHelper.closeAll(data, control);
    }
}
