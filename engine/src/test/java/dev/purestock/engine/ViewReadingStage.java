package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.DecidedEvents;
import dev.purestock.domain.Event;

import java.util.List;

/**
 * A journal stage for the allocation tests: it reads the view the engine hands it and keeps nothing, and fails if
 * the engine hands it records instead.
 */
final class ViewReadingStage implements DurabilityStage {
    long lines;

    @Override
    public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch) {
        throw new AssertionError("the engine hands the view");
    }

    @Override
    public void onDecided(long sequence, long time, SubmittedCommand command, DecidedEvents events,
                          boolean endOfBatch) {
        lines += events.lineCount();
    }
}
