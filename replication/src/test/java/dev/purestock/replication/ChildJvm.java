package dev.purestock.replication;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A child JVM for the fault tests: started with this JVM's module flags and class path, its standard error in a log
 * file, its standard output read line by line as it comes. A line {@code +ID} says the child's engine accepted and
 * answered purchase {@code ID}, {@code -ID} that it answered it with a rejection; every other line is a message
 * ({@link #awaitMessage}). The pipe keeps what the child wrote before it was killed, so once {@link #kill} returns
 * {@link #acknowledged()} lists exactly what the child acknowledged.
 */
final class ChildJvm implements AutoCloseable {
    private static final String END = "\u0000end of output";

    private final Process process;
    private final Path log;
    private final Thread reader;
    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    /** Guarded by {@code this}, as are {@link #answered} and {@link #ended}. */
    private final Set<Long> acknowledged = new HashSet<>();
    private long answered;
    private boolean ended;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.reader = new Thread(this::read, "child-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code main} with {@code arguments}, its standard error in {@code log}. */
    static ChildJvm start(Class<?> main, Path log, String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("--") || argument.startsWith("-Dchronicle")) {
                command.add(argument);
            }
        }
        command.addAll(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        return new ChildJvm(process, log);
    }

    /**
     * A new directory for embedded Aeron media drivers, under {@code /dev/shm} where there is one; a child killed
     * with SIGKILL leaves its driver's files there, so the test deletes it with {@link #deleteTree} afterwards.
     */
    static Path aeronBase(String test) {
        Path shm = Path.of("/dev/shm");
        return (Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")))
                .resolve("purestock-" + test + "-" + UUID.randomUUID());
    }

    /** Deletes {@code dir} and everything under it, if it exists. */
    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.US_ASCII))) {
            String line;
            while ((line = in.readLine()) != null) {
                onLine(line);
            }
        } catch (IOException e) {
            messages.add("the child's output failed: " + e);
        } finally {
            synchronized (this) {
                ended = true;
                notifyAll();
            }
            messages.add(END);
        }
    }

    private void onLine(String line) {
        if (line.length() > 1 && (line.charAt(0) == '+' || line.charAt(0) == '-')
                && line.chars().skip(1).allMatch(Character::isDigit)) {
            long id = Long.parseLong(line, 1, line.length(), 10);
            synchronized (this) {
                answered++;
                if (line.charAt(0) == '+') {
                    acknowledged.add(id);
                }
                notifyAll();
            }
        } else {
            messages.add(line);
        }
    }

    /** Waits for the next message that starts with {@code prefix}, skipping others; the rest of its line. */
    String awaitMessage(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String message = messages.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (message == null) {
                fail("the child said no \"" + prefix + "\" within " + timeout + "; " + logTail());
            }
            if (message == END) {
                fail("the child's output ended before it said \"" + prefix + "\"; " + logTail());
            }
            if (message.startsWith(prefix)) {
                return message.substring(prefix.length());
            }
        }
    }

    /** Waits until the child answered {@code count} purchases (accepted or rejected). */
    synchronized void awaitAnswered(long count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (answered < count) {
            long left = deadline - System.nanoTime();
            if (ended || left <= 0) {
                fail("the child answered " + answered + " purchases, not " + count + (ended ? ", and its output ended"
                        : " within " + timeout) + "; " + logTail());
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Sends the child one line on its standard input. */
    void send(String line) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        in.flush();
    }

    /** Closes the child's standard input (children here take that as "close and exit"); its exit status. */
    int awaitExitAfterInputClosed(Duration timeout) throws IOException, InterruptedException {
        process.getOutputStream().close();
        assertTrue(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS), "the child exited; " + logTail());
        reader.join(timeout.toMillis());
        return process.exitValue();
    }

    /** Kills the child with SIGKILL and reads the rest of what it wrote before it died. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the killed child is gone");
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertTrue(!reader.isAlive(), "the killed child's output ended");
    }

    /** The purchases the child acknowledged (answered as accepted) so far. */
    synchronized Set<Long> acknowledged() {
        return new HashSet<>(acknowledged);
    }

    /** The purchases the child answered so far, accepted or rejected. */
    synchronized long answered() {
        return answered;
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return "the end of its log " + log + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 30),
                    lines.size()));
        } catch (IOException e) {
            return "its log " + log + " cannot be read: " + e;
        }
    }

    /** Kills the child if it still runs (a test that failed half-way). */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
