package dev.purestock.benchmarks.baseline;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.MapInventoryStore;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;

/**
 * The service a team would write without the engine: callers put requests on a bounded
 * {@link ArrayBlockingQueue}, one worker thread takes them and runs the same pure {@code decide} and
 * {@code evolve} over a map store guarded by a lock (deciding into one reused buffer, as the engine's decision
 * stage does, and building the records once for the answer), and each caller gets a {@link CompletableFuture}.
 * It decides exactly what the engine decides (one total order), with no journal, read model or stages.
 */
public final class LockBasedInventoryService implements AutoCloseable {
    private static final Request POISON = new Request(null, null);

    private final BlockingQueue<Request> queue;
    private final MapInventoryStore store = new MapInventoryStore();
    private final EventBuffer events = new EventBuffer();
    private final Thread worker;
    private final LongClock clock;

    /** Time source, so the baseline stamps commands as the engine does. */
    @FunctionalInterface
    public interface LongClock {
        /** Epoch milliseconds. */
        long now();
    }

    private record Request(Command command, CompletableFuture<List<Event>> answer) {
    }

    /** Starts the worker; {@code capacity} bounds the queue like the engine's ring size. */
    public LockBasedInventoryService(int capacity, LongClock clock) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.clock = clock;
        this.worker = Thread.ofPlatform().name("lock-based-baseline").start(this::work);
    }

    /** Queues a command, waiting while the queue is full. */
    public CompletableFuture<List<Event>> submit(Command command) throws InterruptedException {
        CompletableFuture<List<Event>> answer = new CompletableFuture<>();
        queue.put(new Request(command, answer));
        return answer;
    }

    private void work() {
        try {
            for (Request request = queue.take(); request != POISON; request = queue.take()) {
                request.answer().complete(decide(request.command()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized List<Event> decide(Command command) {
        events.clear();
        long now = clock.now();
        Inventory.decide(command, now, store, events);
        Inventory.evolveAll(store, now, events);
        return events.toEvents();
    }

    /** Lets the worker finish what is queued, then stops it. */
    @Override
    public void close() throws InterruptedException {
        queue.put(POISON);
        worker.join();
    }
}
