package dev.purestock.replication;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The standby {@link StandbyKillTest} kills. It runs its own media driver, in the directory the test names (so the
 * test can delete what a killed driver leaves), and a {@link Standby} on it. With a pause sequence of zero or more
 * it stops receiving once it holds that sequence and writes {@code paused SEQ}; then {@code started SEQ}. Each line
 * {@code await SEQ} on its standard input waits for that sequence and answers {@code at SEQ} (its last sequence);
 * each line {@code snapshot SEQ} waits for a snapshot at that sequence or later (it cuts one every 200 records) and
 * answers {@code snapshot SEQ} (its newest), or {@code snapshot -1} and its status when none came; the end of its
 * input closes it.
 *
 * <p>Arguments: journal directory, the primary's {@code HOST:PORT}, Aeron directory, pause sequence ({@code -1}:
 * none).
 */
public final class StandbyChild {
    static final Duration WAIT = Duration.ofSeconds(60);

    private StandbyChild() {
    }

    public static void main(String[] args) throws Exception {
        String aeronDir = args[2];
        long pauseAfter = Long.parseLong(args[3]);
        try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(aeronDir)
                .threadingMode(ThreadingMode.SHARED).sharedIdleStrategy(AeronTransport.idleStrategy())
                .termBufferSparseFile(true).dirDeleteOnStart(true).dirDeleteOnShutdown(true));
             // snapshots every 200 records: kills land while one is cut, and restarts recover from them
             Standby standby = Standby.builder(Path.of(args[0])).primary(args[1]).externalDriver(Path.of(aeronDir))
                     .snapshotEvery(200).start()) {
            if (pauseAfter >= 0) {
                standby.pauseAfter(pauseAfter);
                if (!standby.awaitSequence(pauseAfter, WAIT)) {
                    throw new IllegalStateException("the standby did not reach seq " + pauseAfter);
                }
                say("paused " + standby.lastSequence());
            }
            say("started " + standby.lastSequence());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("await ")) {
                    standby.awaitSequence(Long.parseLong(line.substring("await ".length())), WAIT);
                    say("at " + standby.lastSequence());
                } else if (line.startsWith("snapshot ")) {
                    boolean cut = standby.awaitSnapshot(Long.parseLong(line.substring("snapshot ".length())), WAIT);
                    say("snapshot " + (cut ? standby.status().lastSnapshot() : -1 + " " + standby.status().describe()));
                }
            }
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
