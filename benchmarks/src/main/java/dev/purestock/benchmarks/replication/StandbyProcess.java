package dev.purestock.benchmarks.replication;

import dev.purestock.benchmarks.ChildJvm;
import dev.purestock.replication.Standby;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A standby in a JVM of its own, on this machine, started by a benchmark for its primary: the standby's collector,
 * its journal's page faults and its Aeron media driver stay out of the measured JVM, as in production, while both
 * processes share this machine's cores (on a small machine, that sharing is the cost a replicated pair on one host
 * pays). The child runs {@link #main}; it stops when its standard input closes, or once it holds a given sequence.
 */
public final class StandbyProcess implements AutoCloseable {
    /** The line the child prints once it holds the sequence it was asked to reach: {@code caught-up RECORDS NANOS}. */
    static final String CAUGHT_UP = "caught-up";
    private static final Duration STOP_WAIT = Duration.ofSeconds(20);

    private final Process process;
    private final BufferedReader output;

    private StandbyProcess(Process process) {
        this.process = process;
        this.output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /**
     * Starts a standby of the primary at {@code primaryEndpoint} journaling to {@code dir}, in a new JVM with this
     * JVM's class path and module flags.
     *
     * @param untilSequence the sequence after which the child reports {@link #CAUGHT_UP} and stops, or
     *                      {@code -1} to run until {@link #close()}
     * @param log           where the child's standard error (its log) goes
     */
    public static StandbyProcess start(Path dir, String primaryEndpoint, long untilSequence, Path log) {
        List<String> command = ChildJvm.command();
        command.add("-Xms1g");
        command.add("-Xmx1g");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(StandbyProcess.class.getName());
        command.add(dir.toString());
        command.add(primaryEndpoint);
        command.add(Long.toString(untilSequence));
        try {
            return new StandbyProcess(new ProcessBuilder(command).redirectError(log.toFile()).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the standby's JVM: " + command, e);
        }
    }

    /**
     * Waits for the child's {@link #CAUGHT_UP} line.
     *
     * @return the nanoseconds from the standby's start (on the child's side: its JVM up, its empty journal recovered) to holding the
     *         sequence asked for
     * @throws IllegalStateException when the child stopped without reporting it
     */
    public long awaitCaughtUp() throws IOException {
        String line;
        while ((line = output.readLine()) != null) {
            if (line.startsWith(CAUGHT_UP + " ")) {
                return Long.parseLong(line.split(" ")[2]);
            }
        }
        throw new IllegalStateException("the standby's JVM stopped before it caught up (exit "
                + waitForExit() + "); see its log");
    }

    /** Closes the child's standard input, which stops its standby, and waits for it to exit. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(STOP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private int waitForExit() {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * The child: {@code DIR PRIMARY_HOST:PORT UNTIL_SEQUENCE}. Runs a standby until its standard input closes, or,
     * with {@code UNTIL_SEQUENCE >= 0}, until it holds that sequence, printing {@code caught-up RECORDS NANOS}.
     */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long until = Long.parseLong(args[2]);
        try (Standby standby = Standby.builder(dir).primary(args[1]).start()) {
            long started = System.nanoTime();
            if (until >= 0) {
                long first = standby.lastSequence();
                while (!standby.awaitSequence(until, Duration.ofSeconds(1))) {
                    System.err.println(standby.status().describe());
                }
                long nanos = System.nanoTime() - started;
                System.out.printf(Locale.ROOT, "%s %d %d%n", CAUGHT_UP, until - first, nanos);
                System.out.flush();
                return;
            }
            while (System.in.read() >= 0) {
                // the parent writes nothing; end of input is the signal to stop
            }
            System.err.println("standby stops: " + standby.status().describe());
        }
    }
}
