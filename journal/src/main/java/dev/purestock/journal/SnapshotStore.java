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
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
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
 * while the newest {@code keep} are all ahead of it: the engine's snapshot stage runs in parallel with the
 * journal, so a snapshot may be written before its commands are journaled, and if the process dies
 * meanwhile, that older snapshot is the one recovery can use.
 *
 * <p><b>Notes.</b> What it finds wrong (a damaged manifest line, a snapshot that fails its checks, one set aside) is a
 * note, said once: handed to the caller that asked (a list of notes, or {@link SetAside}), which reports it, and logged
 * at WARN only where no caller receives it ({@link #list()}, and {@link #writeSnapshot}, which the engine's snapshot
 * stage calls).
 */
public final class SnapshotStore implements SnapshotWriter {
    /** How many snapshots are kept by default: the newest and one to fall back on. */
    public static final int DEFAULT_KEEP = 2;
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);
    private static final String MANIFEST = "manifest";
    /** The start of the name of a folder {@link #setAsideAbove} moves snapshots to, in this directory. */
    static final String AHEAD = "ahead-";
    /** The start of the name of a folder the snapshot files a damaged manifest line may have named go to. */
    static final String UNLISTED = "unlisted-";
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
     * returns what was listed. A snapshot the manifest already lists at {@code lastSequence} and {@code time}
     * whose file passes its checks is left as it is and returned: the state after one sequence is one state, and
     * replacing the file (of another size when an older format wrote it) before the manifest lists the new size
     * would leave, on a crash or a failed manifest write between the two, a listed snapshot that no longer loads,
     * which a pruned journal cannot do without. One that does not pass is taken out of the manifest first, and
     * logged at WARN, as no caller receives a note from here (the engine's snapshot stage takes none; see
     * {@link #writeSnapshot(long, long, InventoryStore, List)}).
     */
    public SnapshotInfo writeSnapshot(long lastSequence, long time, InventoryStore store) throws IOException {
        List<String> notes = new ArrayList<>();
        try {
            return writeSnapshot(lastSequence, time, store, notes);
        } finally {
            notes.forEach(LOG::warn);
        }
    }

    /**
     * Writes a snapshot as {@link #writeSnapshot(long, long, InventoryStore)} does, but describes in {@code notes},
     * without logging it, each damaged manifest line and the unusable snapshot it replaces: for a caller that reports
     * them itself, as {@code purestock snapshot} does after the recovery that named that snapshot already.
     */
    public synchronized SnapshotInfo writeSnapshot(long lastSequence, long time, InventoryStore store,
                                                   List<String> notes) throws IOException {
        Directories.createDurably(dir);
        List<SnapshotInfo> before = new ArrayList<>(list(notes));
        Optional<SnapshotInfo> same = before.stream().filter(s -> s.lastSequence() == lastSequence).findFirst();
        if (same.isPresent()) {
            boolean usable = same.get().time() == time && isUsable(same.get(), notes);
            if (usable) {
                LOG.info("snapshot at sequence {} is already listed ({}); left as it is", lastSequence,
                        same.get().file());
                retainAfterWrite(before);
                return same.get();
            }
            before.remove(same.get());
            retain(before);
        }
        Path file = dir.resolve(fileName(lastSequence));
        Path temporary = dir.resolve(file.getFileName() + ".tmp");
        long bytes;
        try {
            bytes = SnapshotFile.write(temporary, lastSequence, time, store);
        } catch (IOException | RuntimeException | Error e) {
            // a write cut short (a full disk) must not leave its part behind: it would hold the space the journal
            // needs, until the next snapshot or prune
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException notDeleted) {
                e.addSuppressed(notDeleted);
            }
            throw e;
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory();
        SnapshotInfo info = new SnapshotInfo(lastSequence, time, file, bytes);
        List<SnapshotInfo> listed = new ArrayList<>(listAgain());
        listed.removeIf(s -> s.lastSequence() == lastSequence);
        listed.add(info);
        listed.sort(Comparator.comparingLong(SnapshotInfo::lastSequence));
        writeManifest(listed);
        retainAfterWrite(listed);
        LOG.info("snapshot at sequence {} written to {} ({} bytes)", lastSequence, file, bytes);
        return info;
    }

    /**
     * The snapshots the manifest lists, oldest first; empty when there is none. A damaged line is left out and logged
     * at WARN, as no caller receives a note from here (see {@link #list(List)}).
     */
    public List<SnapshotInfo> list() {
        List<String> damaged = new ArrayList<>();
        List<SnapshotInfo> listed = list(damaged);
        damaged.forEach(LOG::warn);
        return listed;
    }

    /**
     * The snapshots the manifest lists, as {@link #list()}, but a damaged line is left out without a word: for a
     * caller that has read the manifest, and reported its damaged lines, already.
     */
    List<SnapshotInfo> listAgain() {
        return list(new ArrayList<>());
    }

    /**
     * The snapshots the manifest lists, oldest first, each once. A line that does not read as
     * {@code <last sequence> <time> snapshot-<last sequence, 20 digits>.bin <bytes>} is damaged: it is left
     * out and described in {@code notes} (not logged: the caller reports it), and the snapshot it named is not used
     * (the manifest has no checksum of its own; each field a good line holds is checked against the file before it
     * is loaded); its file is kept, moved aside by the next rewrite ({@link #retain}).
     */
    public synchronized List<SnapshotInfo> list(List<String> notes) {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.exists(manifest)) {
            return List.of();
        }
        String text;
        try {
            text = new String(Files.readAllBytes(manifest), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read snapshot manifest " + manifest, e);
        }
        List<SnapshotInfo> listed = new ArrayList<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i == 0 && line.equals(HEADER)) {
                continue;
            }
            SnapshotInfo info = parse(line);
            if (info == null) {
                String note = "snapshot manifest " + manifest + " line " + (i + 1) + " is damaged ("
                        + printable(line) + "); the snapshot it named is not used, and the next rewrite of the "
                        + "manifest moves every snapshot file it lists on no good line to " + dir.resolve(UNLISTED)
                        + "<time>, never deleting it: mend the line and move the file back to use it";
                notes.add(note);
            } else if (!listed.contains(info)) {
                listed.add(info);
            }
        }
        listed.sort(Comparator.comparingLong(SnapshotInfo::lastSequence));
        return listed;
    }

    private SnapshotInfo parse(String line) {
        String[] fields = line.split(" ", -1);
        if (fields.length != 4) {
            return null;
        }
        try {
            long lastSequence = Long.parseLong(fields[0]);
            long time = Long.parseLong(fields[1]);
            long bytes = Long.parseLong(fields[3]);
            if (lastSequence < 0 || bytes < 0 || !fields[2].equals(fileName(lastSequence))) {
                return null;
            }
            return new SnapshotInfo(lastSequence, time, dir.resolve(fields[2]), bytes);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String fileName(long lastSequence) {
        return String.format("snapshot-%020d.bin", lastSequence);
    }

    private static String printable(String line) {
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < line.length() && i < 120; i++) {
            char c = line.charAt(i);
            shown.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return "\"" + shown + (line.length() > 120 ? "..." : "") + "\"";
    }

    /**
     * Loads the newest listed snapshot at or below {@code maxSequence} that passes its checks into a store
     * from {@code stores}, falling back to older ones; each snapshot skipped, and each damaged manifest line, is
     * described in {@code skipped} (and not logged: the caller reports it). A snapshot passes when its file has the
     * size the manifest lists, passes its checksum and every check of {@link SnapshotFile#load}, and its header says
     * the sequence and time the manifest lists.
     */
    public Optional<Loaded> loadNewest(long maxSequence, Supplier<? extends InventoryStore> stores,
                                       List<String> skipped) {
        return loadNewest(maxSequence, Long.MAX_VALUE, false, stores, skipped);
    }

    /**
     * Loads the newest listed snapshot that passes its checks and holds no command after a point in time: its
     * last sequence at or below {@code maxSequence} and its time at or below {@code maxTime}, falling back to
     * older ones as {@link #loadNewest(long, Supplier, List)} does. Snapshots after the point are passed over
     * without a note: they are not wrong, only later than the state asked for.
     */
    Optional<Loaded> loadNewestUntil(long maxSequence, long maxTime, Supplier<? extends InventoryStore> stores,
                                     List<String> skipped) {
        return loadNewest(maxSequence, maxTime, true, stores, skipped);
    }

    private Optional<Loaded> loadNewest(long maxSequence, long maxTime, boolean bounded,
                                        Supplier<? extends InventoryStore> stores, List<String> skipped) {
        List<SnapshotInfo> listed = list(skipped);
        for (int i = listed.size() - 1; i >= 0; i--) {
            SnapshotInfo info = listed.get(i);
            if (bounded && (info.lastSequence() > maxSequence || info.time() > maxTime)) {
                continue;
            }
            if (info.lastSequence() > maxSequence) {
                skipped.add("snapshot at sequence " + info.lastSequence() + " is ahead of the journal (last sequence "
                        + maxSequence + "): its newest commands were never journaled");
                continue;
            }
            InventoryStore store = stores.get();
            try {
                loadListed(info, store);
                return Optional.of(new Loaded(store, info));
            } catch (IOException | RuntimeException e) {
                skipped.add("snapshot " + info.file() + " is unusable (" + describe(e) + "); falling back");
            }
        }
        return Optional.empty();
    }

    /**
     * Loads the listed snapshot {@code info} into {@code store} if it passes its checks (see
     * {@link #loadNewest(long, Supplier, List)}); returns its header.
     *
     * @throws IOException             when the file cannot be read (or is missing)
     * @throws JournalCorruptException when it fails a check
     */
    static SnapshotFile.Header loadListed(SnapshotInfo info, InventoryStore store) throws IOException {
        requireListedSize(info);
        SnapshotFile.Header header = SnapshotFile.load(info.file(), store);
        requireListed(info, header);
        return header;
    }

    private static void requireListedSize(SnapshotInfo info) throws IOException {
        long size = Files.size(info.file());
        if (size != info.bytes()) {
            throw new JournalCorruptException("snapshot " + info.file() + " is " + size + " bytes but the manifest "
                    + "lists " + info.bytes());
        }
    }

    private static void requireListed(SnapshotInfo info, SnapshotFile.Header header) {
        if (header.lastSequence() != info.lastSequence() || header.time() != info.time()) {
            throw new JournalCorruptException("snapshot " + info.file() + " says sequence " + header.lastSequence()
                    + " time " + header.time() + " but the manifest lists sequence " + info.lastSequence() + " time "
                    + info.time());
        }
    }

    /** Why a snapshot is unusable, as a note says it. */
    static String describe(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "the file is missing";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
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
     * A snapshot {@link #setAsideAbove} took out of the manifest.
     *
     * @param lastSequence the snapshot's last sequence
     * @param note         where its file went, and why: {@code moved snapshot-<seq>.bin to <folder>: <why>}, or where
     *                     an earlier call left it, or that it was missing
     */
    record SetAside(long lastSequence, String note) {
    }

    /**
     * Takes every snapshot above {@code lastJournaled} out of the manifest and moves its file to
     * {@code DIR/snapshots/ahead-<time>/}, never deleting it: the snapshot stage runs in parallel with the journal
     * stage and may write a snapshot before the journal has written the commands it includes, so after a crash a
     * snapshot can hold commands that were never journaled nor answered. Left listed, it would be loaded once the
     * journal has grown past it with other commands at those sequences. Yet with {@link Durability#PAGE_CACHE} a power
     * loss can keep the snapshot (written and synced) and lose the journal's newest records, acknowledged ones among
     * them: the file set aside is then the only copy of that state, for an operator to look at.
     *
     * <p>Crash-safe order: the files move first, newest first, the folder and this directory are forced, and the
     * manifest is rewritten without them last. Killed between, the manifest lists snapshots whose files are in an
     * {@code ahead-} folder: ahead of the journal, recovery never loads them, and the next call finds each file there,
     * says where, and takes it out of the manifest. Nothing else here ({@link #retain}, the pruner) deletes or lists
     * what is in such a folder.
     *
     * <p>A damaged manifest line goes too: the manifest is rewritten without it (as every rewrite does), and
     * {@code damaged} describes it, so that a writer starts from a manifest that holds none.
     *
     * @param lastJournaled the journal's last sequence, {@code -1} when it holds no record
     * @param why           why the snapshots go, ending each note
     * @param damaged       where each damaged manifest line taken out is described
     * @return the snapshots taken out of the manifest, oldest first, each with its note (not logged: the caller
     *     reports it)
     */
    synchronized List<SetAside> setAsideAbove(long lastJournaled, String why, List<String> damaged,
                                              JournalRepair.Steps steps) throws IOException {
        List<String> lines = new ArrayList<>();
        List<SnapshotInfo> listed = list(lines);
        List<SnapshotInfo> ahead = listed.stream().filter(s -> s.lastSequence() > lastJournaled).toList();
        if (ahead.isEmpty() && lines.isEmpty()) {
            return List.of();
        }
        damaged.addAll(lines);
        List<SetAside> done = new ArrayList<>();
        Path aside = dir.resolve(AHEAD + JournalRepair.ASIDE.format(Instant.now()));
        boolean moved = false;
        for (SnapshotInfo s : ahead.reversed()) {
            String name = s.file().getFileName().toString();
            String note;
            if (Files.exists(s.file())) {
                steps.before("set aside " + name);
                Directories.createDurably(aside);
                Files.move(s.file(), aside.resolve(name), StandardCopyOption.ATOMIC_MOVE);
                moved = true;
                note = "moved " + name + " to " + aside + ": " + why;
            } else {
                Optional<Path> earlier = setAsideEarlier(s);
                note = earlier.map(folder -> name + " was already in " + folder + ", moved there by a start (or prune, "
                        + "snapshot, truncate) stopped before it rewrote the manifest: " + why)
                        .orElse(name + ", listed in the manifest, is missing (in no " + AHEAD + "folder either): "
                                + why);
            }
            done.add(new SetAside(s.lastSequence(), note));
        }
        if (moved) {
            Directories.force(aside);
            forceDirectory();
        }
        steps.before("rewrite the manifest");
        retain(listed.stream().filter(s -> s.lastSequence() <= lastJournaled).toList());
        return done.reversed();
    }

    /** The newest {@code ahead-} folder holding {@code info}'s file at the size the manifest lists, if any. */
    private Optional<Path> setAsideEarlier(SnapshotInfo info) throws IOException {
        List<Path> folders;
        try (var entries = Files.list(dir)) {
            folders = entries.filter(p -> p.getFileName().toString().startsWith(AHEAD) && Files.isDirectory(p))
                    .sorted(Comparator.reverseOrder()).toList();
        }
        for (Path folder : folders) {
            Path file = folder.resolve(info.file().getFileName());
            if (Files.isRegularFile(file) && Files.size(file) == info.bytes()) {
                return Optional.of(folder);
            }
        }
        return Optional.empty();
    }

    /**
     * Whether {@code info}'s file passes its checksum and says the sequence the manifest lists, without
     * loading it; a failure is described in {@code notes} (not logged: the caller reports it).
     */
    boolean isUsable(SnapshotInfo info, List<String> notes) {
        try {
            requireListedSize(info);
            requireListed(info, SnapshotFile.check(info.file()));
            return true;
        } catch (IOException | RuntimeException e) {
            notes.add("snapshot " + info.file() + " is unusable (" + describe(e) + ")");
            return false;
        }
    }

    /**
     * Keeps exactly {@code kept} in the manifest and deletes every other snapshot file. A damaged manifest line goes
     * too, without a word: every caller has read the manifest, and reported it, first. The snapshot file it named is
     * not deleted: the rewrite moves it aside ({@link #writeManifest}).
     *
     * @return {@code kept}, oldest first
     */
    synchronized List<SnapshotInfo> retain(List<SnapshotInfo> kept) throws IOException {
        List<SnapshotInfo> sorted = kept.stream().sorted(Comparator.comparingLong(SnapshotInfo::lastSequence)).toList();
        List<String> damaged = new ArrayList<>();
        if (!sorted.equals(list(damaged)) || !damaged.isEmpty()) {
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

    /**
     * Moves every snapshot file that none of {@code listed} names to {@code DIR/snapshots/unlisted-<time>/}, never
     * deleting it: what a rewrite does, for the files neither the manifest's good lines nor the rewritten manifest
     * name, before it drops the manifest's damaged lines, as a damaged line may have named one of them, and on a
     * pruned journal that one may hold the only state before the journal's first record (or the one a fall back past
     * a new snapshot ahead of the journal needs). Mending the line and moving the file back makes it usable again.
     * The files move before the manifest is rewritten, so a kill in between leaves them aside and the damaged line
     * still there.
     */
    private void setAsideUnlisted(List<SnapshotInfo> listed) throws IOException {
        Path aside = dir.resolve(UNLISTED + JournalRepair.ASIDE.format(Instant.now()));
        boolean moved = false;
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (name.startsWith("snapshot-") && name.endsWith(".bin")
                        && listed.stream().noneMatch(s -> s.file().getFileName().toString().equals(name))) {
                    Directories.createDurably(aside);
                    Files.move(file, aside.resolve(name), StandardCopyOption.ATOMIC_MOVE);
                    moved = true;
                }
            }
        }
        if (moved) {
            Directories.force(aside);
            forceDirectory();
        }
    }

    /**
     * Rewrites the manifest to list exactly {@code listed}, which drops its damaged lines; while it holds one, every
     * snapshot file that neither a good line nor {@code listed} names is moved aside first ({@link #setAsideUnlisted}),
     * never deleted.
     */
    private void writeManifest(List<SnapshotInfo> listed) throws IOException {
        List<String> damaged = new ArrayList<>();
        List<SnapshotInfo> named = new ArrayList<>(list(damaged));
        if (!damaged.isEmpty()) {
            // a file the manifest lists now and the rewrite does not is retired, deleted once it is no longer listed
            named.addAll(listed);
            setAsideUnlisted(named);
        }
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
        Directories.force(dir);
    }
}
