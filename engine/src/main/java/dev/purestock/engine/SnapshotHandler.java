package dev.purestock.engine;

import com.lmax.disruptor.EventHandler;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;

/**
 * Stage 2c, in parallel with the journal and wired only when the shard has a {@link SnapshotWriter}: the
 * state-application stage. It applies every decided command's events to a second copy of the shard's state
 * with {@link Inventory#evolve}, and cuts snapshots from that copy, so the decision thread never stops for
 * one: the decision stage only marks where a snapshot belongs (the sequence of the last command before a
 * {@link CommandSlot.Kind#SNAPSHOT} slot, or every {@code snapshotEvery} commands).
 *
 * <p>At a mark the copy holds exactly the commands up to the marked sequence. The stage hands it to its
 * writer thread ({@code purestock-shard-N-snapshot}), which calls the {@link SnapshotWriter}; while the
 * writer reads the copy, this stage keeps the events of later commands aside, in order. Once the write is done it
 * applies them {@value #DRAINED_PER_COMMAND} for each command decided (which joins the end of those kept aside),
 * so that no answer waits for the whole backlog: the completion stage follows this one. A mark applies what is
 * left at once. So neither the decision stage nor the completion stage waits for a snapshot. Only a
 * mark that arrives while the previous snapshot is still being written waits for it (one write at a time):
 * snapshots asked for faster than they can be written hold this stage back, and with it the answers.
 *
 * <p>What it costs: a second copy of the state (as much memory as the decision state), two threads (this
 * stage's and the writer's, which sleeps between snapshots), and the events of the commands decided while a
 * snapshot is written (rate times write time), copied into an event buffer of this stage's until they are applied.
 * The buffer's room is reused by the next snapshot's commands (up to {@value #RETAINED_ASIDE} events' room is
 * kept), so in a steady state keeping commands aside allocates nothing.
 *
 * <p>If applying events to the copy fails, an {@link Error} included (an {@link OutOfMemoryError} as the copy
 * grows, or as events are kept aside), the copy can no longer be trusted: it is dropped, so that its memory goes
 * back to the heap, the shard goes on (its decision state, journal and read model are not the copy's, and the
 * decision stage applied the same events to its state first), and every later snapshot fails with that cause until
 * a restart. The copy is not rebuilt: the only state to rebuild it from is the decision stage's, which would have to
 * stop for as long as a copy takes. Only this stage touches the copy, so a failure here cannot reach an answer.
 */
