package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.Inventory;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.purestock.replication.ReplicationTest.SKUS;
import static dev.purestock.replication.ReplicationTest.WAREHOUSE;

/**
 * Producer threads that keep buying one unit at a time, each waiting for its answer, until stopped: the load a
 * primary keeps taking while a test breaks its standby. Records what was accepted, and the last sequence answered.
 */
final class Producers {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong nextId;
    private final AtomicLong lastSequence = new AtomicLong(-1);
    private final AtomicLong answered = new AtomicLong();
    private final Set<Long> accepted = new HashSet<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Throwable> failures = new ArrayList<>();

    private Producers(PurestockEngine engine, int count, long firstId) {
        this.nextId = new AtomicLong(firstId);
        for (int p = 0; p < count; p++) {
            Thread thread = new Thread(() -> produce(engine), "producer-" + p);
            threads.add(thread);
            thread.start();
        }
    }

    /** Starts {@code count} producers on {@code engine}, with order ids from {@code firstId} on. */
    static Producers start(PurestockEngine engine, int count, long firstId) {
        return new Producers(engine, count, firstId);
    }

    private void produce(PurestockEngine engine) {
        try {
            while (running.get()) {
                long id = nextId.getAndIncrement();
                Outcome outcome = engine.submit(new Command.Purchase(id, id % 997, 1 + id % SKUS, WAREHOUSE, 1)).join();
                lastSequence.accumulateAndGet(outcome.sequence(), Math::max);
                answered.incrementAndGet();
                if (!Inventory.anyRejected(outcome.events())) {
                    synchronized (accepted) {
                        accepted.add(id);
                    }
                }
            }
        } catch (CompletionException | IllegalStateException e) {
            synchronized (failures) {
                failures.add(e);
            }
        }
    }

    /** Purchases answered so far. */
    long answered() {
        return answered.get();
    }

    /** Stops the producers and waits for them; the last sequence answered. */
    long stop() throws InterruptedException {
        running.set(false);
        for (Thread thread : threads) {
            thread.join();
        }
        synchronized (failures) {
            if (!failures.isEmpty()) {
                AssertionError error = new AssertionError("a producer's purchase failed");
                failures.forEach(error::addSuppressed);
                throw error;
            }
        }
        return lastSequence.get();
    }

    /** The order ids of the purchases accepted (and so answered); call after {@link #stop()}. */
    Set<Long> accepted() {
        synchronized (accepted) {
            return new HashSet<>(accepted);
        }
    }
}
