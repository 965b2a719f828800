package dev.purestock.journal;

/** How far a journaled record has travelled before its caller is answered. */
public enum Durability {
    /**
     * The record is in the operating system's page cache (Chronicle Queue writes to memory-mapped files).
     * It survives a crash of the process, not a crash of the machine. The default.
     */
    PAGE_CACHE,
    /**
     * At the end of every batch the journal file is synced to the device ({@code msync}), so every answered
     * record survives a power loss too. Costs a device flush per batch.
     */
    SYNC_PER_BATCH
}
