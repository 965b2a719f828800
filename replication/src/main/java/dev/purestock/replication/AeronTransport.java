package dev.purestock.replication;

import io.aeron.Aeron;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The Aeron client one side of a pair uses, and the media driver it started, if any. By default an embedded
 * driver in a directory of its own (under {@code /dev/shm} where there is one, a memory file system Aeron's log
 * buffers belong on), removed when it starts and when it closes. The embedded driver runs no thread of its own
 * ({@link ThreadingMode#INVOKER}), and neither does the client's conductor: both do their work in the duty cycle of
 * the side's one replication thread ({@link #driving}), so a side costs one thread, not three, which matters on a
 * small machine where the standby shares the primary's cores. With an external driver directory, the client
 * connects to a driver the user runs, and only its conductor runs on that thread.
 */
final class AeronTransport implements AutoCloseable {
    private final MediaDriver driver;
    private final Aeron aeron;
    private final AgentInvoker driverInvoker;
    private final AgentInvoker conductorInvoker;

    private AeronTransport(MediaDriver driver, Aeron aeron) {
        this.driver = driver;
        this.aeron = aeron;
        this.driverInvoker = driver == null ? null : driver.sharedAgentInvoker();
        this.conductorInvoker = aeron.conductorAgentInvoker();
    }

    /**
     * Connects to the driver in {@code externalDriverDir}, or starts an embedded one when it is {@code null}, in a
     * new directory under {@code embeddedBase} ({@code null}: {@code /dev/shm}, or the temporary directory where
     * there is none) whose name holds {@code name}.
     */
    static AeronTransport start(Path externalDriverDir, Path embeddedBase, String name) {
        MediaDriver driver = null;
        String dir;
        try {
            if (externalDriverDir == null) {
                Path base = embeddedBase != null ? embeddedBase : Files.isDirectory(Path.of("/dev/shm"))
                        ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
                dir = base.resolve("purestock-aeron-" + name + "-" + UUID.randomUUID()).toString();
                driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                        .aeronDirectoryName(dir)
                        .threadingMode(ThreadingMode.INVOKER)
                        .termBufferSparseFile(true)
                        .dirDeleteOnStart(true)
                        .dirDeleteOnShutdown(true));
            } else {
                dir = externalDriverDir.toString();
            }
            Aeron.Context client = new Aeron.Context().aeronDirectoryName(dir).useConductorAgentInvoker(true);
            if (driver != null) {
                // a client call that waits for the driver's answer runs the driver meanwhile
                client.driverAgentInvoker(driver.sharedAgentInvoker());
            }
            Aeron aeron = Aeron.connect(client);
            return new AeronTransport(driver, aeron);
        } catch (RuntimeException e) {
            CloseHelper.quietClose(driver);
            throw new ReplicationException("cannot start Aeron" + (externalDriverDir == null ? " (embedded driver)"
                    : " on the media driver in " + externalDriverDir + "; is it running?") + ": " + e.getMessage(), e);
        }
    }

    /**
     * How the driver's thread and purestock's replication threads wait when idle: spin a little, yield, then park
     * from 1 us up to 100 us. A longer park saves CPU when idle but adds to every hop of a {@code SYNC}
     * acknowledgement, which crosses four idle threads (sender, driver, driver, receiver) and back.
     */
    static IdleStrategy idleStrategy() {
        return new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
    }

    Aeron aeron() {
        return aeron;
    }

    /**
     * Subscribes to {@code stream} on {@code listen}; when the driver cannot bind it (another process uses it), a
     * {@link ReplicationException} that starts with {@code refusal} (who cannot listen where, and the setting that
     * named it) and keeps Aeron's reason, as the builders promise, where Aeron throws its own.
     */
    Subscription listen(Endpoint listen, int stream, String refusal) {
        try {
            return aeron.addSubscription(listen.channel(""), stream);
        } catch (RuntimeException e) {
            throw new ReplicationException(refusal + ": " + e.getMessage(), e);
        }
    }

    /** Does the driver's and the client conductor's pending work; what {@link #driving} calls each duty cycle. */
    int invoke() {
        int work = driverInvoker == null ? 0 : driverInvoker.invoke();
        return work + conductorInvoker.invoke();
    }

    /**
     * Runs {@code task} on a thread of its own, named {@code name}, and returns what it returns (or throws what it
     * throws), running this transport's driver and client conductor on the calling thread, the one that runs them,
     * until it ends: a task that took longer than the client's liveness timeout (10 s by default) on that thread would
     * leave them unserved, and the driver would take the client for dead and the client close itself, its
     * publications and subscriptions with it. {@code eachTurn} runs on the calling thread between turns (what the
     * caller must keep doing meanwhile). An interrupt of the calling thread meanwhile is kept for after.
     */
    <T> T serveWhile(String name, Supplier<T> task, Runnable eachTurn) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().name(name).start(() -> {
            try {
                result.complete(task.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        IdleStrategy idle = idleStrategy();
        boolean interrupted = false;
        while (!result.isDone()) {
            eachTurn.run();
            idle.idle(invoke());
            interrupted |= Thread.interrupted(); // else every park returns at once
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        try {
            return result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failed) {
                throw failed;
            }
            if (e.getCause() instanceof Error failed) {
                throw failed;
            }
            throw e;
        }
    }

    /** {@code agent}, with this transport's driver and client conductor run at the start of each of its duty cycles. */
    Agent driving(Agent agent) {
        return new Agent() {
            @Override
            public void onStart() {
                agent.onStart();
            }

            @Override
            public int doWork() throws Exception {
                return invoke() + agent.doWork();
            }

            @Override
            public void onClose() {
                agent.onClose();
            }

            @Override
            public String roleName() {
                return agent.roleName();
            }
        };
    }

    @Override
    public void close() {
        CloseHelper.closeAll(aeron, driver);
    }
}
