package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Limits;
import dev.purestock.domain.OrderLines;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
    private final CommandSlot[] slots = new CommandSlot[RING];
    private DecisionHandler decision;
    private SnapshotHandler snapshots;
    private long ringSequence;
    private long time;
    private long nextOrder = 1;

    @AfterEach
    void stopWriter() {
        if (snapshots != null) {
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
    void theBacklogOfAWriteIsAppliedAFewCommandsAtATimeBehindWhichTheNextOnesWait() throws Exception {
        start(SnapshotHandler.RETAINED_ASIDE);
        writerStarted.acquire();
        purchase(1_000);
        assertEquals(1_000, snapshots.keptAside(), "every command decided during the write is kept aside");
        writerMayFinish.release();
        snapshots.awaitWriter();

        purchase(1);
        assertEquals(1_000 + 1 - SnapshotHandler.DRAINED_PER_COMMAND, snapshots.keptAside(),
                "the first command after the write applies a few of the backlog and joins its end");
        purchase(100);
        assertEquals(1_000 + 101 - 101 * SnapshotHandler.DRAINED_PER_COMMAND, snapshots.keptAside());
        purchase(1_000);
        assertEquals(0, snapshots.keptAside(), "the backlog is applied once enough commands followed");

        purchase(SNAPSHOT_EVERY - (int) (ringSequence % SNAPSHOT_EVERY));
        writerStarted.acquire();
        assertEquals(StateDigest.of(state.store()), written.getLast(), "the next snapshot holds what the decision "
                + "state held at its mark: every command kept aside was applied, in order");
    }

    @Test
    @Timeout(120)
    void theCommandsKeptAsideAreLetGoAtOnceWhenTheCopyBreaks() throws Exception {
        long[] breakAt = {Long.MAX_VALUE};
        InventoryStore breaking = new DelegatingStore() {
            @Override
            public void putOrder(long orderId, long customer, OrderStatus status, OrderLines lines, long expiresAt,
                                 long fingerprint) {
                if (orderId == breakAt[0]) {
                    throw new OutOfMemoryError("Java heap space"); // the copy grows, and the heap has no room left
                }
                super.putOrder(orderId, customer, status, lines, expiresAt, fingerprint);
            }
        };
        start(SnapshotHandler.RETAINED_ASIDE, breaking);
        writerStarted.acquire();
        breakAt[0] = nextOrder + 3;
        purchase(1_000);
        writerMayFinish.release();
        snapshots.awaitWriter();

        purchase(1); // applies the backlog's first commands: the third breaks the copy
        assertEquals(0, snapshots.keptAside(), "nothing is kept for a copy that is dropped");
        purchase(SNAPSHOT_EVERY - (int) (ringSequence % SNAPSHOT_EVERY));
        assertEquals(1, snapshotCounters.failed.get(), "the next snapshot fails, naming the broken copy");
        assertEquals(1, snapshotCounters.written.get());
        assertNull(health.failure(), "the shard goes on");
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
            purchase(1); // the mark: waits for the write, applies what was kept aside, hands the next write over
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
        decision = new DecisionHandler(0, health, state, () -> time, counters.decision, new DueTimes(1), EngineFixtures.NO_RING);
        SnapshotWriter writer = (sequence, at, store) -> {
            written.add(StateDigest.of(store));
            writerStarted.release();
            writerMayFinish.acquireUninterruptibly();
        };
        snapshots = new SnapshotHandler(0, health, state, copy, writer,
                SNAPSHOT_EVERY, new StageThreads(null), snapshotCounters, retainedAside);
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
        purchase(SNAPSHOT_EVERY - (int) ringSequence);
    }

    private void purchase(int count) {
        for (int i = 0; i < count; i++) {
            long order = nextOrder++;
            slots[(int) (ringSequence % RING)].request.fields(SubmittedCommand.Form.PURCHASE, order, order & 0xFFFF,
                    order % SKUS, 0, 1, null);
            step();
        }
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
}
