package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Limits;
import dev.purestock.domain.OrderLines;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Product;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * While a snapshot is written the state-application stage keeps the events of the commands decided meanwhile
 * aside, and applies them to its copy once the writer is done: with snapshots on, that is every command decided
 * during a write. Keeping them aside must allocate nothing once the stage has kept that many aside before; a write
 * longer than the room the stage keeps must still apply every command; and the backlog must be applied a few
 * commands at a time, since the completion stage (the answers) follows this stage. The decision and snapshot
 * stages are driven on this thread, in ring order; the snapshot writer (the stage's own thread) holds each write
 * until the test lets it finish, and checks each snapshot against the decision state at its mark. Allocation is
 * counted with the JVM's per-thread allocation counter; the assertions are on bytes and counts, not time.
 */
class SnapshotKeptAsideTest {
    private static final int SKUS = 64;
    private static final int RING = 1024;
    /** A snapshot every this many commands: the commands between two marks are kept aside. */
    private static final int SNAPSHOT_EVERY = 5_000;
    private static final int ROUNDS = 5;
    /** The events whose room the stage keeps between writes, in the test of a write that outlasts it. */
    private static final int FEW_RETAINED = 1_023;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** The decision state and the copy, sized for every order of the run: growing them is not what is measured. */
    private final StoreCapacity capacity = new StoreCapacity(2 * SKUS, 40_000, 40_000);
    private final ShardState state = ShardState.empty(capacity);
    private final ShardHealth health = new ShardHealth(0, new Intake());
    private final ShardCounters counters = new ShardCounters(1024);
    private final ShardCounters.Snapshots snapshotCounters = new ShardCounters.Snapshots();
    private final Semaphore writerMayFinish = new Semaphore(0);
    private final Semaphore writerStarted = new Semaphore(0);
    private final List<Long> written = new CopyOnWriteArrayList<>();
    private final List<Long> writtenSequences = new CopyOnWriteArrayList<>();
    /** What each snapshot's copy held when its write was let finish: a copy given up meanwhile is not changed. */
    private final List<Long> finishedWith = new CopyOnWriteArrayList<>();
    private final CommandSlot[] slots = new CommandSlot[RING];
    private DecisionHandler decision;
    private SnapshotHandler snapshots;
    private long ringSequence;
    /** The snapshot and digest slots among the ring's, which have no command sequence. */
    private long controlSlots;
    private long time;
    private long nextOrder = 1;
    /** Marks and writes the stage builds that are still to fail, as if building them ran out of memory. */
    private int failingBuilds;
    /** What the writer throws once let finish its next write; {@code null}: nothing. Set before it is let finish. */
    private volatile Error writeFailure;
    /** The stage's writer thread. */
    private volatile Thread writerThread;

    @AfterEach
    void stopWriter() {
        if (snapshots != null && writerThread.isAlive()) { // a writer that died would leave the stop waiting for it
            writerMayFinish.release(1_000);
            snapshots.onShutdown();
        }
    }

    @Test
    @Timeout(120)
    void commandsDecidedWhileASnapshotIsWrittenAreKeptAsideWithoutAllocating() throws Exception {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        long least = snapshotRounds(SnapshotHandler.RETAINED_ASIDE);
        assertTrue(least < SNAPSHOT_EVERY, "keeping " + (SNAPSHOT_EVERY - 1) + " commands aside allocated "
                + least + " bytes at least in a round after the first (" + (double) least / (SNAPSHOT_EVERY - 1)
                + " B per command)");
    }

    @Test
    @Timeout(120)
    void aWriteThatOutlastsTheRetainedRoomStillAppliesEveryCommandKeptAside() throws Exception {
        snapshotRounds(FEW_RETAINED);
    }

    @Test
    @Timeout(120)
    void theBacklogIsAppliedOnlyWhenTheRingHasNothingForTheStageAFewCommandsATurn() throws Exception {
        start(SnapshotHandler.RETAINED_ASIDE);
        writerStarted.acquire();
        purchase(1_000);
        assertEquals(1_000, snapshots.keptAside(), "every command decided during the write is kept aside");
        writerMayFinish.release();
        snapshots.awaitWriter();

        purchase(101);
        assertEquals(1_101, snapshots.keptAside(), "a command decided after the write joins the end of the backlog, "
                + "and applies none of it: the answers behind this stage wait for no backlog");
        assertTrue(snapshots.pending(), "the stage has work of its own for when the ring has nothing for it");
        snapshots.onTimeout(ringSequence - 1);
        assertEquals(1_101 - SnapshotHandler.APPLIED_PER_TURN, snapshots.keptAside(), "a turn applies a few");
        assertEquals(Math.ceilDiv(1_101 - SnapshotHandler.APPLIED_PER_TURN, SnapshotHandler.APPLIED_PER_TURN),
                idleTurns(), "the rest, a turn after another");
        assertEquals(0, snapshots.keptAside());
        assertFalse(snapshots.pending());

        purchase(toNextMark());
        writerStarted.acquire();
        assertEquals(StateDigest.of(state.store()), written.getLast(), "the next snapshot holds what the decision "
                + "state held at its mark: every command kept aside was applied, in order");
        assertEquals(2, writtenSequences.size());
        assertEquals(2L * SNAPSHOT_EVERY - 1, writtenSequences.getLast());
    }

    @Test
    @Timeout(120)
    void aRoomAboveItsBoundIsEmptiedByTheCommandsDecidedWhenTheRingLeavesTheStageNoTurn() throws Exception {
        int bound = 100;
        start(SnapshotHandler.RETAINED_ASIDE, SnapshotHandler.copyOf(state.store(), capacity), bound);
        writerStarted.acquire();
        purchase(bound + 50);
        assertEquals(bound + 50, snapshots.keptAside(), "nothing is applied while the writer holds the copy");
        writerMayFinish.release();
        snapshots.awaitWriter();

        purchase(1);
        assertEquals(bound + 51 - SnapshotHandler.DRAINED_PER_COMMAND, snapshots.keptAside(),
                "above the bound a command decided applies a few of the backlog, and joins its end");
        purchase(bound + 48);
        assertEquals(1, snapshots.keptAside(), "each one applies one more than it adds, with no idle turn");
        purchase(1);
        assertEquals(0, snapshots.keptAside(), "until the room is empty");
        purchase(1);
        assertEquals(0, snapshots.keptAside(), "and then commands are applied as they come again");

        purchase(toNextMark());
        writerStarted.acquire();
        assertEquals(StateDigest.of(state.store()), written.getLast(), "every command applied, in order");
    }

    @Test
    @Timeout(120)
    void aWriteFailureThatCannotBeLoggedLeavesTheWriterWritingTheNextSnapshots() throws Exception {
        start(SnapshotHandler.RETAINED_ASIDE);
        writerStarted.acquire();
        writeFailure = new UnloggableError();
        writerMayFinish.release();
        snapshots.awaitWriter();
        assertEquals(1, snapshotCounters.failed.get(), "the periodic snapshot failed, and was counted");

        purchase(10);
        long asked = ringSequence - controlSlots - 1;
        SnapshotRequest request = requestSnapshot();
        while (!writerStarted.tryAcquire(10, TimeUnit.MILLISECONDS)) { // written, or its writer is gone for good
            assertTrue(writerThread.isAlive(), "the writer thread ended as it failed to log the failure: no snapshot "
                    + "is written any more, and the stage's stop waits for it for ever");
        }
        writerMayFinish.release();
        assertEquals(asked, request.result().get());
        assertEquals(StateDigest.of(state.store()), written.getLast());
    }

    @Test
    @Timeout(120)
    void aLongBacklogLetsGoOfItsRoomASegmentAtATimeAsItIsApplied() throws Exception {
        start(SnapshotHandler.RETAINED_ASIDE);
        writerStarted.acquire();
        assertTrue(SNAPSHOT_EVERY - 1 > SnapshotHandler.SEGMENT, "the backlog takes more than a segment");
        purchase(SNAPSHOT_EVERY - 1); // up to the next mark, not including it
        writerMayFinish.release();
        snapshots.awaitWriter();
        while (snapshots.pending()) {
            snapshots.onTimeout(ringSequence - 1);
            assertTrue(snapshots.roomKeptAside() - snapshots.keptAside() < SnapshotHandler.SEGMENT, "the room holds "
                    + snapshots.roomKeptAside() + " commands, " + snapshots.keptAside() + " of them not yet applied");
        }
        assertEquals(0, snapshots.roomKeptAside());
        purchase(toNextMark());
        writerStarted.acquire();
        assertEquals(StateDigest.of(state.store()), written.getLast(), "every command applied, in order");
    }

    @Test
    @Timeout(120)
    void aMarkCutOnTheAnswersPathOfAnOverloadedShardCopiesNoCommandKeptAside() throws Exception {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        int bound = 100;
        start(SnapshotHandler.RETAINED_ASIDE, SnapshotHandler.copyOf(state.store(), capacity), bound);
        writerStarted.acquire();
        purchase(1_000);
        long asked = ringSequence - controlSlots - 1;
        long atRequest = StateDigest.of(state.store());
        SnapshotRequest request = requestSnapshot();
        purchase(200);
        writerMayFinish.release();
        snapshots.awaitWriter();

        // the ring leaves the stage no turn: each command decided applies a few of the backlog, and joins its end
        int drained = SnapshotHandler.DRAINED_PER_COMMAND;
        purchase(1_000 / drained - 1);
        assertEquals(drained, snapshots.keptAside() - (200 + 1_000 / drained - 1), "the mark is one command away");
        long before = THREADS.getCurrentThreadAllocatedBytes();
        purchase(1); // applies the last commands before the mark, and cuts it: this command's answer waits for that
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        writerStarted.acquire();
        assertEquals(atRequest, written.getLast(), "the snapshot holds exactly the commands before the request");
        assertEquals(200 + 1_000 / drained, snapshots.keptAside(), "the commands after the mark stay aside");
        // the commands after the mark were moved to a second buffer as it was cut, in one go, on the answer path; the
        // first move into that buffer allocated its room, about 160 B a command, which is how this test sees it
        assertTrue(allocated < 1_024, "cutting the mark allocated " + allocated + " bytes: it copied the "
                + snapshots.keptAside() + " commands kept aside after it");
        writerMayFinish.release();
        assertEquals(asked, request.result().get());

        snapshots.awaitWriter();
        idleTurns();
        purchase(toNextMark());
        writerStarted.acquire();
        assertEquals(StateDigest.of(state.store()), written.getLast(), "every command applied, in order");
    }

    @Test
    @Timeout(120)
    void aPeriodicMarkDuringAWriteWaitsAndIsCutExactlyAtItsSequenceOnceTheBacklogReachesIt() throws Exception {
        start(SnapshotHandler.RETAINED_ASIDE);
        writerStarted.acquire();
        purchase(SNAPSHOT_EVERY); // the next mark falls due while the first write is still held
        long atMark = StateDigest.of(state.store());
        assertEquals(1, snapshots.snapshotsWaiting(), "the mark waits instead of holding the stage for the write");
        purchase(100);
        assertEquals(SNAPSHOT_EVERY + 100, snapshots.keptAside());
        assertFalse(snapshots.pending(), "nothing to do while the writer holds the copy");

        writerMayFinish.release();
        snapshots.awaitWriter();
        int turns = idleTurns();
        assertEquals(Math.ceilDiv(SNAPSHOT_EVERY, SnapshotHandler.APPLIED_PER_TURN), turns,
                "turns apply the backlog up to the mark, and no further");
        writerStarted.acquire();
        assertEquals(2L * SNAPSHOT_EVERY - 1, writtenSequences.getLast(), "cut at its mark");
        assertEquals(atMark, written.getLast(), "holding exactly the commands up to its mark");
        assertEquals(100, snapshots.keptAside(), "the commands after the mark stay aside during its write");
        assertEquals(0, snapshots.snapshotsWaiting());

        writerMayFinish.release();
        snapshots.awaitWriter();
        idleTurns();
        purchase(toNextMark());
        writerStarted.acquire();
        assertEquals(StateDigest.of(state.store()), written.getLast());
        assertEquals(List.of((long) SNAPSHOT_EVERY - 1, 2L * SNAPSHOT_EVERY - 1, 3L * SNAPSHOT_EVERY - 1),
                writtenSequences);
    }

    @Test
    @Timeout(120)
    void snapshotsWrittenBackToBackKeepOnlyTheCommandsNotYetAppliedInTheRoom() throws Exception {
        start(SnapshotHandler.RETAINED_ASIDE);
        writerStarted.acquire();
        int after = 100;
        purchase(SNAPSHOT_EVERY); // each write lasts longer than a period: a mark waits as it ends
        long atMark = StateDigest.of(state.store());
        for (int round = 0; round < ROUNDS; round++) {
            purchase(after);
            writerMayFinish.release();
            snapshots.awaitWriter();
            idleTurns(); // up to the mark that waited, which is cut: its write starts with commands after it
            writerStarted.acquire();
            assertEquals((round + 2L) * SNAPSHOT_EVERY - 1, writtenSequences.getLast());
            assertEquals(atMark, written.getLast(), "round " + round + ": exactly the commands up to the mark");
            assertEquals(after, snapshots.keptAside(), "the commands after the mark wait for its write");
            assertTrue(snapshots.roomKeptAside() - snapshots.keptAside() < SnapshotHandler.SEGMENT, "round " + round
                    + ": the room kept aside holds " + snapshots.roomKeptAside() + " commands, " + snapshots.keptAside()
                    + " of them not yet applied: the ones applied before a cut stay in it for ever");
            purchase(SNAPSHOT_EVERY - after);
            atMark = StateDigest.of(state.store());
        }
    }

    @Test
    @Timeout(120)
    void aPeriodicMarkBeyondTheFewThatWaitTakesThePlaceOfTheNewestWhichIsSkipped() throws Exception {
        start(SnapshotHandler.RETAINED_ASIDE);
        writerStarted.acquire();
        long[] atMarks = new long[SnapshotHandler.PERIODIC_WAITING];
        for (int i = 0; i < atMarks.length; i++) {
            purchase(SNAPSHOT_EVERY);
            atMarks[i] = StateDigest.of(state.store());
        }
        purchase(2 * SNAPSHOT_EVERY); // two more marks while the first write is still held
        atMarks[atMarks.length - 1] = StateDigest.of(state.store());
        assertEquals(SnapshotHandler.PERIODIC_WAITING, snapshots.snapshotsWaiting(), "the oldest wait, and the newest");
        assertEquals(2, snapshotCounters.skipped.get(), "the two marks in between were skipped, and counted");

        for (long atMark : atMarks) {
            writerMayFinish.release();
            snapshots.awaitWriter();
            idleTurns();
            writerStarted.acquire();
            assertEquals(atMark, written.getLast());
        }
        assertEquals(List.of((long) SNAPSHOT_EVERY - 1, 2L * SNAPSHOT_EVERY - 1, 5L * SNAPSHOT_EVERY - 1),
                writtenSequences, "the marks that waited were written, each at its own sequence");
        assertEquals(0, snapshots.keptAside(), "the backlog was applied up to the newest mark");
        writerMayFinish.release();
        snapshots.awaitWriter();
        purchase(SNAPSHOT_EVERY);
        writerStarted.acquire();
        assertEquals(6L * SNAPSHOT_EVERY - 1, writtenSequences.getLast(), "the next mark is cut at once");
        assertEquals(StateDigest.of(state.store()), written.getLast());
    }

    @Test
    @Timeout(120)
    void aSnapshotAskedForDuringABacklogCoversExactlyTheCommandsBeforeIt() throws Exception {
        start(SnapshotHandler.RETAINED_ASIDE);
        writerStarted.acquire();
        purchase(1_000);
        writerMayFinish.release();
        snapshots.awaitWriter();
        purchase(10); // after the write: kept aside behind the backlog
        long asked = ringSequence - 1;
        long atRequest = StateDigest.of(state.store());
        SnapshotRequest request = requestSnapshot();
        purchase(50);
        assertEquals(1, snapshots.snapshotsWaiting(), "the request waits for the backlog before it");
        assertFalse(request.result().isDone());

        idleTurns();
        writerStarted.acquire();
        assertEquals(atRequest, written.getLast(), "the snapshot holds exactly the commands before the request");
        writerMayFinish.release();
        assertEquals(asked, request.result().get(), "the caller is told the sequence the snapshot covers");
        assertEquals(50, snapshots.keptAside(), "the commands after the request waited in turn");
    }

    /**
     * A digest is taken from the copy on the writer thread: while its walk lasts (held here), the decision stage goes
     * on deciding and this stage keeps the commands decided meanwhile aside, as during a snapshot's write, so neither
     * the decisions nor the answers after this stage wait for the walk; the digest is the decision state's at its
     * slot, and the commands kept aside are applied once it is taken.
     */
    @Test
    @Timeout(120)
    void aDigestWhoseWalkLastsLeavesTheShardDecidingAndKeepsTheCommandsAside() throws Exception {
        CountDownLatch walking = new CountDownLatch(1);
        CountDownLatch walkMayEnd = new CountDownLatch(1);
        boolean[] armed = {false};
        InventoryStore walkHeld = new DelegatingStore() {
            @Override
            public void forEachProductAndPosition(Consumer<Product> products, PositionVisitor positions) {
                if (armed[0] && Thread.currentThread() == writerThread) {
                    armed[0] = false;
                    walking.countDown();
                    try {
                        walkMayEnd.await();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }
                super.forEachProductAndPosition(products, positions);
            }
        };
        start(SnapshotHandler.RETAINED_ASIDE, walkHeld);
        writerStarted.acquire();
        writerMayFinish.release();
        snapshots.awaitWriter();
        idleTurns();
        purchase(10);
        long lastBefore = ringSequence - controlSlots - 1;
        long atDigest = StateDigest.of(state.store());
        armed[0] = true; // the writer thread reads it once handed the digest, after this write
        DigestRequest digest = requestDigest();
        walking.await();
        purchase(100);
        assertEquals(100, snapshots.keptAside(), "decided while the digest's walk lasts, kept aside for the copy");
        assertFalse(digest.result().isDone());

        walkMayEnd.countDown();
        assertEquals(new ShardDigest(0, lastBefore, atDigest), digest.result().get());
        snapshots.awaitWriter();
        idleTurns();
        assertEquals(0, snapshots.keptAside(), "applied once the digest is taken");
        assertEquals(StateDigest.of(state.store()), StateDigest.of(walkHeld), "the copy holds every command");
        assertEquals(1, snapshotCounters.written.get(), "a digest is no snapshot");
    }

    @Test
    @Timeout(120)
    void aDigestAskedForDuringAWriteAndABacklogCoversExactlyTheCommandsBeforeIt() throws Exception {
        start(SnapshotHandler.RETAINED_ASIDE);
        writerStarted.acquire();
        purchase(1_000);
        long duringWrite = ringSequence - controlSlots - 1;
        long atWrite = StateDigest.of(state.store());
        DigestRequest behindTheWrite = requestDigest();
        purchase(10);
        assertEquals(1, snapshots.snapshotsWaiting(), "the digest waits for the write, as a snapshot would");
        writerMayFinish.release();
        snapshots.awaitWriter();
        purchase(10); // after the write: kept aside behind the backlog
        long asked = ringSequence - controlSlots - 1;
        long atRequest = StateDigest.of(state.store());
        DigestRequest request = requestDigest();
        purchase(50);
        assertEquals(2, snapshots.snapshotsWaiting(), "the digests wait for the backlog before them");
        assertFalse(request.result().isDone());

        idleTurns();
        assertEquals(new ShardDigest(0, duringWrite, atWrite), behindTheWrite.result().get());
        snapshots.awaitWriter();
        idleTurns();
        assertEquals(new ShardDigest(0, asked, atRequest), request.result().get(), "the digest holds exactly the "
                + "commands before the request");
        snapshots.awaitWriter();
        idleTurns();
        assertEquals(0, snapshots.keptAside(), "the commands after the requests were applied in turn");
        assertEquals(1, snapshotCounters.written.get());
    }

    /**
     * A digest waiting for the copy when the copy breaks fails, saying why and what to do; the next one, asked for
     * once the copy is gone, is taken by the decision stage from its own state, as a shard without a snapshot stage
     * takes it.
     */
    @Test
    @Timeout(120)
    void aDigestWaitingWhenTheCopyBreaksFailsAndTheNextIsTakenFromTheDecisionState() throws Exception {
        DigestRequest waiting = breakTheCopyAfterABacklog(this::requestDigest);
        Throwable failed = assertThrows(ExecutionException.class, () -> waiting.result().get()).getCause();
        assertEquals("shard 0: the snapshot copy stopped being updated when applying events failed, before this "
                + "digest could be taken from it; ask again: a digest is now taken on the decision thread, which "
                + "decides nothing while it walks the state, until the shard is restarted", failed.getMessage());
        assertInstanceOf(OutOfMemoryError.class, failed.getCause(), "naming the cause");
        assertEquals(0, snapshots.snapshotsWaiting());

        purchase(5);
        long lastBefore = ringSequence - controlSlots - 1;
        DigestRequest next = requestDigest();
        assertTrue(next.result().isDone(), "taken as the decision stage passed its slot");
        assertEquals(new ShardDigest(0, lastBefore, StateDigest.of(state.store())), next.result().get());
        assertEquals(0, snapshots.snapshotsWaiting());
        assertNull(health.failure(), "the shard goes on");
    }

    @Test
    @Timeout(120)
    void theSnapshotsStillWaitingAreWrittenWhenTheStageStops() throws Exception {
        start(SnapshotHandler.RETAINED_ASIDE);
        writerStarted.acquire();
        purchase(SNAPSHOT_EVERY);
        long atMark = StateDigest.of(state.store());
        purchase(10);
        long asked = ringSequence - 1;
        long atRequest = StateDigest.of(state.store());
        SnapshotRequest request = requestSnapshot();
        purchase(10);
        assertEquals(2, snapshots.snapshotsWaiting());

        CompletableFuture<Void> stopped = CompletableFuture.runAsync(snapshots::onShutdown,
                task -> new Thread(task, "stopping-stage").start());
        writerMayFinish.release(3);
        stopped.get();
        assertEquals(List.of((long) SNAPSHOT_EVERY - 1, 2L * SNAPSHOT_EVERY - 1, asked), writtenSequences);
        assertEquals(List.of(atMark, atRequest), written.subList(1, 3));
        assertEquals(asked, request.result().get());
    }

    @Test
    @Timeout(120)
    void theCommandsKeptAsideAreLetGoAtOnceWhenTheCopyBreaksAndTheSnapshotsWaitingFail() throws Exception {
        SnapshotRequest request = breakTheCopyAfterABacklog(this::requestSnapshot);
        assertEquals(0, snapshots.keptAside(), "nothing is kept for a copy that is dropped");
        assertEquals(0, snapshots.snapshotsWaiting());
        assertFalse(snapshots.pending());
        Throwable failed = assertThrows(ExecutionException.class, () -> request.result().get()).getCause();
        assertEquals("shard 0: the snapshot copy stopped being updated when applying events failed; no snapshot is "
                + "written until the shard is restarted", failed.getMessage(), "the snapshot waiting fails");
        assertInstanceOf(OutOfMemoryError.class, failed.getCause(), "naming the cause");
        purchase(toNextMark());
        assertEquals(2, snapshotCounters.failed.get(), "the next periodic snapshot fails too");
        assertEquals(1, snapshotCounters.written.get());
        assertNull(health.failure(), "the shard goes on");
    }

    /**
     * A write that never ends (a disk that hangs) would let the commands kept aside grow until the heap runs out, on
     * any thread: at the backlog limit the stage gives its copy up instead, as a broken one, and the write in flight
     * still ends with the snapshot at its mark.
     */
    @Test
    @Timeout(120)
    void aWriteThatHangsPastTheBacklogLimitGivesTheCopyUpAndTheShardGoesOn() throws Exception {
        int limit = 3_000; // reached before the next periodic mark
        start(SnapshotHandler.RETAINED_ASIDE, SnapshotHandler.copyOf(state.store(), capacity),
                SnapshotHandler.DRAINED_ABOVE, limit);
        long atMark = StateDigest.of(state.store());
        long markSequence = ringSequence - controlSlots - 1;
        writerStarted.acquire();
        purchase(limit - 1);
        SnapshotRequest waiting = requestSnapshot();
        purchase(1);
        assertEquals(limit, snapshots.keptAside(), "up to the limit, every command is kept aside");
        assertEquals(1, snapshots.snapshotsWaiting());
        assertFalse(waiting.result().isDone());
        assertNull(snapshotCounters.unavailableWhen(), "snapshots are available up to the limit");

        purchase(1);
        assertEquals(0, snapshots.keptAside(), "one more gives the copy up, and what was kept aside for it");
        assertEquals(0, snapshots.roomKeptAside(), "with its room");
        assertEquals(0, snapshots.snapshotsWaiting());
        Throwable failed = assertThrows(ExecutionException.class, () -> waiting.result().get()).getCause();
        assertEquals("shard 0: the snapshot copy stopped being updated when it was given up at the snapshot backlog "
                + "limit; no snapshot is written until the shard is restarted", failed.getMessage());
        assertEquals("shard 0: the snapshot copy was given up at command sequence " + (markSequence + limit + 1)
                + ": " + limit + " commands were kept aside for it (the snapshot backlog limit) while the snapshot "
                + "writer held it, at sequence " + markSequence + "; find why the writer stalls (a disk or a mount "
                + "that hangs), then restart the engine; raise PurestockEngine.Builder.snapshotBacklogLimit only if "
                + "the heap has room for more", failed.getCause().getMessage(), "naming the limit and what to do");
        assertEquals(1, snapshotCounters.failed.get());
        assertEquals("when it was given up at the snapshot backlog limit", snapshotCounters.unavailableWhen(),
                "the shard's metrics say its snapshots are unavailable until a restart");
        assertSame(failed.getCause(), snapshotCounters.unavailableCause(), "and why");

        purchase(100);
        assertEquals(0, snapshots.keptAside(), "nothing is kept for a copy given up");
        assertEquals(0, snapshots.roomKeptAside());
        assertFalse(snapshots.pending());
        SnapshotRequest later = requestSnapshot();
        Throwable refused = assertThrows(ExecutionException.class, () -> later.result().get()).getCause();
        assertEquals(failed.getMessage(), refused.getMessage(), "a later snapshot fails too, until a restart");
        assertEquals(2, snapshotCounters.failed.get());
        assertNull(health.failure(), "the shard goes on");

        writerMayFinish.release();
        snapshots.awaitWriter();
        assertEquals(List.of(markSequence), writtenSequences);
        assertEquals(List.of(atMark), written, "the write in flight holds exactly the commands up to its mark");
        assertEquals(List.of(atMark), finishedWith, "and the copy given up was not changed while it was written");
        assertEquals(1, snapshotCounters.written.get());
        assertEquals(2, snapshotCounters.failed.get(), "the write ended without error");
        assertFalse(snapshots.pending(), "the write's end leaves the stage nothing to do");
        snapshots.onTimeout(ringSequence - 1);
        purchase(100);
        assertEquals(0, snapshots.keptAside(), "nor anything to keep");
        assertEquals(1, snapshotCounters.written.get());
        assertNull(health.failure());
    }

    @Test
    @Timeout(120)
    void aSnapshotWhoseMarkCannotBeKeptIsFailedAndTheStageGoesOn() throws Exception {
        start(SnapshotHandler.RETAINED_ASIDE);
        writerStarted.acquire();
        purchase(100);

        failingBuilds = 1;
        SnapshotRequest request = requestSnapshot(); // behind the write: its mark would wait
        Throwable failed = assertThrows(ExecutionException.class, () -> request.result().get()).getCause();
        assertInstanceOf(OutOfMemoryError.class, failed, "the caller is told why no snapshot was written");
        assertEquals(0, snapshots.snapshotsWaiting());
        assertEquals(1, snapshotCounters.failed.get());

        purchase(toNextMark());
        writerMayFinish.release();
        snapshots.awaitWriter();
        idleTurns();
        writerStarted.acquire();
        assertEquals(StateDigest.of(state.store()), written.getLast(), "the next snapshot is written, whole");
        assertNull(health.failure(), "the shard goes on");
    }

    @Test
    @Timeout(120)
    void aSnapshotWaitingWhoseWriteCannotBeBuiltIsFailedAndTheStageGoesOn() throws Exception {
        start(SnapshotHandler.RETAINED_ASIDE);
        writerStarted.acquire();
        purchase(1_000);
        SnapshotRequest request = requestSnapshot();
        purchase(50);
        writerMayFinish.release();
        snapshots.awaitWriter();

        failingBuilds = 1;
        idleTurns(); // up to the request's mark, whose write cannot be built; then the 50 after it
        Throwable failed = assertThrows(ExecutionException.class, () -> request.result().get()).getCause();
        assertInstanceOf(OutOfMemoryError.class, failed, "the caller is told why no snapshot was written");
        assertEquals(0, snapshots.snapshotsWaiting());
        assertEquals(0, snapshots.keptAside(), "the copy is whole: the commands after the mark were applied");
        assertEquals(1, snapshotCounters.failed.get());

        purchase(toNextMark());
        writerStarted.acquire();
        assertEquals(StateDigest.of(state.store()), written.getLast(), "the next snapshot is written, whole");
        assertNull(health.failure(), "the shard goes on");
    }

    @Test
    @Timeout(120)
    void aSnapshotCutAtOnceWhoseWriteCannotBeBuiltIsFailedAndTheStageGoesOn() throws Exception {
        start(SnapshotHandler.RETAINED_ASIDE);
        writerStarted.acquire();
        writerMayFinish.release();
        snapshots.awaitWriter();
        purchase(10);

        failingBuilds = 1;
        SnapshotRequest request = requestSnapshot(); // nothing kept aside and no write: cut as it is marked
        Throwable failed = assertThrows(ExecutionException.class, () -> request.result().get()).getCause();
        assertInstanceOf(OutOfMemoryError.class, failed);
        assertEquals(1, snapshotCounters.failed.get());
        assertFalse(snapshots.pending());

        SnapshotRequest next = requestSnapshot();
        writerStarted.acquire();
        writerMayFinish.release();
        assertEquals(ringSequence - controlSlots - 1, next.result().get(), "the next one is written");
        assertEquals(StateDigest.of(state.store()), written.getLast());
        assertNull(health.failure());
    }

    /**
     * What a writer throws as the heap runs out, which cannot be logged either: writing it out (its text, its stack)
     * runs out of memory too.
     */
    private static final class UnloggableError extends OutOfMemoryError {
        UnloggableError() {
            super("Java heap space (injected in a snapshot writer)");
        }

        @Override
        public String toString() {
            throw new OutOfMemoryError("Java heap space (injected as the writer's error is logged)");
        }
    }

    /**
     * Snapshots every {@link #SNAPSHOT_EVERY} commands, {@link #ROUNDS} times, with a stage that keeps the room of
     * {@code retainedAside} events between writes; each write is held until the commands of the next stretch were
     * decided and kept aside, and each snapshot is checked against the decision state at its mark. Answers the
     * least bytes this thread allocated keeping a stretch aside, in the rounds after the first.
     */
    private long snapshotRounds(int retainedAside) throws Exception {
        start(retainedAside);
        long least = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            writerStarted.acquire();
            assertEquals(StateDigest.of(state.store()), written.getLast(), "the snapshot of round " + round
                    + " holds what the decision state held at its mark");
            long before = THREADS.getCurrentThreadAllocatedBytes();
            purchase(SNAPSHOT_EVERY - 1);
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            if (round > 0) {
                least = Math.min(least, allocated);
            }
            writerMayFinish.release();
            purchase(1); // the mark: waits behind the write and the commands kept aside
            snapshots.awaitWriter();
            idleTurns(); // the ring has nothing more: the stage applies them, and cuts the next snapshot at the mark
        }
        writerStarted.acquire();
        assertEquals(StateDigest.of(state.store()), written.getLast(), "the last snapshot holds what the decision "
                + "state held at its mark");
        assertEquals(ROUNDS, snapshotCounters.written.get(), "every snapshot before the last was written");
        assertEquals(0, snapshotCounters.failed.get());
        return least;
    }

    /**
     * Starts the stages, with a snapshot every {@link #SNAPSHOT_EVERY} commands, lists and stocks the skus and
     * purchases up to the first mark: its write starts, and waits to be let finish.
     */
    private void start(int retainedAside) {
        start(retainedAside, SnapshotHandler.copyOf(state.store(), capacity));
    }

    private void start(int retainedAside, InventoryStore copy) {
        start(retainedAside, copy, SnapshotHandler.DRAINED_ABOVE);
    }

    private void start(int retainedAside, InventoryStore copy, int drainedAbove) {
        start(retainedAside, copy, drainedAbove, SnapshotHandler.BACKLOG_LIMIT);
    }

    private void start(int retainedAside, InventoryStore copy, int drainedAbove, int backlogLimit) {
        decision = new DecisionHandler(0, health, state, () -> time, counters.decision, new DueTimes(1, 86_400_000, 1_000), EngineFixtures.NO_RING,
                snapshotCounters);
        SnapshotWriter writer = (sequence, at, store) -> {
            written.add(StateDigest.of(store));
            writtenSequences.add(sequence);
            writerStarted.release();
            writerMayFinish.acquireUninterruptibly();
            finishedWith.add(StateDigest.of(store));
            Error failure = writeFailure;
            if (failure != null) {
                writeFailure = null;
                throw failure;
            }
        };
        snapshots = new SnapshotHandler(0, health, state, copy, writer,
                SNAPSHOT_EVERY, new StageThreads(null, thread -> writerThread = thread), snapshotCounters, retainedAside, drainedAbove,
                backlogLimit, () -> {
                    if (failingBuilds > 0) {
                        failingBuilds--;
                        throw new OutOfMemoryError("Java heap space (injected as a mark or a write is built)");
                    }
                });
        for (int i = 0; i < RING; i++) {
            slots[i] = new CommandSlot();
        }
        String name = Thread.currentThread().getName();
        snapshots.onStart();
        Thread.currentThread().setName(name);
        for (int sku = 0; sku < SKUS; sku++) {
            run(new Command.ListProduct(sku, 0));
            run(new Command.ReceiveStock(sku + 1, sku, 0, Limits.MAX_QUANTITY));
        }
        purchase(toNextMark());
    }

    /** The commands up to the next periodic mark: a snapshot slot takes a slot of the ring, and no sequence. */
    private int toNextMark() {
        return SNAPSHOT_EVERY - (int) ((ringSequence - controlSlots) % SNAPSHOT_EVERY);
    }

    private void purchase(int count) {
        for (int i = 0; i < count; i++) {
            long order = nextOrder++;
            slots[(int) (ringSequence % RING)].request.fields(SubmittedCommand.Form.PURCHASE, order, order & 0xFFFF,
                    order % SKUS, 0, 1, null);
            step();
        }
    }

    /** A {@link PurestockEngine#snapshot} slot, as the completion stage leaves it once every earlier command is durable. */
    private SnapshotRequest requestSnapshot() {
        SnapshotRequest request = new SnapshotRequest();
        request.complete(-1L);
        slots[(int) (ringSequence % RING)].request.control(CommandSlot.Kind.SNAPSHOT, request);
        step();
        controlSlots++;
        return request;
    }

    /**
     * A {@link PurestockEngine#digestWithSequence} slot, as the completion stage leaves it once every earlier command
     * is durable.
     */
    private DigestRequest requestDigest() {
        DigestRequest request = new DigestRequest(0);
        request.complete(-1L);
        slots[(int) (ringSequence % RING)].request.control(CommandSlot.Kind.DIGEST, request);
        step();
        controlSlots++;
        return request;
    }

    /** The turns the stage takes of its own work while the ring has nothing for it, until it has none left. */
    private int idleTurns() throws Exception {
        int turns = 0;
        while (snapshots.pending()) {
            snapshots.onTimeout(ringSequence - 1);
            turns++;
        }
        return turns;
    }

    private void run(Command command) {
        slots[(int) (ringSequence % RING)].request.command(command, null, null);
        step();
    }

    private void step() {
        time++;
        CommandSlot slot = slots[(int) (ringSequence % RING)];
        decision.onEvent(slot, ringSequence, true);
        snapshots.onEvent(slot, ringSequence, true);
        ringSequence++;
    }

    /**
     * A store that runs out of heap as it stores the order whose id {@code breakAt[0]} holds when it comes: the copy
     * grows, and the heap has no room left.
     */
    /**
     * Starts the stage with a copy that breaks on the fourth command of a backlog of 1,000 purchases made while the
     * first snapshot is written, makes {@code request} behind that backlog, lets the writer finish and has the stage
     * apply the backlog, breaking the copy: the request made.
     */
    private <R> R breakTheCopyAfterABacklog(Supplier<R> request) throws InterruptedException {
        long[] breakAt = {Long.MAX_VALUE};
        InventoryStore breaking = breakingOnOrder(breakAt);
        start(SnapshotHandler.RETAINED_ASIDE, breaking);
        writerStarted.acquire();
        breakAt[0] = nextOrder + 3;
        purchase(1_000);
        R made = request.get();
        writerMayFinish.release();
        snapshots.awaitWriter();

        snapshots.onTimeout(ringSequence - 1); // applies the backlog's first commands: the fourth breaks the copy
        return made;
    }

    private static InventoryStore breakingOnOrder(long[] breakAt) {
        return new DelegatingStore() {
            @Override
            public void putOrder(long orderId, long customer, OrderStatus status, OrderLines lines, long expiresAt,
                                 long fingerprint) {
                if (orderId == breakAt[0]) {
                    throw new OutOfMemoryError("Java heap space");
                }
                super.putOrder(orderId, customer, status, lines, expiresAt, fingerprint);
            }
        };
    }
}