final class SnapshotHandler implements EventHandler<CommandSlot> {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotHandler.class);
    /**
     * The events kept aside whose room stays between writes, at most (about a million; a one-line purchase's event
     * and line change take 112 bytes, so about 110 MB at most, and only as much as a write ever needed): a write
     * that outlasted that at the rate of the moment (a disk that stalled for seconds) grows the room beyond it, and
     * what is beyond is let go once applied.
     */
    static final int RETAINED_ASIDE = (1 << 20) - 1;
    /**
     * Commands kept aside applied per command decided once a write is done: the backlog is applied a few at a time
     * (the next commands join its end meanwhile), so that no one command waits for all of it. The completion stage
     * follows this one, so applying a backlog of 10,000 commands at once held every answer back for milliseconds.
     */
    static final int DRAINED_PER_COMMAND = 8;

    private final int shard;
    private final ShardHealth health;
    private final SnapshotWriter snapshotWriter;
    private final long snapshotEvery;
    private final StageThreads threads;
    private final ShardCounters.Snapshots counters;
    /** The copy of the state; {@code null} once dropped, after applying events to it failed ({@link #broken}). */
    private InventoryStore copy;
    /**
     * The events of the commands decided while the writer reads the copy, one command's after another's, in
     * sequence order; refilled by each write's commands, so that keeping them aside allocates nothing once as many
     * were kept aside before (up to {@link #RETAINED_ASIDE} events).
     */
    private EventBuffer asideEvents;
    /** Where each command kept aside starts in {@link #asideEvents}, by command. */
    private int[] asideStarts = new int[64];
    /** The decision time of each command kept aside, by command. */
    private long[] asideTimes = new long[64];
    /** The sequence of the first command kept aside; a shard's sequences follow on, so the i-th one's is this + i. */
    private long asideFirstSequence;
    /** Commands kept aside. */
    private int aside;
    /** Commands kept aside that are applied to the copy: the first {@code applied} of them. */
    private int applied;
    private final Object lock = new Object();
    /** Whether the writer thread owns the copy; only this stage sets it, only the writer clears it. */
    private volatile boolean writing;
    /** The write handed to the writer thread; guarded by {@link #lock}. */
    private Write pending;
    /** Whether the writer thread should end; guarded by {@link #lock}. */
    private boolean stopping;
    private long lastSequence;
    private long lastTime;
    private Throwable broken;
    private Thread writer;

    /** {@code copy} is this stage's own copy of {@code initial}'s store ({@link #copyOf}). */
    SnapshotHandler(int shard, ShardHealth health, ShardState initial, InventoryStore copy,
                    SnapshotWriter snapshotWriter, long snapshotEvery, StageThreads threads,
                    ShardCounters.Snapshots counters) {
        this(shard, health, initial, copy, snapshotWriter, snapshotEvery, threads, counters, RETAINED_ASIDE);
    }

    /** A stage that keeps the room of {@code retainedAside} events kept aside between writes. */
    SnapshotHandler(int shard, ShardHealth health, ShardState initial, InventoryStore copy,
                    SnapshotWriter snapshotWriter, long snapshotEvery, StageThreads threads,
                    ShardCounters.Snapshots counters, int retainedAside) {
        this.asideEvents = new EventBuffer(retainedAside);
        this.shard = shard;
        this.counters = counters;
        this.health = health;
        this.snapshotWriter = snapshotWriter;
        this.snapshotEvery = snapshotEvery;
        this.threads = threads;
        this.copy = copy;
        this.lastSequence = initial.nextSequence() - 1;
        this.lastTime = initial.lastTime();
    }

    /**
     * A snapshot to write: {@code store}, the copy, holds the state after {@code lastSequence}, for {@code request}
     * or periodic. The writer reads the copy through this, never through the field, which a failure may clear.
     */
    private record Write(long lastSequence, long time, SnapshotRequest request, InventoryStore store) {
    }

    /**
     * Starts the writer thread. One that cannot be started (the JVM out of native threads) fails the start of the
     * stage, and so the shard, and is reported to {@code build()}, which would otherwise wait for it for ever.
     */
    @Override
    public void onStart() {
        StageThreads.begin(shard, StageRole.APPLY);
        try {
            writer = threads.newThread(this::writeSnapshots);
            writer.setName(StageRole.SNAPSHOT.threadName(shard));
            writer.start();
        } catch (RuntimeException | Error e) {
            threads.notStarted(StageRole.SNAPSHOT.threadName(shard), e);
            throw e;
        }
    }

    @Override
    public void onEvent(CommandSlot slot, long ringSequence, boolean endOfBatch) {
        if (health.failedAtOrBefore(ringSequence)) {
            return;
        }
        CommandSlot.Decision decision = slot.decision;
        switch (slot.request.kind) {
            case COMMAND -> {
                if (decision.sequenced) {
                    onDecided(decision.sequence, decision.time, decision.events);
                }
            }
            case SNAPSHOT -> mark((SnapshotRequest) slot.request.control, decision.controlResult);
            case DIGEST, BARRIER -> {
            }
        }
    }

    private void onDecided(long sequence, long time, EventBuffer events) {
        if (writing) {
            keepAside(sequence, time, events);
        } else if (applied < aside) {
            keepAside(sequence, time, events); // behind the ones still kept aside, to be applied in order
            applyKeptAside(DRAINED_PER_COMMAND);
        } else {
            apply(sequence, time, events);
        }
        lastSequence = sequence;
        lastTime = time;
        if (snapshotEvery > 0 && (sequence + 1) % snapshotEvery == 0) {
            mark(null, sequence);
        }
    }

    /**
     * Applies one command's events to the copy, from the slot's buffer. A failure, an {@link Error} included, marks
     * the copy broken ({@link #fail}).
     */
    private void apply(long sequence, long time, EventBuffer events) {
        if (broken != null) {
            return;
        }
        try {
            Inventory.evolveAll(copy, time, events);
        } catch (Throwable e) {
            fail(sequence, e);
        }
    }

    /**
     * The copy missed command {@code sequence}'s events, or holds part of them: later snapshots fail with {@code e},
     * and the copy is dropped (a write under way keeps its own reference to the copy until it ends), and so are the
     * commands kept aside and their room, once no write holds this stage back. The shard goes on: nothing but this
     * stage reads the copy.
     */
    private void fail(long sequence, Throwable e) {
        broken = e;
        copy = null;
        LOG.error("shard {}: applying the events of command sequence {} to the snapshot copy failed; the shard "
                + "goes on, but its snapshots fail until it is restarted", shard, sequence, e);
    }

    /**
     * Keeps one command's events until the writer is done with the copy and those kept before are applied, copied
     * after them: the slot's buffer is reused once the slot is answered. Only commands decided while a snapshot is
     * being written, or while its backlog is applied, pay this. Keeping them can run out of memory too: the copy
     * then misses them, and is broken ({@link #fail}).
     */
    private void keepAside(long sequence, long time, EventBuffer events) {
        if (broken != null) {
            return;
        }
        try {
            if (aside == asideTimes.length) {
                asideTimes = Arrays.copyOf(asideTimes, aside * 2);
                asideStarts = Arrays.copyOf(asideStarts, aside * 2);
            }
            if (aside == 0) {
                asideFirstSequence = sequence;
            }
            asideStarts[aside] = asideEvents.size();
            asideTimes[aside] = time;
            events.writeTo(asideEvents);
            aside++;
        } catch (Throwable e) {
            fail(sequence, e);
        }
    }

    /** Applies every command still kept aside, in order, and empties their room for the next write's. */
    private void applyKeptAside() {
        applyKeptAside(Integer.MAX_VALUE);
    }

    /**
     * Applies up to {@code most} of the commands still kept aside, in order; once none is left, empties their room
     * for the next write's. With the copy broken, applies none and lets them and their room go.
     */
    private void applyKeptAside(int most) {
        int until = (int) Math.min(aside, (long) applied + most);
        for (; applied < until && broken == null; applied++) {
            int end = applied + 1 < aside ? asideStarts[applied + 1] : asideEvents.size();
            applyRange(asideFirstSequence + applied, asideTimes[applied], asideStarts[applied], end);
        }
        if (broken != null) {
            // nothing is applied to a broken copy: what was kept for it goes, with its room, back to the heap
            applied = 0;
            aside = 0;
            asideEvents = new EventBuffer();
        } else if (applied == aside) {
            applied = 0;
            aside = 0;
            asideEvents.clear();
        }
    }

    /** Commands kept aside and not yet applied to the copy. */
    int keptAside() {
        return aside - applied;
    }

    /** Applies one command's events kept aside. A failure marks the copy broken, as {@link #apply} does. */
    private void applyRange(long sequence, long time, int from, int to) {
        if (broken != null) {
            return;
        }
        try {
            Inventory.evolveRange(copy, time, asideEvents, from, to);
        } catch (Throwable e) {
            fail(sequence, e);
        }
    }

    /**
     * A snapshot belongs after {@code markedSequence}: waits for a write still in progress, brings the copy
     * up to the mark and hands it to the writer thread.
     */
    private void mark(SnapshotRequest request, long markedSequence) {
        awaitWriter();
        applyKeptAside();
        if (markedSequence != lastSequence) {
            fail(request, new IllegalStateException("shard " + shard + ": the snapshot copy is at sequence "
                    + lastSequence + " but the snapshot was marked after " + markedSequence + "; no snapshot "
                    + "was written (an engine defect)"));
            return;
        }
        if (broken != null) {
            fail(request, new IllegalStateException("shard " + shard + ": the snapshot copy stopped being updated "
                    + "when applying events failed; no snapshot is written until the shard is restarted", broken));
            return;
        }
        if (lastSequence < 0 && request != null) {
            request.written(lastSequence); // no command yet: nothing to cut, and no snapshot "before seq 0" is kept
            return;
        }
        // built before a write is marked under way: an Error here leaves nothing marked that no writer will end
        Write write = new Write(lastSequence, lastTime, request, copy);
        synchronized (lock) {
            writing = true;
            pending = write;
            lock.notifyAll();
        }
    }

    private void fail(SnapshotRequest request, Exception cause) {
        counters.failed.incrementAndGet();
        if (request != null) {
            request.failedToWrite(cause);
        } else {
            LOG.error("shard {}: the periodic snapshot after command sequence {} was not written; the shard goes on",
                    shard, lastSequence, cause);
        }
    }

    /** Waits for a write in progress to end; returns at once when none is. */
    void awaitWriter() {
        if (!writing) {
            return;
        }
        boolean interrupted = false;
        synchronized (lock) {
            while (writing) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The writer thread: writes each handed-over snapshot, until the stage shuts down. */
    private void writeSnapshots() {
        StageThreads.begin(shard, StageRole.SNAPSHOT);
        while (true) {
            Write write;
            synchronized (lock) {
                while (pending == null && !stopping) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        // only shutdown ends the writer; an interrupt alone does not
                    }
                }
                if (pending == null) {
                    return;
                }
                write = pending;
                pending = null;
            }
            try {
                write(write);
            } finally {
                synchronized (lock) {
                    writing = false;
                    lock.notifyAll();
                }
            }
        }
    }

    private void write(Write write) {
        try {
            long start = System.nanoTime();
            snapshotWriter.write(write.lastSequence(), write.time(), write.store());
            counters.duration.record(System.nanoTime() - start);
            counters.written.increment();
            if (write.request() != null) {
                write.request().written(write.lastSequence());
            }
        } catch (Exception e) {
            counters.failed.incrementAndGet();
            if (write.request() != null) {
                write.request().failedToWrite(e);
            } else {
                LOG.error("shard {}: the snapshot after command sequence {} could not be written; the shard goes on",
                        shard, write.lastSequence(), e);
            }
        } catch (Throwable e) {
            // an Error too (an OutOfMemoryError from a large write): the writer only read the copy, so the stage
            // goes on; a writer thread that died instead would leave every later mark waiting for it for ever
            counters.failed.incrementAndGet();
            if (write.request() != null) {
                write.request().failedToWrite(e);
            }
            LOG.error("shard {}: writing the snapshot after command sequence {} failed; the shard goes on",
                    shard, write.lastSequence(), e);
        }
    }

    /** Lets a write in progress finish, then ends the writer thread. */
    @Override
    public void onShutdown() {
        awaitWriter();
        synchronized (lock) {
            stopping = true;
            lock.notifyAll();
        }
    }

    /**
     * A copy of {@code source} in a store of the engine's own, through the store port only, the way a snapshot
     * is loaded: the due index follows from the reservations, and the order of last changes is copied in its
     * order.
     */
    static InventoryStore copyOf(InventoryStore source, StoreCapacity capacity) {
        return source.copyInto(new PrimitiveInventoryStore(capacity));
    }
}
