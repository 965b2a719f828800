package dev.purestock.journal;

import net.openhft.chronicle.bytes.MappedBytes;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Takes the page faults of the journal's cycle files off the journal thread. A cycle file is a sparse,
 * memory-mapped file: the first write to each page of it faults (the kernel allocates and zeroes the page,
 * and the file system its block), and the next chunk of the file is mapped when the writer first reaches it.
 * This pretoucher runs on its own thread, {@code purestock-shard-N-pretouch}, and every
 * {@link #PERIOD_MILLIS} ms touches the pages from the writer's position to {@link #AHEAD_BYTES} beyond it, in
 * the same mapping the writer uses, so the writer finds them present.
 *
 * <p>A touch is an atomic compare-and-set of an int from 0 to 0 at the start of a page: it writes only where
 * the file holds 0 and leaves 0 there, so it never changes what the file says, even racing the writer.
 *
 * <p><b>A disk running full.</b> A touch that the file system cannot give a block (a full disk) is a
 * {@code SIGBUS}, and in an atomic access the JVM does not turn it into an exception: it ends the whole process.
 * So the pretoucher touches only pages whose blocks are reserved in the writer's {@link CycleFileRoom}, reserving
 * them first (a reservation that finds the disk full fails with an exception, which the pretoucher leaves to the
 * writer to meet). And before each round it asks how much room the file system has left, and neither reserves nor
 * touches while it is below {@link #LOW_SPACE_BYTES}: the journal thread then reserves and takes its own page
 * faults, and a full disk fails its write with an error that stops the shard, acknowledging nothing more.
 *
 * <p>Chronicle Queue's own {@code Pretoucher} (which also creates the next cycle file early) is an
 * Enterprise feature; this is the open-source part of it that is safe without one.
 */
final class JournalPretoucher implements AutoCloseable {
    /** How far beyond the writer's position the pages are kept touched. */
    static final long AHEAD_BYTES = 4L << 20;
    /** How often the pretoucher catches up with the writer. */
    static final long PERIOD_MILLIS = 10;
    /**
     * Below this much room left on the cycle files' file system the pretoucher touches nothing: a round touches at
     * most {@link #AHEAD_BYTES} of new pages, so the disk would have to lose the rest of this margin to others
     * between the check and the touches for a touch to find it full.
     */
    static final long LOW_SPACE_BYTES = 16 * AHEAD_BYTES;
    /** The most bytes reserved at a time, so that a writer that needs the room's lock is not held up long. */
    private static final long RESERVE_BYTES = 256L << 10;
    private static final long PAGE_BYTES = 4096;
    private static final int NO_CYCLE = Integer.MIN_VALUE;
    private static final Logger LOG = LoggerFactory.getLogger(JournalPretoucher.class);

    private final SingleChronicleQueue queue;
    private final Thread thread;
    /** The room left on the cycle files' file system, in bytes; negative when it cannot be told. */
    private final LongSupplier usableSpace;
    /** The blocks reserved ahead of the writer: pages are touched only below its end. */
    private final CycleFileRoom room;
    /** Whether a reservation failed in the writer's cycle file, logged once each time it does. */
    private boolean reserveFailed;
    /** Whether the pretoucher stopped touching for want of room, logged once each time it does. */
    private boolean lowOnSpace;
    /** Rounds done; read by tests. */
    private long rounds;
    /** The cycle the writer writes to; set by the writer before the first position in it. */
    private volatile int writerCycle = NO_CYCLE;
    /** The end of the writer's last record, in the file of {@link #writerCycle}. */
    private final AtomicLong writerPosition = new AtomicLong();
    /** How far the pretoucher has touched in the file of {@link #touchedCycle}; read by tests. */
    private final AtomicLong touchedTo = new AtomicLong();
    private volatile int touchedCycle = NO_CYCLE;
    private volatile boolean stopped;
    private SingleChronicleQueueStore store;
    private MappedBytes bytes;

    private JournalPretoucher(SingleChronicleQueue queue, String threadName, LongSupplier usableSpace,
                              CycleFileRoom room) {
        this.queue = queue;
        this.usableSpace = usableSpace;
        this.room = room;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    /**
     * Starts a pretoucher of {@code queue}'s cycle files on a thread named {@code threadName}, which reads the room
     * left on the file system from {@code usableSpace} and touches only pages reserved in {@code room}.
     */
    static JournalPretoucher start(SingleChronicleQueue queue, String threadName, LongSupplier usableSpace,
                                   CycleFileRoom room) {
        JournalPretoucher pretoucher = new JournalPretoucher(queue, threadName, usableSpace, room);
        pretoucher.thread.start();
        return pretoucher;
    }

    /**
     * The room left on {@code dir}'s file system, asked of its {@link FileStore} (found once: finding it reads the
     * mount table). When nobody can tell, {@code -1}: the pretoucher then touches nothing (touching could end the
     * process, not touching costs page faults), and the writer reserves room as it goes.
     */
    static LongSupplier usableSpace(Path dir) {
        FileStore store;
        try {
            store = Files.getFileStore(dir);
        } catch (IOException e) {
            return () -> -1;
        }
        return () -> {
            try {
                return store.getUsableSpace();
            } catch (IOException e) {
                return -1;
            }
        };
    }

    /** The writer appended a record ending at {@code position} in the file of {@code cycle}; cheap, never blocks. */
    void onAppended(int cycle, long position) {
        if (cycle != writerCycle) {
            // the pretoucher reads the cycle, the position, then the cycle again: hide the cycle while the
            // position still belongs to the old one, so it never pairs the new cycle with the old position
            writerCycle = NO_CYCLE;
            writerPosition.set(position);
            writerCycle = cycle;
            return;
        }
        writerPosition.lazySet(position);
    }

    /**
     * Waits until the pages from the writer's last record to {@link #AHEAD_BYTES} beyond it are touched; for
     * tests, with a writer that has appended and then pauses.
     */
    synchronized void awaitAhead() throws InterruptedException {
        while (writerCycle == NO_CYCLE || touchedCycle != writerCycle
                || touchedTo.get() < writerPosition.get() + AHEAD_BYTES) {
            wait();
        }
    }

    /** How far the pages of the writer's cycle file are touched; for tests. */
    long touchedTo() {
        return touchedTo.get();
    }

    /** Waits until a round that began after this call is done; for tests. */
    synchronized void awaitRound() throws InterruptedException {
        long next = rounds + 2;
        while (rounds < next) {
            wait();
        }
    }

    private synchronized void roundDone() {
        rounds++;
        notifyAll();
    }

    private void run() {
        try {
            while (!stopped) {
                try {
                    touchAhead();
                    roundDone();
                } catch (RuntimeException e) {
                    LOG.warn("pretouching the journal failed; the journal goes on, its thread takes its own page "
                            + "faults", e);
                    release();
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS));
            }
        } finally {
            release();
        }
    }

    private void touchAhead() {
        if (!roomToTouch()) {
            return;
        }
        int cycle = writerCycle;
        long position = writerPosition.get();
        if (cycle == NO_CYCLE || cycle != writerCycle) {
            return;
        }
        if (cycle != touchedCycle || bytes == null) {
            release();
            store = queue.storeForCycle(cycle, queue.epoch(), false, null);
            if (store == null) {
                return;
            }
            bytes = store.bytes();
            touchedTo.set(0);
            touchedCycle = cycle;
        }
        long from = Math.max(touchedTo.get(), (position / PAGE_BYTES + 1) * PAGE_BYTES);
        long to = Math.min(position + AHEAD_BYTES, reserveAhead(cycle, position + AHEAD_BYTES));
        for (long page = from; page < to && !stopped; page += PAGE_BYTES) {
            bytes.compareAndSwapInt(page, 0, 0);
            touchedTo.lazySet(page + PAGE_BYTES);
        }
    }

    /**
     * Reserves the writer's cycle file up to {@code to}, a few blocks at a time; returns how far it is reserved, which
     * a failure (a full disk) leaves where it was: the writer meets the failure itself at its next document.
     */
    private long reserveAhead(int cycle, long to) {
        long reserved = room.reservedTo(cycle);
        try {
            while (reserved < to && !stopped) {
                long next = room.reserve(cycle, to, RESERVE_BYTES);
                if (next <= reserved) {
                    break; // the writer moved to another file
                }
                reserved = next;
            }
            reserveFailed = false;
        } catch (IOException e) {
            if (!reserveFailed) {
                reserveFailed = true;
                LOG.warn("reserving room ahead of the journal writer in {} failed, the writer reserves its own: {}",
                        room.file(), e.toString());
            }
        }
        return room.reservedTo(cycle);
    }

    /** Whether the file system has room for a round of touches; says so once when it has not, and when it has again. */
    private boolean roomToTouch() {
        long usable = usableSpace.getAsLong();
        boolean low = usable < LOW_SPACE_BYTES;
        if (low != lowOnSpace) {
            lowOnSpace = low;
            if (low) {
                LOG.warn("the journal's file system has {} bytes left: pretouching stops until it has {} again, and "
                        + "the journal thread takes its own page faults (a full disk stops the shard)", usable,
                        LOW_SPACE_BYTES);
            } else {
                LOG.info("the journal's file system has {} bytes left again: pretouching goes on", usable);
            }
        }
        return !low;
    }

    private void release() {
        if (bytes != null) {
            bytes.releaseLast();
            bytes = null;
        }
        if (store != null) {
            queue.closeStore(store);
            store = null;
        }
        touchedCycle = NO_CYCLE;
    }

    /** Stops the pretoucher and waits for its thread; call before closing the queue. */
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
