package dev.purestock.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;

/**
 * Creates an engine's stage threads, tells its {@link StageThreadListener} when each starts, lets
 * {@code build()} wait until all have, and joins them on close, so a closed engine leaves none behind. Each stage
 * names its thread by shard and role when it starts ({@link #begin}: {@code purestock-shard-0-decide}).
 */
final class StageThreads implements ThreadFactory {
    private final StageThreadListener listener;
    private final List<Thread> created = new ArrayList<>();
    private int expected;
    private int started;
    private Throwable listenerFailure;
    private String failedThread;

    /** {@code listener} may be {@code null}. */
    StageThreads(StageThreadListener listener) {
        this.listener = listener;
    }

    /** A thread that runs one stage of one of this engine's shards. */
    private static final class StageThread extends Thread {
        private final StageThreads owner;

        StageThread(StageThreads owner, Runnable stage, String name) {
            super(stage, name);
            this.owner = owner;
        }
    }

    @Override
    public synchronized Thread newThread(Runnable stage) {
        Thread thread = new StageThread(this, stage, "purestock-stage-" + created.size());
        thread.setDaemon(true);
        created.add(thread);
        return thread;
    }

    /** Whether the calling thread is one of these stage threads. */
    boolean isCurrent() {
        return Thread.currentThread() instanceof StageThread stage && stage.owner == this;
    }

    /** {@code count} more threads will report their start ({@link #begin} or {@link #started}). */
    synchronized void expect(int count) {
        expected += count;
    }

    /**
     * Called by a stage on its own thread before it runs: names the thread after {@code role} and, on a thread of
     * this factory, tells the listener.
     */
    static void begin(int shard, StageRole role) {
        Thread thread = Thread.currentThread();
        thread.setName(role.threadName(shard));
        if (thread instanceof StageThread stage) {
            stage.owner.started(shard, role);
        }
    }

    /** Tells the listener, on the calling thread, that it started as {@code role}; keeps the first failure. */
    void started(int shard, StageRole role) {
        Throwable failure = null;
        if (listener != null) {
            try {
                listener.onStageThreadStart(shard, role);
            } catch (Throwable e) {
                failure = e;
            }
        }
        synchronized (this) {
            if (failure != null && listenerFailure == null) {
                listenerFailure = failure;
                failedThread = Thread.currentThread().getName();
            }
            started++;
            notifyAll();
        }
    }

    /**
     * Waits until every expected thread has started (an interrupt is kept for the caller, not obeyed).
     *
     * @return the listener's first failure, as an exception naming the thread, or {@code null}
     */
    synchronized IllegalStateException awaitStarted() {
        boolean interrupted = false;
        while (started < expected) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (listenerFailure == null) {
            return null;
        }
        return new IllegalStateException("the stage thread listener (Builder.onStageThreadStart) threw on "
                + failedThread + ": " + listenerFailure + "; the engine was closed and not built", listenerFailure);
    }

    /** The names of the stage threads still alive, in the order they were created. */
    synchronized List<String> liveNames() {
        return created.stream().filter(Thread::isAlive).map(Thread::getName).toList();
    }

    /**
     * Joins every stage thread, giving up at {@code deadline} ({@link System#nanoTime()}).
     *
     * @return whether every one has stopped
     */
    boolean joinUntil(long deadline) {
        List<Thread> toJoin;
        synchronized (this) {
            toJoin = List.copyOf(created);
        }
        for (Thread thread : toJoin) {
            while (thread.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    thread.join(Duration.ofNanos(left));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return !thread.isAlive() && toJoin.stream().noneMatch(Thread::isAlive);
                }
            }
        }
        return true;
    }

    /** Waits until every stage thread has ended. */
    void joinAll() {
        List<Thread> toJoin;
        synchronized (this) {
            toJoin = List.copyOf(created);
        }
        for (Thread thread : toJoin) {
            joinUninterruptibly(thread);
        }
    }

    /** Waits until {@code thread} has ended; an interrupt meanwhile is kept for the caller, not obeyed. */
    static void joinUninterruptibly(Thread thread) {
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
