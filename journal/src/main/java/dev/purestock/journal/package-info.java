/**
 * The journal: every sequenced command and its events, in a Chronicle Queue, in one record layout
 * ({@link dev.purestock.journal.JournalRecordDescriptor}); the journal stage that writes it
 * ({@link dev.purestock.journal.JournalWriter}); snapshots ({@link dev.purestock.journal.SnapshotStore}); and
 * recovery, replay, verification and statistics over a journal directory.
 */
package dev.purestock.journal;
