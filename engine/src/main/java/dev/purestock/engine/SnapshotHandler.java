package dev.purestock.engine;

import com.lmax.disruptor.EventHandler;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.locks.LockSupport;

/**
 * Stage 2c, in parallel with the journal and wired only when the shard has a {@link SnapshotWriter}: the
 * state-application stage. It applies every decided command's events to a second copy of the shard's state
 * with {@link Inventory#evolve}, and cuts snapshots from that copy, so the decision thread never stops for
 * one: the decision stage only marks where a snapshot belongs (the sequence of the last command before a
 * {@link CommandSlot.Kind#SNAPSHOT} slot, or every {@code snapshotEvery} commands).
 *
 * <p>When the copy holds exactly the commands up to a mark, the stage hands it to its writer thread
 * ({@code purestock-shard-N-snapshot}), which calls the {@link SnapshotWriter}. While the writer reads the copy,
 * this stage keeps the events of later commands aside, in order; once the write is done, every command joins the
 * end of those kept aside until none is left, so the copy takes them in order. The stage applies what it kept
 * aside only when the ring has nothing for it ({@link IdleWork}: its barrier hands it back through
 * {@link #onTimeout}), {@value #APPLIED_PER_TURN} commands a turn, and looks at the ring again between turns: the
 * completion stage follows this one, so a command decided while a backlog lasts waits for at most one turn here,
 * never for the backlog. Keeping a command aside costs a copy of its events, much less than applying them, so the
 * stage keeps pace with the decisions and catches up when they pause.
 *
 * <p>A mark that arrives while a snapshot is being written, or while commands are kept aside, waits in order: the
 * stage applies what it kept aside up to the mark (and no further), then cuts the snapshot there, so each snapshot
 * still covers exactly the commands up to its mark, a {@link PurestockEngine#snapshot} as every periodic one. No
 * stage waits for a write. Snapshots asked for faster than they can be written and caught up with wait longer,
 * and the commands kept aside grow with them; so a periodic mark that falls due while
 * {@value #PERIODIC_WAITING} periodic ones still wait takes the place of the newest of them, which is skipped and
 * logged: periodic snapshots become less frequent, each still at a multiple of {@code snapshotEvery}, and the newest
 * that fell due is written. A {@link PurestockEngine#snapshot} is never skipped; its caller waits until it is
 * written. When the stage stops, the snapshots still waiting are written first, their backlog applied at once
 * (every answer is given by then).
 *
 * <p>What it costs: a second copy of the state (as much memory as the decision state), two threads (this
 * stage's and the writer's, which sleeps between snapshots), and the events of the commands decided while a
 * snapshot is written and caught up with (rate times the time both take), copied into an event buffer of this
 * stage's until they are applied. The buffer's room is reused by the next snapshot's commands (up to
 * {@value #RETAINED_ASIDE} events' room is kept), so in a steady state keeping commands aside allocates nothing.
 * A mark cut with commands after it still kept aside moves them to the start of a second buffer, once at least as
 * many before them were applied, and the two trade places: while snapshots are written back to back (each write
 * ends with a mark waiting) the room never empties, and would otherwise keep every command applied since.
 * The backlog shrinks in turns only while the ring leaves this stage some, that is while the copy applies events
 * faster than the shard decides them (applying is most of what deciding costs). So that the room stays bounded
 * when it does not (a shard decided as fast as it can), once more than {@value #DRAINED_ABOVE} commands are in it,
 * each command decided applies {@value #DRAINED_PER_COMMAND} of them too, until it empties: the answers then pay
 * two evolves each, and the shard slows to the pace at which the copy catches up.
 *
 * <p>If applying events to the copy fails, an {@link Error} included (an {@link OutOfMemoryError} as the copy
 * grows, or as events are kept aside), the copy can no longer be trusted: it is dropped, so that its memory goes
 * back to the heap, with the commands kept aside; the snapshots waiting fail with that cause, and so does every later
 * one until a restart. The shard goes on (its decision state, journal and read model are not the copy's, and the
 * decision stage applied the same events to its state first). The copy is not rebuilt: the only state to rebuild it
 * from is the decision stage's, which would have to stop for as long as a copy takes. Only this stage touches the
 * copy, so a failure here cannot reach an answer.
 */
