package dev.purestock.journal;

/** How far a journaled record has travelled before its caller is answered. */
public enum Durability {
    /**
     * The record is in the operating system's page cache (Chronicle Queue writes to memory-mapped files).
     * It survives a crash of the process, not a crash of the machine. The default.
     */
    PAGE_CACHE,
    /**
     * At the end of every batch the journal's cycle file is synced to the device ({@code fdatasync}, through
     * {@code FileChannel.force}: the whole file, not only the chunk Chronicle Queue's own {@code msync} covers)
     * before its callers are answered, so every answered record survives a power loss too. A device that refuses
     * the write-back fails the batch and stops the shard. Costs a device flush per batch, and more for the first
     * batch that ends in each cycle file, which syncs the journal's directory as well (a file's sync does not make
     * the name of a new file durable), and for the first batch after the writer opens, which syncs the journal's
     * high-water mark too.
     */
    SYNC_PER_BATCH
}
