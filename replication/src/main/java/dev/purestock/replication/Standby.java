package dev.purestock.replication;

import dev.purestock.domain.InventoryState;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.Durations;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.ShardDigest;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalException;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournalRecordCodec;
import dev.purestock.journal.JournalLayout;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.JournalTruncation;
import dev.purestock.journal.JournalWriter;
import dev.purestock.journal.RecoveredState;
import dev.purestock.journal.ReplayProgress;
import dev.purestock.journal.RetentionPolicy;
import dev.purestock.journal.SnapshotStore;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The standby side of a replicated pair: a process that holds a copy of the primary's journal and state, a few
 * microseconds behind, and never decides. Started on a journal directory, empty or an older copy of the primary's,
 * it recovers that journal, tells the primary its last sequence, and then appends every record the primary sends,
 * the primary's very bytes, to its own journal (so its journal is, record for record and byte for byte, a prefix of
 * the primary's) and applies each record's events with the domain's {@code evolve} to a state it serves to readers.
 *
 * <pre>{@code
 * try (Standby standby = Standby.builder(dir).primary("primary-host:40400").start()) {
 *     standby.awaitSequence(42, Duration.ofSeconds(5));
 *     long units = standby.available(sku, warehouse);
 * }
 * }</pre>
 *
 * <p><b>What it checks.</b> Each record must pass its checksum and follow the last one in the journal: a record
 * already held (a duplicate, after the standby asked again) is skipped and counted; a record with records missing
 * before it, or one that fails its checksum, is dropped, and the standby asks the primary again from its last
 * sequence (counted in {@link ReplicationStatus#gaps()}). A primary that refuses the standby (its journal runs
 * ahead of the primary's, or the primary no longer holds the records it needs) stops it: {@link #status()} says
 * why, and {@link #awaitSequence} throws.
 *
 * <p><b>Acknowledgements.</b> After each round of received messages the records are appended to the journal (and
 * synced, with {@link Durability#SYNC_PER_BATCH}) and the high-water mark moved; only then does the standby
 * acknowledge the last sequence to the primary, which answers {@link ReplicationMode#SYNC} callers on it.
 *
 * <p><b>State.</b> A record is applied to the state the read queries answer from only once the journal holds it, at
 * the end of its round, so the state is always a replay of the journal up to {@link #lastSequence()}: what a restart
 * or a promotion recovers. A journal that cannot take a round's records (its disk full) stops the standby with its
 * state and {@link #lastSequence()} those of what the journal took.
 *
 * <p><b>Threads.</b> One receiver thread ({@code purestock-standby-receive}) does all of it, save a cut of the journal
 * (an old primary rejoining), which runs on a thread of its own ({@code purestock-standby-cut}) while the receiver
 * keeps the media driver served; the read queries are safe from any thread (they take a lock the receiver holds
 * while it applies a round's records). With
 * {@link Builder#snapshotEvery}, a second thread ({@code purestock-standby-snapshot}) cuts snapshots from a copy of
 * the state of its own, so that promotion does not replay the whole journal.
 */
public final class Standby implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Standby.class);

    private final Path dir;
    private final JournalLock lock;
    private final Durability durability;
    /** The journal writer; replaced when the primary has the standby cut its journal (see {@link #truncateAfter}). */
    private volatile JournalWriter writer;
    private final Object stateLock = new Object();
    private volatile boolean closed;
    /**
     * Held by {@link #close} and {@link #promote}: a close racing a promotion waits for it, instead of both passing
     * {@link #closed} and the close letting go of the directory's lock while the promotion still writes its epoch.
     */
    private final Object lifecycle = new Object();
    private final AeronTransport transport;
    private final StandbyReceiver receiver;
    private final AgentRunner runner;
    private final long snapshotEvery;
    private final int keepSnapshots;
    /** Cuts the snapshots {@link Builder#snapshotEvery} asks for; replaced when a cut reopens the journal. */
    private volatile StandbySnapshots snapshots;
    /**
     * Held while the primary has the standby cut its journal ({@link #truncateAfter}): {@link #stop} waits for a cut
     * under way to finish instead of having the receiver's runner interrupt it after its close timeout (5 s), which
     * failed the cut part way, in the channels the interrupt closed.
     */
    private final ReentrantLock cutLock = new ReentrantLock();
    /** Set by {@link #stop}: no cut starts from then on. */
    private volatile boolean stopping;
    /** Run by a cut as it begins, after the journal writer closed; for tests of a long cut. */
    private final Runnable beforeCut;

    private Standby(Builder settings) {
        this.dir = settings.dir;
        this.durability = settings.durability;
        this.snapshotEvery = settings.snapshotEvery;
        this.keepSnapshots = settings.keepSnapshots;
        this.beforeCut = settings.beforeCut;
        this.lock = JournalLock.acquire(dir);
        AeronTransport started = null;
        JournalWriter opened = null;
        try {
            JournalLayout.create(dir, 1);
            RecoveredState recovered = JournalRecovery.recoverForWriting(dir, RetentionPolicy.KEEP_JOURNAL,
                    PrimitiveInventoryStore::new, ReplayProgress.NONE);
            // the standby is their only reporter: the journal library hands them back without logging them
            recovered.notes().forEach(note -> LOG.warn("standby recovery of {}: {}", dir, note));
            long epoch = ReplicationMessageDescriptor.requireEpochFits(lastEpoch(dir), dir, "the standby's journal");
            opened = JournalWriter.open(dir, settings.durability);
            this.writer = opened;
            started = AeronTransport.start(settings.externalDriver, null, "standby");
            this.transport = started;
            Endpoint listen = settings.listen != null ? settings.listen
                    : new Endpoint(Endpoint.localAddressTowards(settings.primary), 0);
            this.receiver = new StandbyReceiver(transport, settings.primary, listen, dir, writer,
                    recovered.store(), stateLock, recovered.nextSequence() - 1, epoch, lastRecordEpoch(dir),
                    checksumAt(dir, recovered.nextSequence() - 1), this::truncateAfter, () -> snapshots);
            // before the receiver runs: the copy is the state as recovered
            this.snapshots = startSnapshots(recovered);
            this.runner = new AgentRunner(AeronTransport.idleStrategy(),
                    receiver::onThreadError, null, transport.driving(receiver));
            AgentRunner.startOnThread(runner);
        } catch (RuntimeException | Error e) {
            // an Error too (memory running out as recovery replays the journal): the lock is let go, so that a
            // standby started again in this JVM does not find its own directory locked
            CloseHelper.quietCloseAll(snapshots, started, opened);
            lock.close();
            throw e;
        }
        LOG.info("standby of {} on {} starts at seq {}, receiving on {}", settings.primary, dir,
                receiver.lastSequence(), receiver.endpoint());
    }

    /** Starts cutting snapshots from a copy of {@code recovered}'s state, or nothing when none are asked for. */
    private StandbySnapshots startSnapshots(RecoveredState recovered) {
        if (snapshotEvery == 0) {
            return null;
        }
        return StandbySnapshots.start(dir, snapshotEvery, keepSnapshots,
                recovered.store().copyInto(new PrimitiveInventoryStore()), recovered.nextSequence() - 1,
                recovered.snapshotSequence(), receiver::lastSequence);
    }

    /** Waits until this standby cut a snapshot at {@code sequence} or later; for tests. */
    boolean awaitSnapshot(long sequence, Duration timeout) throws InterruptedException {
        StandbySnapshots current = snapshots;
        return current != null && current.awaitSnapshot(sequence, Durations.saturatedNanos(timeout));
    }

    /** A builder for a standby journaling to {@code journalDir} (created when missing). */
    public static Builder builder(Path journalDir) {
        return new Builder(journalDir);
    }

    /** The journal directory this standby writes. */
    public Path dir() {
        return dir;
    }

    /** The {@code host:port} this standby receives records on, with the port resolved. */
    public String endpoint() {
        return receiver.endpoint();
    }

    /**
     * The sequence of the last record in this standby's journal and state ({@code -1}: none): the journal may hold a
     * few records more, those of the round being journaled, which count once it ends.
     */
    public long lastSequence() {
        return receiver.lastSequence();
    }

    /**
     * Units of {@code sku} available at {@code warehouse} as of {@link #lastSequence()}, or
     * {@link InventoryState#NO_POSITION} when the position never received stock: what the primary's read model
     * answered for the same commands.
     *
     * @throws IllegalArgumentException when {@code sku} or {@code warehouse} is outside its range, as
     *                                  {@code ReadModel.available} refuses it: the state finds a position by a key
     *                                  packed from both, which would name another position
     */
    public long available(long sku, int warehouse) {
        Limits.checkPosition(sku, warehouse);
        synchronized (stateLock) {
            return receiver.state().available(sku, warehouse);
        }
    }

    /** The status of the order as of {@link #lastSequence()}, or {@code null} when no order has that id. */
    public OrderStatus orderStatus(long orderId) {
        synchronized (stateLock) {
            Order order = receiver.state().order(orderId);
            return order == null ? null : order.status();
        }
    }

    /**
     * The {@link StateDigest} of the state this standby serves now: equal to the digest of a replay of its journal up
     * to the last sequence it has applied, and to the primary's at the same sequence. Records go on arriving, so a
     * {@link #lastSequence()} read before or after this call may name another state: {@link #digestWithSequence()}
     * reads both at once.
     */
    public long digest() {
        synchronized (stateLock) {
            return StateDigest.of(receiver.state());
        }
    }

    /**
     * The {@link StateDigest} of the state this standby serves together with the last sequence that state holds, read
     * at once while records go on arriving: the state of its journal, and of its primary's, up to
     * {@link ShardDigest#lastSequence} has {@link ShardDigest#digest} ({@code purestock replay --until-seq N}). Shard
     * 0, the one shard a primary replicates; {@code -1} when the standby holds no record yet. Walks the whole state,
     * as {@link #digest()} does, holding back the records arriving meanwhile.
     */
    public ShardDigest digestWithSequence() {
        synchronized (stateLock) {
            return new ShardDigest(0, receiver.lastSequence(), StateDigest.of(receiver.state()));
        }
    }

    /**
     * Waits until this standby holds {@code sequence} (journaled and applied) as its primary's history has it: a
     * record the primary sent it, or one its journal held already and the primary, answering its hello, found to be
     * its own (it answers only once it has checked the standby's history: the epochs, that its journal runs no further
     * than the primary's, and its last record's checksum). Until then {@link #lastSequence()} may be past what this
     * answers for: with no primary answering yet it waits even for a sequence its journal holds, and a record in a
     * tail the primary's history does not hold (an old primary rejoining, told to cut it) never counts, before the
     * cut, while it runs or after it: that sequence counts once the primary's own record of it has arrived.
     *
     * @return whether it did within {@code timeout}
     * @throws ReplicationException when the standby stopped (its primary refused it, or a record could not be
     *                              journaled; the message says why), or was closed or promoted
     * @throws InterruptedException when interrupted while waiting
     */
    public boolean awaitSequence(long sequence, Duration timeout) throws InterruptedException {
        return receiver.awaitSequence(sequence, Durations.saturatedNanos(timeout));
    }

    /** Where this standby stands now: its last sequence, the primary's, and the lag between them. */
    public ReplicationStatus status() {
        return receiver.status();
    }

    /** Stops receiving (or, with {@code false}, goes on): for tests of a standby that stops reading. */
    void pause(boolean paused) {
        receiver.pause(paused);
    }

    /** Pauses receiving once the standby holds {@code sequence}: for tests of a standby stopped mid-catch-up. */
    void pauseAfter(long sequence) {
        receiver.pauseAfter(sequence);
    }

    /** Whether receiving is paused. */
    boolean paused() {
        return receiver.paused();
    }

    /**
     * Turns this standby's journal into a primary's: stops receiving, closes the journal, starts the next epoch on
     * it ({@link JournalEpoch#promote}, recorded durably) and lets go of the directory, so that a
     * {@code JournaledEngine} (with a {@link Primary} of its own, for a standby of it) opens it and accepts commands
     * from the next sequence, its records of the new epoch. Every record of an older epoch that another primary
     * sends is refused from then on, here and on any standby that follows the new primary: the old primary, back,
     * cannot fork the history, and rejoins as a standby of the new one, cutting what it holds past the point where
     * the histories part. Who decides to promote is not automatic: make sure the old primary is gone (or fenced)
     * first. This standby is closed afterwards; a cut of its journal under way finishes first, so the journal
     * promoted is the cut one.
     *
     * @return the epochs before and after, and the next sequence the promoted journal will write
     * @throws JournalException when the journal cannot be promoted (its epoch cannot be read or recorded, or it has
     *                          seen {@link JournalEpoch#MAX} already); the standby is closed all the same
     */
    public JournalEpoch.Promotion promote() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("this standby is closed; promote its directory with "
                        + "JournalEpoch.promote or purestock promote");
            }
            closed = true;
            try {
                stop();
                JournalEpoch.Promotion promotion = JournalEpoch.promote(dir);
                LOG.info("standby {} promoted: epoch {} -> {}, next seq {}", dir, promotion.previousEpoch(),
                        promotion.epoch(), promotion.nextSequence());
                return promotion;
            } finally {
                lock.close();
            }
        }
    }

    /**
     * Stops the receiver first (so no cut replaces the snapshots or the writer after they are read here), then the
     * snapshots, the journal and the transport.
     */
    private void stop() {
        stopping = true;
        if (!cutLock.tryLock()) {
            LOG.warn("standby {} is cutting its journal (the primary's history parts from it): closing waits for the "
                    + "cut to finish", dir);
            cutLock.lock();
        }
        cutLock.unlock();
        try {
            CloseHelper.close(runner);
        } finally {
            receiver.closed();
            CloseHelper.closeAll(snapshots, writer, transport);
        }
    }

    /**
     * The primary's history parts from this journal's after {@code lastKept}: cut there and start again; {@code null}
     * when the standby is closing, and the cut is not begun (the primary asks for it again at the next start).
     */
    private StandbyReceiver.Reopened truncateAfter(long lastKept) {
        cutLock.lock();
        try {
            return stopping ? null : cutAfter(lastKept);
        } finally {
            cutLock.unlock();
        }
    }

    private StandbyReceiver.Reopened cutAfter(long lastKept) {
        // no snapshot may be cut of the records the cut removes, nor its copy run past the cut
        CloseHelper.close(snapshots);
        writer.close();
        beforeCut.run();
        JournalTruncation.Result cut = JournalTruncation.truncateAfter(dir, lastKept);
        cut.notes().forEach(note -> LOG.warn("standby cut of {}: {}", dir, note));
        RecoveredState recovered = JournalRecovery.recoverForWriting(dir, RetentionPolicy.KEEP_JOURNAL,
                PrimitiveInventoryStore::new, ReplayProgress.NONE);
        recovered.notes().forEach(note -> LOG.warn("standby recovery of {} after the cut: {}", dir, note));
        writer = JournalWriter.open(dir, durability);
        snapshots = startSnapshots(recovered);
        long last = recovered.nextSequence() - 1;
        return new StandbyReceiver.Reopened(writer, recovered.store(), last, lastEpoch(dir), lastRecordEpoch(dir),
                checksumAt(dir, last));
    }

    /**
     * The checksum the record {@code sequence} of the journal in {@code dir} ends with, which the hello names;
     * {@code 0} (not compared) when the journal does not hold it: none, or a directory copied with its snapshot and
     * without the journal before it.
     */
    private static int checksumAt(Path dir, long sequence) {
        if (sequence < 0) {
            return 0;
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            if (!reader.seek(sequence)) {
                return 0;
            }
            int[] checksum = new int[1];
            reader.readRaw((index, bytes, offset, length) -> {
                checksum[0] = JournalRecordCodec.checksumOf(bytes, offset, length);
                return false;
            });
            return checksum[0];
        } catch (JournalException noJournal) {
            return 0;
        }
    }

    /**
     * The epoch this standby's history is of: the newer of its last record's and the one the directory records. A
     * directory promoted since its last record ({@code purestock promote}), or whose standby followed a primary of a
     * newer epoch, records the newer epoch, so a primary of an older one is refused and fenced by its hello.
     */
    private static long lastEpoch(Path dir) {
        long recorded = JournalEpoch.read(dir);
        try (JournalReader reader = JournalReader.open(dir)) {
            return reader.lastSequence() < 0 ? recorded : Math.max(reader.lastEpoch(), recorded);
        } catch (JournalException noJournal) {
            return recorded;
        }
    }

    /** The epoch of the last record of the journal in {@code dir}; {@code 0} when it holds none. */
    private static long lastRecordEpoch(Path dir) {
        try (JournalReader reader = JournalReader.open(dir)) {
            return Math.max(0, reader.lastEpoch());
        } catch (JournalException noJournal) {
            return 0;
        }
    }

    /** The id of this standby's last hello, a new one each time it asks its primary again; for tests. */
    long helloId() {
        return receiver.helloId();
    }

    /** How many times the primary had this standby cut its journal (an old primary rejoining). */
    long truncations() {
        return receiver.truncations();
    }

    /**
     * Stops receiving, closes the journal, the transport and the directory's lock. A cut of the journal under way
     * (the primary's history parts from it) finishes first: it is never left half done.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                stop();
            } finally {
                lock.close();
            }
        }
    }

    /** The settings of a standby; {@link #start()} starts it. */
    public static final class Builder {
        private final Path dir;
        private Endpoint primary;
        private Endpoint listen;
        private Durability durability = Durability.PAGE_CACHE;
        private Path externalDriver;
        private long snapshotEvery;
        private int keepSnapshots = SnapshotStore.DEFAULT_KEEP;
        private Runnable beforeCut = () -> { };

        private Builder(Path dir) {
            this.dir = Objects.requireNonNull(dir, "journal directory");
        }

        /**
         * The primary's {@code HOST:PORT}, where it listens ({@code Primary.Builder.listen}); required.
         *
         * @throws IllegalArgumentException when it is not {@code HOST:PORT} with a port from 1 to 65535
         */
        public Builder primary(String hostPort) {
            this.primary = Endpoint.parseRemote(hostPort, "the primary's address");
            return this;
        }

        /**
         * Where to receive records, {@code HOST:PORT}, an address the primary can reach (default: this machine's
         * address on the route to the primary, and a free port).
         *
         * @throws IllegalArgumentException when it is not {@code HOST:PORT}
         */
        public Builder listen(String hostPort) {
            this.listen = Endpoint.parse(hostPort, "the standby's listen address");
            return this;
        }

        /** When a received record counts as written, before it is acknowledged (default {@code PAGE_CACHE}). */
        public Builder durability(Durability durability) {
            this.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /**
         * Cut a snapshot of the standby's state every {@code records} records it journals ({@code 0}, the default:
         * none), so that once promoted (or restarted) it recovers from the newest snapshot and replays only the
         * journal after it, not the whole journal. The snapshots are cut on a thread of their own from a second copy
         * of the state, brought forward from the standby's journal: the receiver never waits for one, and the
         * standby holds its state twice in memory.
         *
         * @throws IllegalArgumentException when {@code records} is negative
         */
        public Builder snapshotEvery(long records) {
            if (records < 0) {
                throw new IllegalArgumentException("snapshotEvery must be 0 (none) or more records, was " + records);
            }
            this.snapshotEvery = records;
            return this;
        }

        /**
         * How many snapshots to keep, newest first (default {@value SnapshotStore#DEFAULT_KEEP}).
         *
         * @throws IllegalArgumentException when {@code count} is below 1
         */
        public Builder keepSnapshots(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("keep at least one snapshot, was " + count);
            }
            this.keepSnapshots = count;
            return this;
        }

        /** Use the media driver running in {@code aeronDir} instead of starting an embedded one (the default). */
        public Builder externalDriver(Path aeronDir) {
            this.externalDriver = Objects.requireNonNull(aeronDir, "Aeron directory");
            return this;
        }

        /** Runs {@code hook} as each cut of the journal begins, after the writer closed: for tests of a long cut. */
        Builder beforeCut(Runnable hook) {
            this.beforeCut = Objects.requireNonNull(hook, "hook");
            return this;
        }

        /**
         * Recovers the journal, starts the transport and says hello to the primary; returns at once (the primary
         * need not be up yet: the standby says hello until it answers).
         *
         * @throws IllegalStateException when no {@link #primary} was set
         * @throws dev.purestock.journal.JournalException when another process uses the directory, or its journal
         *                                                cannot be recovered
         * @throws ReplicationException  when Aeron cannot start or receive on the {@link #listen} address (another
         *                               process uses it), or the journal is of an epoch past the largest replication
         *                               carries ({@value Integer#MAX_VALUE}; the message says what to do)
         */
        public Standby start() {
            if (primary == null) {
                throw new IllegalStateException("a standby needs its primary's HOST:PORT: set Standby.Builder.primary");
            }
            return new Standby(this);
        }
    }
}
