package dev.purestock.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * Creates an engine's stage threads, tells its {@link StageThreadListener} when each starts, lets
 * {@code build()} wait until all have, and joins them on close, so a closed engine leaves none behind. Each stage
 * names its thread by shard and role when it starts ({@link #begin}: {@code purestock-shard-0-decide}).
 */
final class StageThreads implements ThreadFactory {
    private final StageThreadListener listener;
    private final Consumer<Thread> starting;
    private final List<Thread> created = new ArrayList<>();
    private int expected;
    private int started;
    private IllegalStateException startFailure;

    /** {@code listener} may be {@code null}. */
    StageThreads(StageThreadListener listener) {
        this(listener, thread -> {
        });
    }

    /**
     * {@code listener} may be {@code null}; {@code starting} is called with each stage thread as it is started, on
     * the starting thread, and may throw in its place: for tests of a thread the JVM cannot start (an
     * {@link OutOfMemoryError}, "unable to create native thread").
     */
    StageThreads(StageThreadListener listener, Consumer<Thread> starting) {
        this.listener = listener;
        this.starting = starting;
    }

    /** A thread that runs one stage of one of this engine's shards. */
    private static final class StageThread extends Thread {
        private final StageThreads owner;

        StageThread(StageThreads owner, Runnable stage, String name) {
            super(stage, name);
            this.owner = owner;
        }

        @Override
        public void start() {
            owner.starting.accept(this);
            super.start();
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
        counted(failure == null ? null : new IllegalStateException("the stage thread listener "
                + "(Builder.onStageThreadStart) threw on " + Thread.currentThread().getName() + ": " + failure
                + "; the engine was closed and not built", failure));
    }

    /**
     * An expected thread could not be started ({@code thread}, named by its role): counted as if it had started,
     * so that {@link #awaitStarted} does not wait for it for ever, and reported by it.
     */
    void notStarted(String thread, Throwable cause) {
        counted(new IllegalStateException("the stage thread " + thread + " could not be started (" + cause
                + "); the engine was closed and not built", cause));
    }

    /** One expected thread reported, with the failure it brings ({@code null}: none); keeps the first failure. */
    private synchronized void counted(IllegalStateException failure) {
        if (startFailure == null) {
            startFailure = failure;
        }
        started++;
        notifyAll();
    }

    /**
     * Waits until every expected thread has started (an interrupt is kept for the caller, not obeyed).
     *
     * @return the first failure, the listener's or a thread's that could not be started, as an exception naming
     *     the thread, or {@code null}
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
        return startFailure;
    }

    /** The names of the stage threads still alive, in the order they were created. */
    synchronized List<String> liveNames() {
        return created.stream().filter(Thread::isAlive).map(Thread::getName).toList();
    }

    /**
     * Joins every stage thread, giving up at {@code deadline} ({@link System#nanoTime()}); an interrupt meanwhile is
     * kept for the caller, not obeyed.
     *
     * @return whether every one has stopped
     */
    boolean joinUntil(long deadline) {
        List<Thread> toJoin;
        synchronized (this) {
            toJoin = List.copyOf(created);
        }
        for (Thread thread : toJoin) {
            if (!joinUninterruptibly(thread, deadline)) {
                return false;
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

    /**
     * Waits until {@code thread} has ended, giving up at {@code deadline} ({@link System#nanoTime()}); an interrupt
     * meanwhile (or before: a close on a thread left interrupted) is kept for the caller, not obeyed.
     *
     * @return whether it has ended
     */
    static boolean joinUninterruptibly(Thread thread, long deadline) {
        boolean interrupted = false;
        try {
            while (thread.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    thread.join(Duration.ofNanos(left));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
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
