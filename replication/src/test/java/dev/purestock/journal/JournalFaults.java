package dev.purestock.journal;

import net.openhft.chronicle.core.time.SystemTimeProvider;

import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * The journal's seam for a full disk ({@code JournalWriter.open} with the file system's room, package-private), for
 * replication's tests of a standby whose journal cannot be written.
 */
public final class JournalFaults {
    private JournalFaults() {
    }

    /**
     * A writer appending to the journal in {@code dir} on a file system with no room left, in documents of at most
     * {@code documentBytes}: records it gathers into a document are taken, and the first document it appends fails,
     * as a full disk makes it, when a record does not fit the one gathered so far.
     */
    public static JournalWriter writerOnAFullDisk(Path dir, int documentBytes) {
        return writerAskingForRoom(dir, documentBytes, () -> 0);
    }

    /**
     * A writer appending to the journal in {@code dir} in documents of at most {@code documentBytes}, that asks
     * {@code room} how many bytes its file system has left: as it appends the first document of a cycle file (on the
     * thread that appends), and as its pretoucher goes (on that one's thread).
     */
    public static JournalWriter writerAskingForRoom(Path dir, int documentBytes, LongSupplier room) {
        return JournalWriter.open(dir, Durability.PAGE_CACHE, JournalQueues.DEFAULT_ROLL_CYCLE,
                SystemTimeProvider.INSTANCE, CycleFileRoom.DEFAULT_WRITES, room).documentBytes(documentBytes);
    }
}
