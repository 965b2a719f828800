package dev.purestock.engine;

import com.lmax.disruptor.EventHandler;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.StateDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
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
 * <p>Digests ({@link PurestockEngine#digest}, {@link PurestockEngine#digestWithSequence}) are taken from the copy
 * the same way, so that the decision stage does not walk the whole state: it marks a {@link CommandSlot.Kind#DIGEST}
 * slot's sequence, and the mark waits in order with the snapshots' (never skipped); once the copy holds exactly the
 * commands up to it, the writer thread walks the copy ({@link StateDigest#of}) instead of writing it, and this stage
 * keeps the commands decided meanwhile aside, as during a write. The copy holds everything the digest covers
 * (products, positions, customer counts, orders, movements, held commands and the order of last changes, copied in
 * its order and then changed by the same events), so its digest at a mark is the decision state's there. A digest
 * counts as no snapshot in the metrics. Once the copy is dropped (below), the decision stage takes the digests
 * itself ({@link CommandSlot.Decision#digestTaken}); a digest it marked before it could see the copy dropped fails,
 * saying to ask again.
 *
 * <p>What it costs: a second copy of the state (as much memory as the decision state), two threads (this
 * stage's and the writer's, which sleeps between snapshots), and the events of the commands decided while a
 * snapshot is written and caught up with (rate times the time both take), copied into the room kept aside until
 * they are applied. That room is a queue of segments of up to {@value #SEGMENT} commands each: commands join the
 * last, and each segment goes back to a few kept spare as soon as all its commands are applied (up to
 * {@value #RETAINED_ASIDE} commands' room is kept), so in a steady state keeping commands aside allocates nothing,
 * the room holds what is not applied yet and less than a segment more, even while snapshots are written back to
 * back (each write ending with a mark waiting, so the room never empties), and no command kept aside is ever moved:
 * neither a turn nor a cut does work that grows with the backlog.
 * The backlog shrinks in turns only while the ring leaves this stage some, that is while the copy applies events
 * faster than the shard decides them (applying is most of what deciding costs). So that the room stays bounded
 * when it does not (a shard decided as fast as it can), once more than {@value #DRAINED_ABOVE} commands are in it,
 * each command decided applies {@value #DRAINED_PER_COMMAND} of them too, until it empties: the answers then pay
 * two evolves each, and the shard slows to the pace at which the copy catches up (from half the backlog limit, when
 * that is lower).
 *
 * <p>A write in flight applies nothing, so while it lasts nothing else bounds the room: a write that never ends (a
 * disk or a mount that hangs) would let it grow at the intake rate until the heap runs out, on any thread of the JVM,
 * the decision stage's included. So the stage keeps at most a backlog limit of commands aside
 * ({@link PurestockEngine.Builder#snapshotBacklogLimit}, {@value #BACKLOG_LIMIT} by default), a comparison per
 * command kept: the one that would be one more makes it give its copy up, as a copy that broke (below), logged once.
 * The write in flight may still end: it holds its own reference to the copy, which nothing changed while it was
 * written, so its snapshot holds exactly the commands up to its mark, and its end re-arms nothing.
 *
 * <p>A snapshot whose mark cannot be kept, or whose write cannot be built for the writer (memory running out),
 * fails alone, as one the writer fails to write does: its caller is answered with the failure, the copy is whole,
 * and later snapshots go on. The writer thread outlives every failure of a write, one whose logging fails in turn
 * included: a writer gone would leave every later snapshot, and the stage's stop, waiting for it for ever.
 *
 * <p>If applying events to the copy fails, an {@link Error} included (an {@link OutOfMemoryError} as the copy
 * grows, or as events are kept aside), or the backlog limit is reached, the copy can no longer be trusted, or kept
 * up to date: it is dropped, so that its memory goes
 * back to the heap, with the commands kept aside; the snapshots waiting fail with that cause, and so does every later
 * one until a restart, which the shard's metrics say at once ({@link ShardMetrics#snapshotsUnavailable()}). The
 * shard goes on (its decision state, journal and read model are not the copy's, and the
 * decision stage applied the same events to its state first). The copy is not rebuilt: the only state to rebuild it
 * from is the decision stage's, which would have to stop for as long as a copy takes. Only this stage touches the
 * copy, so a failure here cannot reach an answer.
 */
final class SnapshotHandler implements EventHandler<CommandSlot>, IdleWork {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotHandler.class);
    /**
     * The commands kept aside whose room stays between writes, at most (about a million; a one-line purchase's event
     * and line change take 112 bytes, and where it starts and its time 12 more, so about 130 MB at most, up to twice
     * that with commands of several events, and only as much as a write ever needed): a write that outlasted that at
     * the rate of the moment (a disk that stalled for seconds) grows the room beyond it, and what is beyond is let go
     * once applied. Kept as whole {@linkplain #SEGMENT segments}.
     */
    static final int RETAINED_ASIDE = (1 << 20) - 1;
    /**
     * The commands, and the events and the line changes, a segment of the room kept aside holds at most: the room is
     * taken and let go a segment at a time, so letting go of the commands applied never moves one still kept aside,
     * and costs the same whatever the backlog. 4,095 one-event, one-line commands (most commands) fill an
     * {@link EventBuffer}'s first twelve chunks exactly.
     */
    static final int SEGMENT = (1 << 12) - 1;
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
    /**
     * The commands kept aside and not yet applied, at most, by default
     * ({@link PurestockEngine.Builder#snapshotBacklogLimit}): four times the room kept between writes, some 520 MB
     * of one-line purchases (up to twice that with commands of several events), a write that stalls for about four
     * seconds at a million commands a second. Only writes in flight let the backlog grow: between them each command
     * decided applies more than it keeps once the drain starts, but a drain stops at the next waiting mark, whose write
     * starts at once, so with writes back to back the backlog carries over from one to the next (up to a write's
     * intake and the waiting marks' periods). In a heap where every shard's room would not fit in
     * half of it, the builder lowers the default to what does ({@link HeapEstimate#backlogLimitFitting}).
     */
    static final int BACKLOG_LIMIT = 4 * (RETAINED_ASIDE + 1);

    private final int shard;
    private final ShardHealth health;
    private final SnapshotWriter snapshotWriter;
    private final long snapshotEvery;
    private final StageThreads threads;
    private final ShardCounters.Snapshots counters;
    /** Run as a mark or a write is built: nothing, or a fault in tests. */
    private final Runnable building;
    /** {@link #DRAINED_ABOVE}, or less in tests. */
    private final int drainedAbove;
    /**
     * The commands kept aside and not yet applied, at most: the next one gives the copy up ({@link #giveUp}), so that
     * a write that never ends (a hung disk) cannot fill the heap.
     */
    private final int backlogLimit;
    /** The copy of the state; {@code null} once dropped, after applying events to it failed ({@link #broken}). */
    private InventoryStore copy;
    /** The sequence of the last command the copy holds, and its time. */
    private long copySequence;
    private long copyTime;
    /**
     * The room kept aside: the commands decided while the writer reads the copy, or while others are kept aside, in
     * sequence order, a segment after another; the first segment's first {@link #applied} commands are applied.
     * A segment goes back to {@link #spareSegments} once each of its commands is applied.
     */
    private final ArrayDeque<Segment> room = new ArrayDeque<>();
    /**
     * Emptied segments, reused as the room grows again, so that keeping commands aside allocates nothing once as
     * many were kept aside before; {@link #retainedSegments} at most, room for which it holds from the start, so
     * that letting go of a segment never allocates.
     */
    private final ArrayDeque<Segment> spareSegments;
    /** The segments {@link #spareSegments} keeps at most: {@code retainedAside} commands' worth. */
    private final int retainedSegments;
    /**
     * The sequence of the first command in the room; a shard's sequences follow on, so the i-th one's is this + i.
     */
    private long asideFirstSequence;
    /** Commands in the room, applied or not. */
    private int aside;
    /** Commands of the room's first segment applied to the copy: its first {@code applied}. */
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

    /**
     * {@code copy} is this stage's own copy of {@code initial}'s store ({@link #copyOf}); at most
     * {@code backlogLimit} commands are kept aside. Each command decided applies some kept aside once half that many
     * are (or {@link #DRAINED_ABOVE}, if fewer), so that only writes in flight let the backlog grow.
     */
    SnapshotHandler(int shard, ShardHealth health, ShardState initial, InventoryStore copy,
                    SnapshotWriter snapshotWriter, long snapshotEvery, StageThreads threads,
                    ShardCounters.Snapshots counters, int backlogLimit) {
        this(shard, health, initial, copy, snapshotWriter, snapshotEvery, threads, counters, RETAINED_ASIDE,
                Math.min(DRAINED_ABOVE, backlogLimit / 2), backlogLimit, () -> { });
    }

    /**
     * A stage that keeps the room of {@code retainedAside} commands kept aside between writes, and applies some of
     * them with each command decided while more than {@code drainedAbove} commands are in that room, and gives its
     * copy up rather than keep more than {@code backlogLimit} aside; for tests, {@code building} is run on this
     * stage's thread as it builds what a snapshot needs (a mark that waits, a write for the writer), and a throw
     * stands for memory running out there.
     */
    SnapshotHandler(int shard, ShardHealth health, ShardState initial, InventoryStore copy,
                    SnapshotWriter snapshotWriter, long snapshotEvery, StageThreads threads,
                    ShardCounters.Snapshots counters, int retainedAside, int drainedAbove, int backlogLimit,
                    Runnable building) {
        this.building = building;
        this.backlogLimit = backlogLimit;
        this.retainedSegments = Math.max(1, Math.ceilDiv(retainedAside, SEGMENT));
        this.spareSegments = new ArrayDeque<>(retainedSegments);
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
     * A snapshot to write, or a digest to take: {@code store}, the copy, holds the state after {@code lastSequence},
     * for {@code request}, for {@code digest}, or periodic (neither). The writer reads the copy through this, never
     * through the field, which a failure may clear.
     */
    private record Write(long lastSequence, long time, SnapshotRequest request, DigestRequest digest,
                         InventoryStore store) {
    }

    /**
     * A snapshot, or a digest, that belongs after {@code sequence}: for {@code request}, for {@code digest}, or a
     * periodic snapshot (neither).
     */
    private record Mark(SnapshotRequest request, DigestRequest digest, long sequence) {
        boolean periodic() {
            return request == null && digest == null;
        }
    }

    /**
     * A stretch of the room kept aside: the events of up to {@value #SEGMENT} commands, one command's after
     * another's, with where each starts and its decision time.
     */
    private static final class Segment {
        /**
         * Keeps across {@link EventBuffer#clear()} the chunks of twice {@value #SEGMENT} events and line changes: a
         * command of several events that starts just below the bound ({@link #full}) fills chunks past it, which
         * are then reused instead of allocated again each time (a chunk is allocated only once written).
         */
        final EventBuffer events = new EventBuffer(2 * SEGMENT + 1);
        final int[] starts = new int[SEGMENT];
        final long[] times = new long[SEGMENT];
        int count;

        /** Whether another command goes to a segment after this one. */
        boolean full() {
            return count == SEGMENT || events.size() >= SEGMENT || events.lineCount() >= SEGMENT;
        }
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
            case SNAPSHOT -> mark((SnapshotRequest) slot.request.control, null, decision.controlResult);
            case DIGEST -> {
                if (!decision.digestTaken) {
                    mark(null, (DigestRequest) slot.request.control, decision.controlResult);
                }
            }
            case BARRIER -> {
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
     * holds exactly the commands up to it. The work is bounded by {@code most} whatever the backlog: applying lets
     * go of each segment it empties, and a cut hands over the copy alone.
     */
    private void catchUp(int most) {
        Mark next = waiting.peekFirst();
        applyKeptAside(most, next == null ? Long.MAX_VALUE : next.sequence());
        if (next != null && broken == null && copySequence == next.sequence()) {
            cutNext();
        }
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
            mark(null, null, sequence);
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
        LOG.error("shard {}: applying the events of command sequence {} to the snapshot copy failed; the shard "
                + "goes on, but its snapshots fail until it is restarted", shard, sequence, e);
        drop(e, "when applying events failed");
    }

    /**
     * Command {@code sequence} would be one more than the {@link #backlogLimit} commands kept aside: the write in
     * flight has held the copy for that long (a disk that hangs), and the commands kept aside would otherwise grow
     * until the heap runs out, on whichever thread of the JVM. The copy is given up as a broken one is
     * ({@link #fail}): dropped, with what was kept for it, so that their memory goes back to the heap; the snapshots
     * waiting and every later one fail, and the shard goes on. The write in flight may still end: the copy did not
     * change while it was written, so its snapshot holds exactly the commands up to its mark.
     */
    private void giveUp(long sequence) {
        IllegalStateException e = new IllegalStateException("shard " + shard + ": the snapshot copy was given up at "
                + "command sequence " + sequence + ": " + backlogLimit + " commands were kept aside for it (the "
                + "snapshot backlog limit) while the snapshot writer held it, at sequence " + copySequence + "; find "
                + "why the writer stalls (a disk or a mount that hangs), then restart the engine; raise "
                + "PurestockEngine.Builder.snapshotBacklogLimit only if the heap has room for more");
        LOG.error("shard {}: the snapshot copy was given up, with {} commands kept aside for it (the snapshot backlog "
                + "limit); the shard goes on, but its snapshots fail until it is restarted", shard, backlogLimit, e);
        drop(e, "when it was given up at the snapshot backlog limit");
    }

    /**
     * Drops the copy for {@code cause}: nothing is applied to it any more, and what was kept for it goes, with its
     * room, back to the heap; the snapshots waiting fail, and every later one, saying {@code when} it happened. The
     * shard's metrics say so from then on ({@link ShardMetrics#snapshotsUnavailable()}), before any snapshot fails:
     * one volatile store, and nothing allocated.
     */
    private void drop(Throwable cause, String when) {
        broken = cause;
        copy = null;
        applied = 0;
        aside = 0;
        room.clear();
        spareSegments.clear();
        counters.unavailable(when, cause);
        while (!waiting.isEmpty()) {
            Mark mark = waiting.removeFirst();
            fail(mark.request(), mark.digest(), mark.sequence(), brokenCopy(mark.digest()));
        }
    }

    /**
     * What a snapshot fails with once the copy was dropped; for {@code digest}, marked while the copy still was kept
     * up to date, what that digest fails with: the next one is taken by the decision stage, from its own state.
     */
    private IllegalStateException brokenCopy(DigestRequest digest) {
        String brokenWhen = counters.unavailableWhen();
        String message = digest == null ? unavailable(shard, brokenWhen) : "shard " + shard + ": the snapshot copy "
                + "stopped being updated " + brokenWhen + ", before this digest could be taken from it; ask again: a "
                + "digest is now taken on the decision thread, which decides nothing while it walks the state, until "
                + "the shard is restarted";
        return new IllegalStateException(message, broken);
    }

    /**
     * What a snapshot of shard {@code shard} fails with once the copy was dropped {@code when}: also what
     * {@link ShardMetrics#snapshotsUnavailableReason()} says.
     */
    static String unavailable(int shard, String when) {
        return "shard " + shard + ": the snapshot copy stopped being updated " + when
                + "; no snapshot is written until the shard is restarted";
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
        if (aside - applied >= backlogLimit) {
            giveUp(sequence);
            return;
        }
        try {
            Segment last = room.peekLast();
            if (last == null || last.full()) {
                last = spareSegments.isEmpty() ? new Segment() : spareSegments.removeLast();
                room.addLast(last);
            }
            if (aside == 0) {
                asideFirstSequence = sequence;
            }
            last.starts[last.count] = last.events.size();
            last.times[last.count] = time;
            events.writeTo(last.events);
            last.count++;
            aside++;
        } catch (Throwable e) {
            fail(sequence, e);
        }
    }

    /**
     * Applies up to {@code most} of the commands still kept aside, in order, none after sequence {@code until}, and
     * lets go of each segment of the room once all its commands are applied. A failure drops them all
     * ({@link #fail}).
     */
    private void applyKeptAside(int most, long until) {
        for (int done = 0; done < most && applied < aside && asideFirstSequence + applied <= until; done++) {
            Segment first = room.peekFirst();
            int index = applied;
            int end = index + 1 < first.count ? first.starts[index + 1] : first.events.size();
            long sequence = asideFirstSequence + index;
            if (!applyRange(first.events, sequence, first.times[index], first.starts[index], end)) {
                return;
            }
            applied = index + 1;
            copySequence = sequence;
            copyTime = first.times[index];
            if (applied == first.count) { // only the last segment may be not full: the room is empty then
                letGo(first);
            }
        }
    }

    /**
     * Lets go of the room's first segment, all of whose commands are applied: emptied, it is kept for the room's
     * next growth while fewer than {@link #retainedSegments} are, and left to the heap otherwise.
     */
    private void letGo(Segment first) {
        room.removeFirst();
        asideFirstSequence += first.count;
        aside -= first.count;
        applied = 0;
        first.events.clear();
        first.count = 0;
        if (spareSegments.size() < retainedSegments) {
            spareSegments.addLast(first);
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
    private boolean applyRange(EventBuffer events, long sequence, long time, int from, int to) {
        if (broken != null) {
            return false;
        }
        try {
            Inventory.evolveRange(copy, time, events, from, to);
            return true;
        } catch (Throwable e) {
            fail(sequence, e);
            return false;
        }
    }

    /**
     * A snapshot, for {@code request} or periodic, or a digest, for {@code digest}, belongs after
     * {@code markedSequence}: cut at once when the copy holds exactly the commands up to it and no write is under
     * way, or else left to wait in order, behind the write and the commands kept aside before it. A periodic one
     * that finds {@value #PERIODIC_WAITING} periodic ones waiting takes the place of the newest. A mark that cannot
     * be kept (memory running out) fails that snapshot, or digest, alone, as a failing cut does ({@link #cut}).
     */
    private void mark(SnapshotRequest request, DigestRequest digest, long markedSequence) {
        if (markedSequence != lastSequence) {
            fail(request, digest, markedSequence, new IllegalStateException("shard " + shard
                    + ": the snapshot stage is at sequence " + lastSequence + " but the " + (digest == null
                    ? "snapshot" : "digest") + " was marked after " + markedSequence + "; no " + (digest == null
                    ? "snapshot was written" : "digest was taken") + " (an engine defect)"));
            return;
        }
        if (broken != null) {
            fail(request, digest, markedSequence, brokenCopy(digest));
            return;
        }
        if (lastSequence < 0 && request != null) {
            request.written(lastSequence); // no command yet: nothing to cut, and no snapshot "before seq 0" is kept
            return;
        }
        if (!writing && applied == aside && waiting.isEmpty()) {
            cut(request, digest, markedSequence); // the copy holds every command decided: none came after the mark
            return;
        }
        try {
            building.run();
            Mark mark = new Mark(request, digest, markedSequence);
            if (mark.periodic() && periodicWaiting() == PERIODIC_WAITING) {
                Mark skipped = newestPeriodic();
                waiting.removeLastOccurrence(skipped);
                counters.skipped.increment();
                LOG.warn("shard {}: the periodic snapshot after command sequence {} is skipped for the one after {}: "
                        + "snapshots are written and caught up with more slowly than every {} commands", shard,
                        skipped.sequence(), markedSequence, snapshotEvery);
            }
            waiting.addLast(mark);
        } catch (Throwable e) {
            fail(request, digest, markedSequence, e); // memory running out as the mark is kept: this one fails alone
        }
    }

    /** How many of the marks waiting are periodic: {@value #PERIODIC_WAITING} at most, so counted as one falls due. */
    private int periodicWaiting() {
        int periodic = 0;
        for (Mark mark : waiting) {
            if (mark.periodic()) {
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
            if (mark.periodic()) {
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
        cut(next.request(), next.digest(), next.sequence());
        waiting.removeFirst();
    }

    /**
     * Hands the copy, at {@link #copySequence}, to the writer thread, for {@code request}, for {@code digest} or
     * periodic, marked after {@code markedSequence}. The write is built before it is marked under way, so that a
     * failure building it (an {@link OutOfMemoryError}) leaves nothing marked that no writer will end; that failure
     * fails this snapshot, or digest, alone, as a failing write would: the copy is whole, and the stage goes on.
     */
    private void cut(SnapshotRequest request, DigestRequest digest, long markedSequence) {
        Write write;
        try {
            building.run();
            write = new Write(copySequence, copyTime, request, digest, copy);
        } catch (Throwable e) {
            fail(request, digest, markedSequence, e);
            return;
        }
        synchronized (lock) {
            writing = true;
            pending = write;
            lock.notifyAll();
        }
    }

    /** Fails {@code digest}, where it is one, or else the snapshot, for {@code request} or periodic. */
    private void fail(SnapshotRequest request, DigestRequest digest, long markedSequence, Throwable cause) {
        if (digest != null) {
            digest.notTaken(cause);
            return;
        }
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
            } catch (Throwable e) {
                // reporting a failure failed in turn (memory running out as it is logged): the snapshot was counted,
                // and its caller answered, before; a writer thread that died of it would leave every later snapshot,
                // and the stage's stop, waiting for it for ever
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
        if (write.digest() != null) {
            takeDigest(write);
            return;
        }
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
     * Takes the digest of the copy for {@code write}'s caller: the walk of the whole state that the decision stage
     * does not make. A failure, an {@link Error} included, fails that digest alone: the walk only read the copy.
     */
    private void takeDigest(Write write) {
        try {
            write.digest().taken(write.lastSequence(), StateDigest.of(write.store()));
        } catch (Throwable e) {
            write.digest().notTaken(e);
            LOG.error("shard {}: taking the digest after command sequence {} from the snapshot copy failed; the shard "
                    + "goes on", shard, write.lastSequence(), e);
        }
    }

    /**
     * Writes the snapshots still waiting, and takes the digests still waiting, one after another, each once the
     * commands kept aside up to it are applied (all at once: every answer was given by now, or was given up by a close
     * that ran out of time), then ends the writer thread.
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
