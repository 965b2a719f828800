package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.DecidedEvents;
import dev.purestock.domain.Event;
import dev.purestock.engine.DurabilityStage;
import dev.purestock.engine.SubmittedCommand;
import dev.purestock.journal.JournalWriter;

import java.io.IOException;
import java.util.List;

/**
 * A primary's journal that fails on seq {@code failAt}, as a disk would: it journals every other record through
 * {@code writer}, and on that one first runs {@code beforeFailing} (what the test needs to have happened by then,
 * such as the standby holding the record), then throws.
 */
record FailingJournal(JournalWriter writer, long failAt, BeforeFailing beforeFailing) implements DurabilityStage {
    /** What runs on the failing record's sequence before the journal fails on it. */
    interface BeforeFailing {
        void run(long sequence) throws Exception;
    }

    /** A journal that fails on seq {@code failAt} straight away. */
    FailingJournal(JournalWriter writer, long failAt) {
        this(writer, failAt, sequence -> {
        });
    }

    @Override
    public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch)
            throws Exception {
        failAt(sequence);
        writer.onDecided(sequence, time, command, events, endOfBatch);
    }

    @Override
    public void onDecided(long sequence, long time, SubmittedCommand command, DecidedEvents events,
                          boolean endOfBatch) throws Exception {
        failAt(sequence);
        writer.onDecided(sequence, time, command, events, endOfBatch);
    }

    private void failAt(long sequence) throws Exception {
        if (sequence == failAt) {
            beforeFailing.run(sequence);
            throw new IOException("the journal's disk failed on seq " + sequence);
        }
    }

    @Override
    public void onEndOfBatch() throws Exception {
        writer.onEndOfBatch();
    }

    @Override
    public void close() {
        writer.close();
    }
}
