package dev.purestock.replication;

import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.SnapshotStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Cuts a standby's snapshots, so that a promoted standby (and a restarted one) recovers from its newest snapshot and
 * replays only the journal after it, instead of the whole journal. It runs on a thread of its own,
 * {@code purestock-standby-snapshot}, and never touches the receiver's state: it keeps a copy of its own, taken when
 * the standby started, and brings it forward by reading the standby's journal (what the receiver has journaled,
 * never more), applying each record's events with the domain's {@code evolve}; every {@code every} records it
 * writes that copy as a snapshot. The receiver never waits for it: a snapshot that takes long only makes the next
 * one later.
 *
 * <p>A failure (a snapshot that cannot be written, a record that does not apply to the copy) is logged and stops
 * the snapshots until the standby restarts; receiving goes on, and recovery falls back on the older snapshots and
 * the journal.
 */
final class StandbySnapshots implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StandbySnapshots.class);
    /** How often the thread looks whether the receiver journaled another {@code every} records. */
    private static final long LOOK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Path dir;
    private final long every;
    private final SnapshotStore snapshots;
    private final LongSupplier journaled;
    private final InventoryStore copy;
    private final Thread thread;
    private long applied;
    private long time;
    /** The sequence of the last snapshot cut, or the copy's first: where the next {@code every} counts from. */
    private long base;
    private volatile long lastCut;
    private volatile String failure;
    private volatile boolean stopped;

    private StandbySnapshots(Path dir, long every, int keep, InventoryStore copy, long applied, long recoveredFrom,
                             LongSupplier journaled) {
        this.dir = dir;
        this.every = every;
        this.snapshots = new SnapshotStore(dir, keep);
        this.journaled = journaled;
        this.copy = copy;
        this.applied = applied;
        this.base = applied;
        this.lastCut = recoveredFrom;
        this.thread = new Thread(this::run, "purestock-standby-snapshot");
        this.thread.setDaemon(true);
    }

    /**
     * Starts cutting a snapshot of the journal in {@code dir} every {@code every} records, keeping the newest
     * {@code keep}, from {@code copy}: a state of its own (not the receiver's) as of sequence {@code applied},
     * recovered from the snapshot at {@code recoveredFrom} ({@code -1}: none). {@code journaled} says the last
     * sequence the receiver has journaled.
     */
    static StandbySnapshots start(Path dir, long every, int keep, InventoryStore copy, long applied,
                                  long recoveredFrom, LongSupplier journaled) {
        StandbySnapshots started = new StandbySnapshots(dir, every, keep, copy, applied, recoveredFrom, journaled);
        started.thread.start();
        return started;
    }

    /** The sequence of the newest snapshot: the last one cut, or the one the state was recovered from ({@code -1}). */
    long lastCut() {
        return lastCut;
    }

    /** Why snapshots stopped until the standby restarts, or {@code null} while they go on. */
    String failure() {
        return failure;
    }

    private synchronized void cut(long sequence) {
        base = sequence;
        lastCut = sequence;
        notifyAll();
    }

    /**
     * Waits until a snapshot at {@code sequence} or later is written; for tests.
     *
     * @return whether one was within {@code timeoutNanos}
     */
    synchronized boolean awaitSnapshot(long sequence, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (lastCut < sequence) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !thread.isAlive()) {
                return lastCut >= sequence;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    private void run() {
        try {
            while (!stopped) {
                long held = journaled.getAsLong();
                if (held - applied >= every) {
                    catchUp(held);
                }
                if (applied - base >= every && !stopped) {
                    snapshots.writeSnapshot(applied, time, copy);
                    cut(applied);
                } else {
                    LockSupport.parkNanos(this, LOOK_NANOS);
                }
            }
        } catch (Exception | Error e) {
            failure = e.toString();
            if (e instanceof VirtualMachineError fatal) {
                throw fatal;
            }
            LOG.error("the standby's snapshots of {} stop until it restarts (receiving goes on; recovery uses the "
                    + "older snapshots and the journal)", dir, e);
        } finally {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /**
     * Applies the journal's records after {@link #applied}, up to {@code held}, to the copy; as far as the journal
     * goes, which is short of {@code held} only just after a cut, before the receiver counts from the cut.
     */
    private void catchUp(long held) {
        try (JournalReader reader = JournalReader.open(dir)) {
            if (!reader.seek(applied + 1)) {
                return;
            }
            reader.readEvents((sequence, recordTime, events) -> {
                Inventory.evolveAll(copy, recordTime, events);
                applied = sequence;
                time = recordTime;
                return sequence < held && !stopped;
            });
        }
    }

    /** Stops cutting snapshots and waits for the thread, a snapshot being written included. */
    @Override
    public void close() {
        stopped = true;
        LockSupport.unpark(thread);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
