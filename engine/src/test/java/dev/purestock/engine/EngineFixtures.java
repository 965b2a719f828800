package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import java.util.function.LongFunction;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** Small pieces the engine tests share. */
final class EngineFixtures {
    private EngineFixtures() {
    }

    /**
     * The ring's slots for a {@link DecisionHandler} driven by hand, slot by slot with no batch started: it never
     * reads ahead then, and this says so if it does.
     */
    static final LongFunction<CommandSlot> NO_RING = ringSequence -> {
        throw new AssertionError("the decision stage read ring sequence " + ringSequence + " ahead outside a batch");
    };

    static Command list(long sku) {
        return new Command.ListProduct(sku, 0);
    }

    static Command receive(long movementId, long sku, int warehouse, long quantity) {
        return new Command.ReceiveStock(movementId, sku, warehouse, quantity);
    }

    static Command purchase(long orderId, long sku, int warehouse) {
        return new Command.Purchase(orderId, orderId % 100, sku, warehouse, 1);
    }

    /** Throws {@code failure}, an {@link Error} or a {@link RuntimeException}: what a test's fault seam throws. */
    static void rethrow(Throwable failure) {
        if (failure instanceof Error e) {
            throw e;
        }
        throw (RuntimeException) failure;
    }

    /**
     * A publication fault ({@link PurestockEngine.Builder#publicationFault}) that throws {@code failure} at
     * {@code shard} once {@code armed} is set, which it clears.
     */
    static IntConsumer failingOnceAt(int shard, AtomicBoolean armed, Throwable failure) {
        return at -> {
            if (at == shard && armed.getAndSet(false)) {
                rethrow(failure);
            }
        };
    }

    /** The exception a future failed with, unwrapped. */
    static Throwable failureOf(CompletableFuture<?> future) {
        ExecutionException e = assertThrows(ExecutionException.class, future::get);
        return e.getCause();
    }

    /**
     * A durability stage that blocks on its first command until {@link #release()}, and signals when it has
     * reached that point; afterwards it forwards to {@code next}.
     */
    static final class StalledStage implements DurabilityStage {
        private final DurabilityStage next;
        private final CountDownLatch reached = new CountDownLatch(1);
        private final Semaphore permit = new Semaphore(0);
        private boolean stalled;

        StalledStage(DurabilityStage next) {
            this.next = next;
        }

        @Override
        public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch)
                throws Exception {
            if (!stalled) {
                stalled = true;
                reached.countDown();
                permit.acquire();
            }
            next.onDecided(sequence, time, command, events, endOfBatch);
        }

        void awaitStalled() throws InterruptedException {
            reached.await();
        }

        void release() {
            permit.release();
        }

        @Override
        public void close() throws Exception {
            next.close();
        }
    }

    /**
     * A view callback (the garbage-free answer path) that copies the outcome into a future, so tests can read the
     * view and still wait.
     */
    static final class ViewCallback implements OutcomeViewCallback {
        final CompletableFuture<Outcome> future = new CompletableFuture<>();

        @Override
        public void onOutcome(OutcomeView outcome) {
            future.complete(outcome.toOutcome());
        }

        @Override
        public void onFailure(Throwable cause) {
            future.completeExceptionally(cause);
        }
    }

    /** A callback that completes a future, so tests can use the callback path and still wait. */
    static final class FutureCallback implements OutcomeCallback {
        final CompletableFuture<Outcome> future = new CompletableFuture<>();

        @Override
        public void onOutcome(int shard, long sequence, long time, List<Event> events) {
            future.complete(new Outcome(shard, sequence, time, events));
        }

        @Override
        public void onFailure(Throwable cause) {
            future.completeExceptionally(cause);
        }
    }
}
