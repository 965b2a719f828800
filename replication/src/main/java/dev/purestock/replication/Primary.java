package dev.purestock.replication;

import dev.purestock.engine.DurabilityStage;
import dev.purestock.engine.Durations;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalException;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalReader;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * The primary side of a replicated pair: it listens for a standby on {@link Builder#listen HOST:PORT} and
 * publishes every journal record of the engine it is {@link #configure configured} into, the same bytes its journal
 * holds, to that standby over Aeron. A standby that says hello with the last sequence of its own journal gets every
 * record after it: first from this primary's journal, then live, without a gap or a duplicate at the hand-over.
 *
 * <pre>{@code
 * try (Primary primary = Primary.builder(dir).listen("0.0.0.0:40400").mode(ReplicationMode.SYNC).start();
 *      JournaledEngine journaled = JournaledEngine.builder(dir).engine(primary::configure).start()) {
 *     journaled.engine().submit(purchase).join();   // answered once the standby has journaled it
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> The engine's replication stage ({@code purestock-shard-0-replicate}) encodes each decided
 * command as the journal does and hands the record to a sender thread ({@code purestock-replicate-sender})
 * through an in-memory ring ({@link Builder#liveBufferBytes}); the sender offers it to the standby's Aeron
 * publication, in messages of several records. The ring is best effort: a record that does not fit (the standby
 * is behind, or catching up) is dropped from it, and the sender reads it from the journal instead, as it does for
 * a catching-up standby. With {@link ReplicationMode#SYNC}, the stage's end of a batch waits until the standby has
 * acknowledged the batch's last sequence (see {@link SyncFallback} for when it does not).
 *
 * <p>One shard: a sharded engine is refused when it is built. Close the engine first, then this.
 */
public final class Primary implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Primary.class);
    static final long NONE = Long.MIN_VALUE;

    private final Builder settings;
    private final AeronTransport transport;
    private final OneToOneRingBuffer live;
    private final PrimarySender sender;
    private final AgentRunner runner;
    private final String endpoint;

    private final AtomicLong lastHanded = new AtomicLong(-1);
    private final AtomicLong acknowledged = new AtomicLong(-1);
    private final AtomicLong degradations = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean attached;
    /** The epoch of the journal this primary replicates, read when its engine is built. */
    private volatile long epoch;
    /** Why this primary may not go on: a standby holds records of a newer epoch ({@code null} while it may). */
    private volatile String fenced;
    /** Why the engine stopped (a stage failed), once it did: its journal holds nothing more from then on. */
    private volatile String engineStopped;
    /**
     * Why the engine takes no more commands (its read model failed), once it does: unlike {@link #engineStopped}, what
     * it took is still journaled and replicated, so this is for {@link #status()} alone.
     */
    private volatile String intakeStopped;
    /** Why SYNC with {@link SyncFallback#WAIT} stopped the engine, once it did: for {@link #status()}. */
    private volatile String stopped;
    private volatile boolean degraded;
    /** While degraded: the sequence that ends the standby's current catch-up round, and when the round began. */
    private long roundMark;
    private long roundStart;
    private volatile boolean closed;
    private volatile Thread waiter;

    private Primary(Builder settings) {
        this.settings = settings;
        this.live = new OneToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(settings.liveBufferBytes + RingBufferDescriptor.TRAILER_LENGTH)));
        this.transport = AeronTransport.start(settings.externalDriver, settings.driverBase, "primary");
        try {
            this.sender = new PrimarySender(this, transport, settings.listen, settings.dir, live,
                    "term-length=" + settings.termLength + (settings.mtu == 0 ? "" : "|mtu=" + settings.mtu),
                    settings.reopenClock, settings.onReopen);
            this.endpoint = sender.resolvedEndpoint();
            this.runner = new AgentRunner(AeronTransport.idleStrategy(),
                    sender::onThreadError, null, transport.driving(sender));
            AgentRunner.startOnThread(runner);
        } catch (RuntimeException | Error e) {
            transport.close(); // an Error too: the embedded media driver and its directory are not left behind
            throw e;
        }
        LOG.info("replication primary of {} listens on {} ({}, {} after {} ms)", settings.dir, endpoint,
                settings.mode, settings.fallback, Durations.saturatedMillis(settings.syncTimeout));
    }

    /** A builder for the primary of the journal in {@code journalDir}: the directory its engine journals to. */
    public static Builder builder(Path journalDir) {
        return new Builder(journalDir);
    }

    /**
     * Sets {@code engine}'s replication to this primary: pass it to {@code JournaledEngine.Builder.engine}, or call
     * it from the tuning given there. The engine must run one shard, on this primary's journal directory.
     *
     * @return {@code engine}
     * @throws IllegalArgumentException when {@code engine} is set to more than one shard: refused here, before a
     *                                  journaled engine touches its directory; and, as the engine is built, when
     *                                  it does not journal into this primary's directory (nothing holds that
     *                                  directory's journal lock)
     * @throws JournalException         as the engine is built, when the directory's epoch file holds no epoch, or
     *                                  one past the largest replication carries ({@value Integer#MAX_VALUE}; see
     *                                  {@link JournalEpoch#read}, the message says what to do): a journaled engine
     *                                  refuses it as it starts, before its recovery
     */
    public PurestockEngine.Builder configure(PurestockEngine.Builder engine) {
        if (engine.shards() != 1) {
            throw new IllegalArgumentException("replication supports a one-shard engine; this engine is set to "
                    + engine.shards() + " shards");
        }
        return engine.replication(this::attach);
    }

    /** The replication stage of shard {@code shard}: called by the engine as it is built, after recovery. */
    private DurabilityStage attach(int shard) {
        if (shard != 0) {
            throw new IllegalArgumentException("replication supports a one-shard engine; shard " + shard
                    + " asked for a replication stage");
        }
        if (attached) {
            throw new IllegalStateException("this primary already replicates an engine; start one per engine");
        }
        requireJournalLocked();
        long last = -1;
        try (JournalReader reader = JournalReader.open(settings.dir)) {
            last = reader.lastSequence();
        } catch (JournalException noJournalYet) {
            LOG.debug("no journal in {} yet: replication starts at seq 0", settings.dir);
        }
        // at most JournalEpoch.MAX, the largest the header carries: read refuses a file that holds more
        epoch = JournalEpoch.read(settings.dir);
        lastHanded.set(last);
        attached = true;
        return new ReplicationStage(this, live, settings.mode);
    }

    /**
     * Refuses an engine that does not journal into this primary's directory, seen as it is built: a journaled engine
     * holds its directory's {@link JournalLock} from before recovery, so a directory whose lock nothing holds (or
     * that has no lock file at all) is not the one the engine journals into. The sender would then catch the
     * standby up from a journal the engine does not write. (A directory another engine holds passes here; the
     * replication stage finds that one at its first record, whose sequence does not follow this journal's last.)
     */
    private void requireJournalLocked() {
        Path dir = settings.dir;
        if (Files.exists(dir.resolve(JournalLock.FILE_NAME))) {
            try (JournalLock probe = JournalLock.acquire(dir)) {
                LOG.debug("nothing held the lock of {}: the engine journals elsewhere", dir);
            } catch (JournalException held) {
                return; // held: by the engine being built, on this directory
            }
        }
        throw new IllegalArgumentException("the engine does not journal into this primary's directory " + dir
                + " (nothing holds its journal lock): build the JournaledEngine on the directory the primary "
                + "replicates, JournaledEngine.builder(dir).engine(primary::configure) with the dir of "
                + "Primary.builder(dir)");
    }

    /** The {@code host:port} this primary listens on for its standby, with the port resolved. */
    public String endpoint() {
        return endpoint;
    }

    /**
     * Where replication stands now. Its {@link ReplicationStatus#failure() failure} says why this primary was fenced,
     * why {@code SYNC} stopped its engine, why its engine stopped otherwise (a stage failed: its journal could not be
     * written, say; it decides nothing more from then on), why its engine takes no more commands (its read model
     * failed: what it took is still decided, journaled and replicated), or else why it last refused a standby, in that
     * order.
     */
    public ReplicationStatus status() {
        long last = lastHanded.get();
        long acked = acknowledged.get();
        return new ReplicationStatus(ReplicationRole.PRIMARY, settings.mode, epoch, sender.connected(), last, acked,
                Math.max(0, last - acked), sender.lagNanos() / 1_000, degraded, degradations.get(), 0, 0, failure(), -1,
                null);
    }

    /** The status's failure, as {@link #status()} orders them. */
    private String failure() {
        String fencedWhy = fenced;
        if (fencedWhy != null) {
            return fencedWhy;
        }
        String syncStopped = stopped;
        if (syncStopped != null) {
            return syncStopped;
        }
        String engine = engineStopped;
        if (engine != null) {
            return "this primary's engine stopped: " + engine;
        }
        String intake = intakeStopped;
        if (intake != null) {
            return "this primary's engine takes no more commands: " + intake;
        }
        return sender.failure();
    }

    /** The MTU of the publication to the standby ({@code 0} before one connected); for tests. */
    int dataMtu() {
        return sender.dataMtu();
    }

    /** Records handed to the sender that did not fit its ring, and went to the standby from the journal. */
    long droppedCount() {
        return dropped.get();
    }

    /** Stops the sender and the transport. Close the engine first: a waiting {@code SYNC} batch fails. */
    @Override
    public void close() {
        closed = true;
        Thread waiting = waiter;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
        CloseHelper.closeAll(runner, transport);
    }

    boolean attached() {
        return attached;
    }

    /** The epoch of the journal this primary replicates (its records carry it). */
    long epoch() {
        return epoch;
    }

    /**
     * A standby holds records of a newer epoch than this primary's: another primary was promoted since, and this
     * one must decide nothing more. The replication stage fails its next batch, which stops the engine, so nothing
     * more is acknowledged; a waiting {@code SYNC} batch fails at once.
     */
    void fence(String why) {
        if (fenced == null) {
            LOG.error("this primary is fenced and its engine stops: {}", why);
            fenced = why;
        }
        Thread waiting = waiter;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }

    /**
     * Why this primary was fenced (a standby holds records of a newer epoch: another primary was promoted since), or
     * {@code null}. A fenced primary must decide nothing more; its engine stops at its next batch.
     */
    public String fenced() {
        return fenced;
    }

    long lastHanded() {
        return lastHanded.get();
    }

    /**
     * The engine stopped: {@code why}, its failure. Its journal holds nothing more than the stages finish now; a
     * waiting {@code SYNC} batch ends at once (its callers get the engine's failure).
     */
    void engineStopped(String why) {
        engineStopped = why;
        wake();
    }

    /** Why the engine stopped, or {@code null} while it runs. */
    String engineStopped() {
        return engineStopped;
    }

    /**
     * The engine takes no more commands: {@code why}, its failure. What it took is still journaled and replicated as
     * usual; only the status says so.
     */
    void intakeStopped(String why) {
        intakeStopped = why;
    }

    /** The stage handed over {@code sequence}: from now on the sender may send it, from the ring or the journal. */
    void handed(long sequence) {
        lastHanded.set(sequence);
    }

    /** The last record handed over did not fit the ring: the sender takes it from the journal. */
    void dropped() {
        dropped.incrementAndGet();
    }

    long acknowledged() {
        return acknowledged.get();
    }

    /** The standby said hello from {@code sequence}: it holds that much, and acknowledges from there. */
    void standbyStartsAt(long sequence) {
        acknowledged.set(sequence);
        wake();
    }

    /** The standby acknowledged journaling every record up to {@code sequence}. */
    void acknowledge(long sequence) {
        long current = acknowledged.get();
        while (sequence > current && !acknowledged.compareAndSet(current, sequence)) {
            current = acknowledged.get();
        }
        wake();
    }

    private void wake() {
        Thread waiting = waiter;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }

    /**
     * The {@code SYNC} wait at the end of a batch whose last record is {@code sequence}. Called from the replication
     * stage's thread only. It fails at once, rather than wait out the timeout, once the primary is fenced or closed
     * or its engine stopped (a failure elsewhere in the shard: the callers get that failure, not a degradation).
     *
     * <p>While degraded it does not wait; it watches the standby catch up in rounds instead: a round ends when the
     * standby acknowledges the last sequence the primary had when the round began. A round that took less than half
     * the timeout shows the standby keeps up, so the primary goes back to {@code SYNC} (the backlog left is about
     * what one such round gathers); a longer one starts the next round from the current batch. Requiring the
     * acknowledgement of the previous batch instead would never hold under steady load, where each batch is
     * answered before the standby's acknowledgement of the one before it arrives.
     */
    void awaitAcknowledged(long sequence) {
        if (degraded) {
            if (acknowledged.get() < roundMark) {
                return;
            }
            long now = System.nanoTime();
            if (now - roundStart >= Durations.saturatedNanos(settings.syncTimeout) / 2) {
                roundMark = sequence;
                roundStart = now;
                return;
            }
            degraded = false;
            LOG.warn("replication back to SYNC: the standby acknowledged seq {} and keeps up", acknowledged.get());
        }
        if (acknowledged.get() >= sequence) {
            return;
        }
        long timeout = Durations.saturatedNanos(settings.syncTimeout);
        long deadline = System.nanoTime() + timeout;
        waiter = Thread.currentThread();
        try {
            while (acknowledged.get() < sequence) {
                requireNotFenced(sequence);
                if (closed) {
                    throw new ReplicationException("replication was closed while seq " + sequence
                            + " waited for the standby's acknowledgement");
                }
                String engine = engineStopped;
                if (engine != null) {
                    // the shard failed elsewhere (its journal): nothing from its failed batch on is answered as done,
                    // so waiting on, and degrading a stopped engine's replication at the timeout, serves no one
                    throw new ReplicationException("the engine stopped while seq " + sequence
                            + " waited for the standby's acknowledgement: " + engine);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    timedOut(sequence);
                    return;
                }
                LockSupport.parkNanos(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(1)));
            }
        } finally {
            waiter = null;
        }
    }

    /** Fails the batch ending at {@code sequence} when this primary was fenced. */
    void requireNotFenced(long sequence) {
        String why = fenced;
        if (why != null) {
            throw new ReplicationException("seq " + sequence + " is not acknowledged: this primary is fenced: " + why);
        }
    }

    private void timedOut(long sequence) {
        String what = "the standby did not acknowledge seq " + sequence + " within "
                + Durations.saturatedMillis(settings.syncTimeout)
                + " ms (it acknowledged up to seq " + acknowledged.get() + "; "
                + (sender.connected() ? "it is connected" : "none is connected") + ")";
        if (settings.fallback == SyncFallback.WAIT) {
            String why = what + "; SYNC replication with SyncFallback.WAIT stops the engine: nothing the standby did "
                    + "not acknowledge was answered as done. Start the standby, then restart";
            stopped = why;
            throw new ReplicationException(why);
        }
        degraded = true;
        roundMark = sequence;
        roundStart = System.nanoTime();
        long count = degradations.incrementAndGet();
        LOG.warn("replication DEGRADED to ASYNC (degradation {}): {}; callers are answered after the local journal "
                + "alone until the standby catches up", count, what);
    }

    /** The settings of a primary; {@link #start()} starts it. */
    public static final class Builder {
        private final Path dir;
        private Endpoint listen = new Endpoint("0.0.0.0", DEFAULT_PORT);
        private ReplicationMode mode = ReplicationMode.ASYNC;
        private SyncFallback fallback = SyncFallback.WAIT;
        private Duration syncTimeout = Duration.ofSeconds(5);
        private Path externalDriver;
        private Path driverBase;
        private int termLength = DEFAULT_TERM_LENGTH;
        /** {@code 0}: Aeron's default. */
        private int mtu;
        private int liveBufferBytes = DEFAULT_LIVE_BUFFER_BYTES;
        private NanoClock reopenClock = SystemNanoClock.INSTANCE;
        private LongConsumer onReopen = time -> { };

        private Builder(Path dir) {
            this.dir = Objects.requireNonNull(dir, "journal directory");
        }

        /**
         * Where to listen for the standby's hello and acknowledgements, {@code HOST:PORT} (UDP; default
         * {@code 0.0.0.0:}{@value Primary#DEFAULT_PORT}, every interface). Port {@code 0} takes a free one:
         * {@link Primary#endpoint()} tells which.
         *
         * @throws IllegalArgumentException when it is not {@code HOST:PORT}
         */
        public Builder listen(String hostPort) {
            this.listen = Endpoint.parse(hostPort, "the primary's listen address");
            return this;
        }

        /** When callers are answered (default {@link ReplicationMode#ASYNC}). */
        public Builder mode(ReplicationMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** What {@code SYNC} does when the standby does not acknowledge in time (default {@link SyncFallback#WAIT}). */
        public Builder fallback(SyncFallback fallback) {
            this.fallback = Objects.requireNonNull(fallback, "fallback");
            return this;
        }

        /**
         * How long a {@code SYNC} batch waits for the standby before the {@link #fallback} applies (default 5 s); one
         * longer than a long of nanoseconds (about 292 years, {@code Duration.ofSeconds(Long.MAX_VALUE)}) is taken as
         * that, no limit in practice.
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder syncTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the SYNC timeout must be positive, was " + timeout);
            }
            this.syncTimeout = timeout;
            return this;
        }

        /**
         * Use the media driver running in {@code aeronDir} instead of starting an embedded one (the default).
         */
        public Builder externalDriver(Path aeronDir) {
            this.externalDriver = Objects.requireNonNull(aeronDir, "Aeron directory");
            return this;
        }

        /**
         * The clock the sender's reopening of the journal goes by, read once each time it considers reopening, and
         * what hears the time of each reopening: for tests of how often it reopens.
         */
        Builder reopenClock(NanoClock clock, LongConsumer onOpen) {
            this.reopenClock = Objects.requireNonNull(clock, "clock");
            this.onReopen = Objects.requireNonNull(onOpen, "onOpen");
            return this;
        }

        /** Where the embedded driver makes its directory: for tests, which remove what a killed process left. */
        Builder driverBase(Path base) {
            this.driverBase = base;
            return this;
        }

        /**
         * The term length of the publication to the standby (default 16 MiB): a power of two from 64 KiB to 1 GiB.
         * Aeron keeps three terms per publication, and its largest message is an eighth of a term, so a record
         * longer than that (2 MiB by default) cannot be replicated. The largest record a command can make is between
         * 4 and 8 MiB (a batch of 1,024 orders of 64 lines holding another such batch), which a term of 64 MiB
         * carries (docs/replication.md, "How it works").
         *
         * @throws IllegalArgumentException when not a power of two in that range
         */
        public Builder termLength(int bytes) {
            if (bytes < 64 << 10 || bytes > 1 << 30 || Integer.bitCount(bytes) != 1) {
                throw new IllegalArgumentException("the term length must be a power of two from 64 KiB to 1 GiB, was "
                        + bytes);
            }
            this.termLength = bytes;
            return this;
        }

        /**
         * The largest datagram records go to the standby in (default: the media driver's, 1,408 bytes unless its
         * {@code aeron.mtu.length} says otherwise, which fits a 1,500-byte Ethernet frame); at most an eighth of
         * the {@link #termLength}. Larger datagrams carry more records a system call: on loopback, or a network
         * whose frames take them (jumbo frames of 9,000 bytes), 8,192 cut the sender thread's CPU from about 0.39
         * to 0.26 us a record on dev-2core, though the throughput of a pair sharing two cores did not rise with it
         * (docs/replication.md). A datagram larger than the path's MTU is fragmented by IP, and the loss of one
         * fragment loses the datagram; Aeron sends it again, at a cost.
         *
         * @throws IllegalArgumentException unless a multiple of 32 from 64 to 65,504 bytes
         */
        public Builder mtu(int bytes) {
            if (bytes < 64 || bytes > 65_504 || bytes % 32 != 0) {
                throw new IllegalArgumentException("the MTU must be a multiple of 32 from 64 to 65,504 bytes, was "
                        + bytes);
            }
            this.mtu = bytes;
            return this;
        }

        /**
         * The bytes of the in-memory ring between the replication stage and the sender thread (default 8 MiB): a
         * power of two of at least 64 KiB. Records that do not fit are sent from the journal instead.
         *
         * @throws IllegalArgumentException when not a power of two of at least 64 KiB
         */
        public Builder liveBufferBytes(int bytes) {
            if (bytes < 64 << 10 || Integer.bitCount(bytes) != 1) {
                throw new IllegalArgumentException("the live buffer must be a power of two of at least 64 KiB, was "
                        + bytes);
            }
            this.liveBufferBytes = bytes;
            return this;
        }

        /**
         * Starts the transport (an embedded media driver unless {@link #externalDriver} is set) and the sender,
         * which listens for a standby at once; records flow once an engine is built with {@link #configure}.
         *
         * @throws ReplicationException     when Aeron cannot start or listen
         * @throws IllegalArgumentException when the {@link #mtu} is more than an eighth of the {@link #termLength},
         *                                  which Aeron refuses
         */
        public Primary start() {
            if (mtu > termLength / 8) {
                throw new IllegalArgumentException("the MTU (" + mtu + " bytes) may be at most an eighth of the term "
                        + "length (" + termLength + " bytes): raise termLength or lower mtu");
            }
            return new Primary(this);
        }
    }

    /** The port a primary listens on unless told otherwise. */
    public static final int DEFAULT_PORT = 40_400;
    static final int DEFAULT_TERM_LENGTH = 16 << 20;
    static final int DEFAULT_LIVE_BUFFER_BYTES = 8 << 20;
}
