package dev.purestock.engine;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static dev.purestock.engine.EngineFixtures.list;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code Builder.callbackExecutor} promises that futures complete on the executor, so that their non-async
 * continuations never run on a stage thread: that holds for the futures of {@code snapshot} and {@code digest} as for
 * those of {@code submit}. Each test attaches its continuation while the future is still pending (a stage is held),
 * so the continuation runs where the future completes.
 */
class ControlFuturesExecutorClaimTest {
    private static final String ANSWERS = "test-answers";
    private final ExecutorService executor = Executors.newSingleThreadExecutor(task -> new Thread(task, ANSWERS));

    @AfterEach
    void stopExecutor() {
        executor.shutdownNow();
    }

    @Test
    void aSnapshotsFutureCompletesOnTheCallbackExecutor() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (PurestockEngine engine = PurestockEngine.builder().callbackExecutor(executor)
                .snapshotWriter(shard -> (lastSequence, time, store) -> {
                    writing.countDown();
                    release.await();
                })
                .build()) {
            engine.submit(list(1)).join();
            CompletableFuture<Long> snapshot = engine.snapshot(0);
            writing.await();
            CompletableFuture<String> continuedOn = snapshot.thenApply(sequence -> Thread.currentThread().getName());
            release.countDown();
            assertEquals(ANSWERS, continuedOn.join());
            assertEquals(0L, snapshot.join());
        }
    }

    @Test
    void aDigestsFutureCompletesOnTheCallbackExecutor() throws Exception {
        EngineFixtures.StalledStage journal = new EngineFixtures.StalledStage(new InMemoryJournal());
        try (PurestockEngine engine = PurestockEngine.builder().callbackExecutor(executor).journal(shard -> journal)
                .build()) {
            CompletableFuture<?> listed = engine.submit(list(1));
            journal.awaitStalled();
            CompletableFuture<Long> digest = engine.digest(0);
            CompletableFuture<String> continuedOn = digest.thenApply(value -> Thread.currentThread().getName());
            journal.release();
            listed.join();
            assertEquals(ANSWERS, continuedOn.join());
        }
    }
}
