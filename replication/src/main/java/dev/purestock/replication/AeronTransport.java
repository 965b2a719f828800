package dev.purestock.replication;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The Aeron client one side of a pair uses, and the media driver it started, if any. By default an embedded
 * driver in a directory of its own (under {@code /dev/shm} where there is one, a memory file system Aeron's log
 * buffers belong on), removed when it starts and when it closes; its conductor, sender and receiver share one
 * thread ({@link ThreadingMode#SHARED}) that backs off when idle, which suits small machines. With an external
 * driver directory, the client connects to a driver the user runs.
 */
final class AeronTransport implements AutoCloseable {
    private final MediaDriver driver;
    private final Aeron aeron;

    private AeronTransport(MediaDriver driver, Aeron aeron) {
        this.driver = driver;
        this.aeron = aeron;
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
                        .threadingMode(ThreadingMode.SHARED)
                        .sharedIdleStrategy(idleStrategy())
                        .termBufferSparseFile(true)
                        .dirDeleteOnStart(true)
                        .dirDeleteOnShutdown(true));
            } else {
                dir = externalDriverDir.toString();
            }
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir));
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

    @Override
    public void close() {
        CloseHelper.closeAll(aeron, driver);
    }
}
