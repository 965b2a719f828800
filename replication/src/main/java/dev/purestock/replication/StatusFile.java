package dev.purestock.replication;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The replication status a running primary or standby leaves beside its journal,
 * {@value #FILE_NAME}, rewritten about once a second, so that another process ({@code purestock status}) can read
 * where it stands: its {@link ReplicationStatus}, when it was written and by which process. Written to a
 * temporary file and moved into place, so a reader never sees half of one.
 */
public final class StatusFile {
    /** The file's name in the journal directory. */
    public static final String FILE_NAME = "purestock-replication.status";
    private static final Logger LOG = LoggerFactory.getLogger(StatusFile.class);
    private static final long EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Path file;
    private long lastWrite;
    private boolean warned;

    StatusFile(Path journalDir) {
        this.file = journalDir.resolve(FILE_NAME);
    }

    /** A status as a reader finds it: what it says, when it was written (epoch milliseconds), by which process. */
    public record Written(ReplicationStatus status, long writtenAt, long pid) {
    }

    /** Whether a second has passed since the last write: check before building the status to write. */
    boolean due(long nowNanos) {
        return lastWrite == 0 || nowNanos - lastWrite >= EVERY_NANOS;
    }

    /**
     * Writes {@code status} now; nothing while the journal's directory does not exist yet (a primary is started
     * before its engine, which creates a new journal's directory as it starts): the next due write makes the file.
     */
    void write(ReplicationStatus status) {
        lastWrite = System.nanoTime();
        if (Files.notExists(file.getParent())) {
            return;
        }
        Properties properties = new Properties();
        properties.setProperty("role", status.role().name());
        if (status.mode() != null) {
            properties.setProperty("mode", status.mode().name());
        }
        properties.setProperty("epoch", Long.toString(status.epoch()));
        properties.setProperty("connected", Boolean.toString(status.connected()));
        properties.setProperty("lastSequence", Long.toString(status.lastSequence()));
        properties.setProperty("peerSequence", Long.toString(status.peerSequence()));
        properties.setProperty("lagRecords", Long.toString(status.lagRecords()));
        properties.setProperty("lagMicros", Long.toString(status.lagMicros()));
        properties.setProperty("degraded", Boolean.toString(status.degraded()));
        properties.setProperty("degradations", Long.toString(status.degradations()));
        properties.setProperty("duplicates", Long.toString(status.duplicates()));
        properties.setProperty("gaps", Long.toString(status.gaps()));
        if (status.failure() != null) {
            properties.setProperty("failure", status.failure());
        }
        properties.setProperty("lastSnapshot", Long.toString(status.lastSnapshot()));
        if (status.snapshotFailure() != null) {
            properties.setProperty("snapshotFailure", status.snapshotFailure());
        }
        properties.setProperty("writtenAt", Long.toString(System.currentTimeMillis()));
        properties.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        try {
            StringWriter text = new StringWriter();
            properties.store(text, "purestock replication status; read it with purestock status");
            Path temp = file.resolveSibling(FILE_NAME + ".tmp");
            Files.writeString(temp, text.toString(), StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            warned = false;
        } catch (IOException | RuntimeException e) {
            if (!warned) {
                LOG.warn("cannot write the replication status to {}: {}", file, e.toString());
                warned = true;
            }
        }
    }

    /**
     * The status last written beside the journal in {@code journalDir}, or {@code null} when none was ever written
     * there (no primary or standby ran on it).
     *
     * @throws UncheckedIOException     when the file cannot be read
     * @throws IllegalArgumentException when it is not a status file
     */
    public static Written read(Path journalDir) {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(journalDir.resolve(FILE_NAME), StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (NoSuchFileException none) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            String mode = properties.getProperty("mode");
            ReplicationStatus status = new ReplicationStatus(
                    ReplicationRole.valueOf(properties.getProperty("role")),
                    mode == null ? null : ReplicationMode.valueOf(mode),
                    number(properties, "epoch"), Boolean.parseBoolean(properties.getProperty("connected")),
                    number(properties, "lastSequence"), number(properties, "peerSequence"),
                    number(properties, "lagRecords"), number(properties, "lagMicros"),
                    Boolean.parseBoolean(properties.getProperty("degraded")), number(properties, "degradations"),
                    number(properties, "duplicates"), number(properties, "gaps"), properties.getProperty("failure"),
                    // absent from a status written before standbys cut snapshots
                    Long.parseLong(properties.getProperty("lastSnapshot", "-1").trim()),
                    properties.getProperty("snapshotFailure"));
            return new Written(status, number(properties, "writtenAt"), number(properties, "pid"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(journalDir.resolve(FILE_NAME) + " is not a replication status file: "
                    + e.getMessage(), e);
        }
    }

    private static long number(Properties properties, String key) {
        String value = properties.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("it has no " + key);
        }
        return Long.parseLong(value.trim());
    }
}