final class SnapshotHandler implements EventHandler<CommandSlot>, IdleWork {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotHandler.class);
    /**
     * The events kept aside whose room stays between writes, at most (about a million; a one-line purchase's event
     * and line change take 112 bytes, so about 110 MB at most, and only as much as a write ever needed): a write
     * that outlasted that at the rate of the moment (a disk that stalled for seconds) grows the room beyond it, and
     * what is beyond is let go once applied. Each of the stage's two buffers ({@link #asideEvents} and the spare one
     * it moves a backlog into) keeps this much.
     */
    static final int RETAINED_ASIDE = (1 << 20) - 1;
    /**
     * Commands kept aside applied in one turn, when the ring has nothing for this stage: a command that arrives
     * meanwhile waits for at most this many, never for the whole backlog (the completion stage follows this one, so
     * applying a backlog of 10,000 commands at once held every answer back for milliseconds).
     */
    static final int APPLIED_PER_TURN = 8;
    /**
     * Commands in the room kept aside (applied or not) above which each command decided applies
     * {@value #DRAINED_PER_COMMAND} of them as well, on the answers' path: the bound on that room when the ring
     * seldom leaves this stage a turn (a shard decided as fast as the copy can apply), where the backlog would
     * otherwise never empty and its room grow without end. About 60 MB of one-line purchases.
     */
    static final int DRAINED_ABOVE = 1 << 19;
    /** Commands kept aside applied per command decided while more than {@link #DRAINED_ABOVE} are kept. */
    static final int DRAINED_PER_COMMAND = 2;
    /**
     * Periodic marks that may wait to be cut at once; one that falls due while this many wait takes the place of the
     * newest of them, which is skipped: snapshots asked for faster than they can be written and caught up with become
     * less frequent instead of growing the backlog without end, and the newest mark that fell due is still cut.
     */
    static final int PERIODIC_WAITING = 2;

    private final int shard;
    private final ShardHealth health;
    private final SnapshotWriter snapshotWriter;
    private final long snapshotEvery;
    private final StageThreads threads;
    private final ShardCounters.Snapshots counters;
    /** Run as each write is built: nothing, or a fault in tests. */
    private final Runnable handingOver;
    /** {@link #DRAINED_ABOVE}, or less in tests. */
    private final int drainedAbove;
    /** The copy of the state; {@code null} once dropped, after applying events to it failed ({@link #broken}). */
    private InventoryStore copy;
    /** The sequence of the last command the copy holds, and its time. */
    private long copySequence;
    private long copyTime;
    /**
     * The events of the commands decided while the writer reads the copy, or while others are kept aside, one
     * command's after another's, in sequence order; refilled by each write's commands, so that keeping them aside
     * allocates nothing once as many were kept aside before (up to {@link #RETAINED_ASIDE} events).
     */
    private EventBuffer asideEvents;
    /**
     * The room the commands not yet applied move to when a mark is cut with some applied before them
     * ({@link #letAppliedGo}); it then trades places with {@link #asideEvents}.
     */
    private EventBuffer spareAside;
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
    /** The marks not cut yet, in sequence order: each is cut once the copy holds exactly the commands up to it. */
    private final ArrayDeque<Mark> waiting = new ArrayDeque<>();
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
    /** This stage's thread, which the writer wakes when a write ends: the stage may wait in its barrier. */
    private Thread stage;

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
        this(shard, health, initial, copy, snapshotWriter, snapshotEvery, threads, counters, retainedAside,
                DRAINED_ABOVE, () -> { });
    }

    /**
     * A stage that keeps the room of {@code retainedAside} events kept aside between writes, and applies some of
     * them with each command decided while more than {@code drainedAbove} commands are in that room; for tests,
     * {@code handingOver} is run on this stage's thread as each write is built for the writer, and a throw stands
     * for memory running out there.
     */
    SnapshotHandler(int shard, ShardHealth health, ShardState initial, InventoryStore copy,
                    SnapshotWriter snapshotWriter, long snapshotEvery, StageThreads threads,
                    ShardCounters.Snapshots counters, int retainedAside, int drainedAbove, Runnable handingOver) {
        this.handingOver = handingOver;
        this.asideEvents = new EventBuffer(retainedAside);
        this.spareAside = new EventBuffer(retainedAside);
        this.drainedAbove = drainedAbove;
        this.shard = shard;
        this.counters = counters;
        this.health = health;
        this.snapshotWriter = snapshotWriter;
        this.snapshotEvery = snapshotEvery;
        this.threads = threads;
        this.copy = copy;
        this.lastSequence = initial.nextSequence() - 1;
        this.lastTime = initial.lastTime();
        this.copySequence = lastSequence;
        this.copyTime = lastTime;
    }

    /**
     * A snapshot to write: {@code store}, the copy, holds the state after {@code lastSequence}, for {@code request}
     * or periodic. The writer reads the copy through this, never through the field, which a failure may clear.
     */
    private record Write(long lastSequence, long time, SnapshotRequest request, InventoryStore store) {
    }

    /** A snapshot that belongs after {@code sequence}, for {@code request} or periodic ({@code null}). */
    private record Mark(SnapshotRequest request, long sequence) {
    }

    /**
     * Starts the writer thread. One that cannot be started (the JVM out of native threads) fails the start of the
     * stage, and so the shard, and is reported to {@code build()}, which would otherwise wait for it for ever.
     */
    @Override
    public void onStart() {
        StageThreads.begin(shard, StageRole.APPLY);
        stage = Thread.currentThread();
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

    /**
     * Whether this stage has work of its own that it can do now: commands kept aside to apply, or a mark to cut,
     * with no write under way. Its barrier then hands it a turn ({@link #onTimeout}) whenever the ring has nothing
     * for it.
     */
    @Override
    public boolean pending() {
        return !writing && (applied < aside || !waiting.isEmpty());
    }

    /**
     * One turn of work of this stage's own, the ring having nothing for it: applies up to {@value #APPLIED_PER_TURN}
     * commands kept aside, never past the next mark, and cuts that mark once the copy holds exactly the commands up
     * to it. Nothing while a write is under way.
     */
    @Override
    public void onTimeout(long ringSequence) {
        if (!writing) {
            catchUp(APPLIED_PER_TURN);
        }
    }

    /**
     * Applies up to {@code most} commands kept aside, never past the next mark, and cuts that mark once the copy
     * holds exactly the commands up to it.
     */
    private void catchUp(int most) {
        Mark next = waiting.peekFirst();
        applyKeptAside(most, next == null ? Long.MAX_VALUE : next.sequence());
        if (next != null && broken == null && copySequence == next.sequence()) {
            letAppliedGo();
            cutNext();
        }
    }

    /**
     * Moves the commands kept aside and not yet applied to the start of the spare room, which then takes the place
     * of the room, emptied: done as a mark is cut with commands after it kept aside. Without it the room would be
     * emptied only once every command in it is applied, which never happens while each write ends with a mark
     * waiting (snapshots written back to back, a write outlasting a period), and it would grow without end with the
     * commands applied long ago. It copies what is left, in one go, only once at least as many commands were applied
     * (so the room holds at most twice what is left, and each command is copied at most twice); an
     * {@link OutOfMemoryError} leaves the room as it was.
     */
    private void letAppliedGo() {
        if (applied == 0 || applied < aside - applied) {
            return; // moving costs what is left; done once as many are let go, its cost is one more copy each
        }
        int from = asideStarts[applied];
        try {
            spareAside.clear();
            asideEvents.writeTo(spareAside, from, asideEvents.size());
        } catch (Throwable e) {
            LOG.warn("shard {}: the commands kept aside after command sequence {} could not be moved to the start "
                    + "of their room, which keeps the {} applied before them", shard, copySequence, applied, e);
            return;
        }
        int left = aside - applied;
        System.arraycopy(asideTimes, applied, asideTimes, 0, left);
        System.arraycopy(asideStarts, applied, asideStarts, 0, left);
        for (int i = 0; i < left; i++) {
            asideStarts[i] -= from;
        }
        asideFirstSequence += applied;
        aside = left;
        applied = 0;
        EventBuffer emptied = asideEvents;
        asideEvents = spareAside;
        spareAside = emptied;
        emptied.clear();
    }

    private void onDecided(long sequence, long time, EventBuffer events) {
        if (writing || applied < aside || !waiting.isEmpty()) {
            keepAside(sequence, time, events); // behind the write, the ones kept aside or a mark: applied in order
            if (aside > drainedAbove && !writing) {
                catchUp(DRAINED_PER_COMMAND); // the room is bounded: this command helps to empty it
            }
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
            copySequence = sequence;
            copyTime = time;
        } catch (Throwable e) {
            fail(sequence, e);
        }
    }

    /**
     * The copy missed command {@code sequence}'s events, or holds part of them: the snapshots waiting and every later
     * one fail with {@code e}, and the copy is dropped (a write under way keeps its own reference to the copy until
     * it ends), and so are the commands kept aside and their room. The shard goes on: nothing but this stage reads
     * the copy.
     */
    private void fail(long sequence, Throwable e) {
        broken = e;
        copy = null;
        // nothing is applied to a broken copy: what was kept for it goes, with its room, back to the heap
        applied = 0;
        aside = 0;
        asideEvents = new EventBuffer();
        spareAside = new EventBuffer();
        LOG.error("shard {}: applying the events of command sequence {} to the snapshot copy failed; the shard "
                + "goes on, but its snapshots fail until it is restarted", shard, sequence, e);
        while (!waiting.isEmpty()) {
            Mark mark = waiting.removeFirst();
            fail(mark.request(), mark.sequence(), brokenCopy());
        }
    }

    private IllegalStateException brokenCopy() {
        return new IllegalStateException("shard " + shard + ": the snapshot copy stopped being updated when "
                + "applying events failed; no snapshot is written until the shard is restarted", broken);
    }

    /**
     * Keeps one command's events until the writer is done with the copy and those kept before are applied, copied
     * after them: the slot's buffer is reused once the slot is answered. Only commands decided while a snapshot is
     * being written, or while a backlog or a mark waits, pay this. Keeping them can run out of memory too: the copy
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

    /**
     * Applies up to {@code most} of the commands still kept aside, in order, none after sequence {@code until}; once
     * none is left, empties their room for the next write's. A failure drops them all ({@link #fail}).
     */
    private void applyKeptAside(int most, long until) {
        for (int done = 0; done < most && applied < aside && asideFirstSequence + applied <= until; done++) {
            int index = applied;
            int end = index + 1 < aside ? asideStarts[index + 1] : asideEvents.size();
            long sequence = asideFirstSequence + index;
            if (!applyRange(sequence, asideTimes[index], asideStarts[index], end)) {
                return;
            }
            applied = index + 1;
            copySequence = sequence;
            copyTime = asideTimes[index];
        }
        if (aside > 0 && applied == aside) {
            applied = 0;
            aside = 0;
            asideEvents.clear();
        }
    }

    /** Commands kept aside and not yet applied to the copy. */
    int keptAside() {
        return aside - applied;
    }

    /** Commands in the room kept aside, applied or not. */
    int roomKeptAside() {
        return aside;
    }

    /** Marks not cut yet. */
    int snapshotsWaiting() {
        return waiting.size();
    }

    /**
     * Applies one command's events kept aside; whether it could. A failure marks the copy broken, as {@link #apply}
     * does.
     */
    private boolean applyRange(long sequence, long time, int from, int to) {
        if (broken != null) {
            return false;
        }
        try {
            Inventory.evolveRange(copy, time, asideEvents, from, to);
            return true;
        } catch (Throwable e) {
            fail(sequence, e);
            return false;
        }
    }

    /**
     * A snapshot belongs after {@code markedSequence}: cut at once when the copy holds exactly the commands up to it
     * and no write is under way, or else left to wait in order, behind the write and the commands kept aside before
     * it. A periodic one that finds {@value #PERIODIC_WAITING} periodic ones waiting takes the place of the newest.
     */
    private void mark(SnapshotRequest request, long markedSequence) {
        if (markedSequence != lastSequence) {
            fail(request, markedSequence, new IllegalStateException("shard " + shard
                    + ": the snapshot stage is at sequence " + lastSequence + " but the snapshot was marked after "
                    + markedSequence + "; no snapshot was written (an engine defect)"));
            return;
        }
        if (broken != null) {
            fail(request, markedSequence, brokenCopy());
            return;
        }
        if (lastSequence < 0 && request != null) {
            request.written(lastSequence); // no command yet: nothing to cut, and no snapshot "before seq 0" is kept
            return;
        }
        if (!writing && applied == aside && waiting.isEmpty()) {
            cut(request, markedSequence); // the copy holds every command decided: none came after the mark
            return;
        }
        if (request == null && periodicWaiting() == PERIODIC_WAITING) {
            Mark skipped = newestPeriodic();
            waiting.removeLastOccurrence(skipped);
            counters.skipped.increment();
            LOG.warn("shard {}: the periodic snapshot after command sequence {} is skipped for the one after {}: "
                    + "snapshots are written and caught up with more slowly than every {} commands", shard,
                    skipped.sequence(), markedSequence, snapshotEvery);
        }
        waiting.addLast(new Mark(request, markedSequence));
    }

    /** How many of the marks waiting are periodic: {@value #PERIODIC_WAITING} at most, so counted as one falls due. */
    private int periodicWaiting() {
        int periodic = 0;
        for (Mark mark : waiting) {
            if (mark.request() == null) {
                periodic++;
            }
        }
        return periodic;
    }

    /** The periodic mark that waits behind every other one waiting. */
    private Mark newestPeriodic() {
        Iterator<Mark> newestFirst = waiting.descendingIterator();
        while (true) {
            Mark mark = newestFirst.next();
            if (mark.request() == null) {
                return mark;
            }
        }
    }

    /**
     * Cuts the first mark waiting, which the copy has reached. The mark leaves the queue only once its write is
     * handed to the writer or its request failed ({@link #cut}): a mark let go first, with the cut failing after,
     * would leave its caller without an answer.
     */
    private void cutNext() {
        Mark next = waiting.peekFirst();
        cut(next.request(), next.sequence());
        waiting.removeFirst();
    }

    /**
     * Hands the copy, at {@link #copySequence}, to the writer thread, for {@code request} or periodic, marked after
     * {@code markedSequence}. The write is built before it is marked under way, so that a failure building it (an
     * {@link OutOfMemoryError}) leaves nothing marked that no writer will end; that failure fails this snapshot
     * alone, as a failing write would: the copy is whole, and the stage goes on.
     */
    private void cut(SnapshotRequest request, long markedSequence) {
        Write write;
        try {
            handingOver.run();
            write = new Write(copySequence, copyTime, request, copy);
        } catch (Throwable e) {
            fail(request, markedSequence, e);
            return;
        }
        synchronized (lock) {
            writing = true;
            pending = write;
            lock.notifyAll();
        }
    }

    private void fail(SnapshotRequest request, long markedSequence, Throwable cause) {
        counters.failed.incrementAndGet();
        if (request != null) {
            request.failedToWrite(cause);
        } else {
            LOG.error("shard {}: the periodic snapshot after command sequence {} was not written; the shard goes on",
                    shard, markedSequence, cause);
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
                LockSupport.unpark(stage); // the stage may wait in its barrier with a backlog or a mark to see to
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

    /**
     * Writes the snapshots still waiting, one after another, each once the commands kept aside up to it are applied
     * (all at once: every answer was given by now, or was given up by a close that ran out of time), then ends the
     * writer thread.
     */
    @Override
    public void onShutdown() {
        while (!waiting.isEmpty()) {
            awaitWriter();
            applyKeptAside(Integer.MAX_VALUE, waiting.peekFirst().sequence());
            if (broken == null) { // a failure failed every mark waiting
                cutNext();
            }
        }
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
