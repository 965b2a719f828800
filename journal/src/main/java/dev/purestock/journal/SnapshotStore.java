package dev.purestock.journal;

import dev.purestock.domain.InventoryStore;
import dev.purestock.engine.SnapshotWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The snapshots of a journal, in {@code DIR/snapshots}: one file per snapshot
 * ({@code snapshot-<last sequence>.bin}, see {@link SnapshotFile}) and a text {@code manifest} listing the
 * good ones, oldest first, one per line as {@code <last sequence> <time> <file> <bytes>}. A snapshot is
 * written to a temporary file, forced to the device and renamed before the manifest (rewritten the same
 * way) lists it, so the manifest never names a half-written file.
 *
 * <p>As a {@link SnapshotWriter} it is what the engine calls on its snapshot policy; after each snapshot it
 * deletes all but the newest {@code keep}, except that it keeps the newest snapshot the journal has reached
 * while the newest {@code keep} are all ahead of it: the engine cuts a snapshot before its commands are
 * journaled, and if the process dies meanwhile, that older snapshot is the one recovery can use.
 */
public final class SnapshotStore implements SnapshotWriter {
    /** How many snapshots are kept by default: the newest and one to fall back on. */
    public static final int DEFAULT_KEEP = 2;
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);
    private static final String MANIFEST = "manifest";
    private static final String HEADER = "# purestock snapshot manifest v1: last-sequence time file bytes";

    private final Path dir;
    private final int keep;
    private final LongSupplier journaled;

    /** The snapshots of the journal in {@code journalDir}, keeping {@link #DEFAULT_KEEP}. */
    public SnapshotStore(Path journalDir) {
        this(journalDir, DEFAULT_KEEP);
    }

    /** The snapshots of the journal in {@code journalDir}, keeping the newest {@code keep} (at least 1). */
    public SnapshotStore(Path journalDir, int keep) {
        this(journalDir, keep, () -> Long.MAX_VALUE);
    }

    /**
     * The snapshots of the journal in {@code journalDir}, keeping the newest {@code keep} (at least 1) and the
     * newest at or below {@code journaled} (the journal's last written sequence, read after each snapshot).
     */
    public SnapshotStore(Path journalDir, int keep, LongSupplier journaled) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep at least one snapshot, got " + keep);
        }
        this.dir = journalDir.resolve("snapshots");
        this.keep = keep;
        this.journaled = journaled;
    }

    /** A snapshot loaded into a store. */
    public record Loaded(InventoryStore store, SnapshotInfo info) {
    }

    @Override
    public void write(long lastSequence, long time, InventoryStore store) throws IOException {
        writeSnapshot(lastSequence, time, store);
    }

    /**
     * Writes a snapshot, lists it in the manifest and deletes beyond {@code keep} (see the class comment);
     * returns what was listed.
     */
    public synchronized SnapshotInfo writeSnapshot(long lastSequence, long time, InventoryStore store)
            throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(String.format("snapshot-%020d.bin", lastSequence));
        Path temporary = dir.resolve(file.getFileName() + ".tmp");
        long bytes = SnapshotFile.write(temporary, lastSequence, time, store);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory();
        SnapshotInfo info = new SnapshotInfo(lastSequence, time, file, bytes);
        List<SnapshotInfo> listed = new ArrayList<>(list());
        listed.removeIf(s -> s.lastSequence() == lastSequence);
        listed.add(info);
        listed.sort(Comparator.comparingLong(SnapshotInfo::lastSequence));
        writeManifest(listed);
        retainAfterWrite(listed);
        LOG.info("snapshot at sequence {} written to {} ({} bytes)", lastSequence, file, bytes);
        return info;
    }

    /** The snapshots the manifest lists, oldest first; empty when there is none. */
    public synchronized List<SnapshotInfo> list() {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.exists(manifest)) {
            return List.of();
        }
        List<SnapshotInfo> listed = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.trim().split(" ");
                if (fields.length != 4) {
                    throw new JournalCorruptException("snapshot manifest " + manifest + " has a bad line: " + line);
                }
                listed.add(new SnapshotInfo(Long.parseLong(fields[0]), Long.parseLong(fields[1]),
                        dir.resolve(fields[2]), Long.parseLong(fields[3])));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read snapshot manifest " + manifest, e);
        } catch (NumberFormatException e) {
            throw new JournalCorruptException("snapshot manifest " + manifest + " has a bad number: " + e.getMessage());
        }
        return listed;
    }

    /**
     * Loads the newest listed snapshot at or below {@code maxSequence} that passes its checks into a store
     * from {@code stores}, falling back to older ones; each snapshot skipped is reported to {@code skipped}.
     */
    public Optional<Loaded> loadNewest(long maxSequence, Supplier<? extends InventoryStore> stores,
                                       List<String> skipped) {
        List<SnapshotInfo> listed = list();
        for (int i = listed.size() - 1; i >= 0; i--) {
            SnapshotInfo info = listed.get(i);
            if (info.lastSequence() > maxSequence) {
                skipped.add("snapshot at sequence " + info.lastSequence() + " is ahead of the journal (last sequence "
                        + maxSequence + "): its newest commands were never journaled");
                continue;
            }
            InventoryStore store = stores.get();
            try {
                SnapshotFile.Header header = SnapshotFile.load(info.file(), store);
                if (header.lastSequence() != info.lastSequence()) {
                    throw new JournalCorruptException("snapshot " + info.file() + " says sequence "
                            + header.lastSequence() + " but the manifest says " + info.lastSequence());
                }
                return Optional.of(new Loaded(store, info));
            } catch (IOException | RuntimeException e) {
                String reason = "snapshot " + info.file() + " is unusable (" + e.getMessage() + "); falling back";
                LOG.warn(reason);
                skipped.add(reason);
            }
        }
        return Optional.empty();
    }

    private void retainAfterWrite(List<SnapshotInfo> listed) throws IOException {
        List<SnapshotInfo> kept = new ArrayList<>(listed.subList(Math.max(0, listed.size() - keep), listed.size()));
        long reached = journaled.getAsLong();
        if (kept.stream().noneMatch(s -> s.lastSequence() <= reached)) {
            listed.stream().filter(s -> s.lastSequence() <= reached)
                    .reduce((older, newer) -> newer)
                    .ifPresent(kept::add);
        }
        retain(kept);
    }

    /**
     * Removes from the manifest, and deletes, every snapshot above {@code lastJournaled}: the decision stage
     * cuts a snapshot before the journal stage has written the commands it includes, so after a crash a
     * snapshot can hold commands that were never journaled nor answered. Left in place, it would be loaded
     * once the journal has grown past it with other commands at those sequences.
     *
     * @param lastJournaled the journal's last sequence, {@code -1} when it holds no record
     * @return the snapshots removed, oldest first
     */
    public synchronized List<SnapshotInfo> removeAbove(long lastJournaled) throws IOException {
        List<SnapshotInfo> listed = list();
        List<SnapshotInfo> ahead = listed.stream().filter(s -> s.lastSequence() > lastJournaled).toList();
        if (!ahead.isEmpty()) {
            retain(listed.stream().filter(s -> s.lastSequence() <= lastJournaled).toList());
            for (SnapshotInfo s : ahead) {
                LOG.warn("snapshot at sequence {} is ahead of the journal (last sequence {}): its newest commands "
                        + "were never journaled; removed {}", s.lastSequence(), lastJournaled, s.file());
            }
        }
        return ahead;
    }

    /**
     * Whether {@code info}'s file passes its checksum and says the sequence the manifest lists, without
     * loading it; a failure is logged and added to {@code notes}.
     */
    boolean isUsable(SnapshotInfo info, List<String> notes) {
        try {
            SnapshotFile.Header header = SnapshotFile.check(info.file());
            if (header.lastSequence() == info.lastSequence()) {
                return true;
            }
            notes.add("snapshot " + info.file() + " says sequence " + header.lastSequence()
                    + " but the manifest says " + info.lastSequence());
        } catch (IOException | RuntimeException e) {
            notes.add("snapshot " + info.file() + " is unusable (" + e.getMessage() + ")");
        }
        LOG.warn(notes.get(notes.size() - 1));
        return false;
    }

    /**
     * Keeps exactly {@code kept} in the manifest and deletes every other snapshot file.
     *
     * @return {@code kept}, oldest first
     */
    synchronized List<SnapshotInfo> retain(List<SnapshotInfo> kept) throws IOException {
        List<SnapshotInfo> sorted = kept.stream().sorted(Comparator.comparingLong(SnapshotInfo::lastSequence)).toList();
        if (!sorted.equals(list())) {
            writeManifest(sorted);
        }
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    String name = file.getFileName().toString();
                    boolean listedFile = sorted.stream().anyMatch(s -> s.file().getFileName().toString().equals(name));
                    if (name.startsWith("snapshot-") && !listedFile) {
                        Files.deleteIfExists(file);
                    }
                }
            }
        }
        return sorted;
    }

    private void writeManifest(List<SnapshotInfo> listed) throws IOException {
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        for (SnapshotInfo s : listed) {
            text.append(s.lastSequence()).append(' ').append(s.time()).append(' ')
                    .append(s.file().getFileName()).append(' ').append(s.bytes()).append('\n');
        }
        Path temporary = dir.resolve(MANIFEST + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temporary, dir.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        forceDirectory();
    }

    /**
     * Forces the snapshot directory itself to the device, so that a rename just made survives a power loss
     * (without it the manifest could name a file whose rename was lost).
     */
    private void forceDirectory() throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException e) {
            // Some platforms (Windows) refuse to open a directory; there a rename is made durable by the file
            // system itself, and nothing more can be done from Java.
            return;
        }
        try (channel) {
            channel.force(true);
        }
    }
}
