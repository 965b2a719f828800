package dev.purestock.engine;

import dev.purestock.domain.Command;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code submitAll} publishes its commands run by run, one shard's run after another: a publication that throws part
 * way (an {@link Error} too, memory running out as the refusal of an abandoned wait is built) fails the commands
 * from there on, and the caller still gets every future, those of the commands already published answered by the
 * shards.
 */
class SubmitAllPublicationTest {

    @ParameterizedTest(name = "an Error: {0}")
    @ValueSource(booleans = {false, true})
    void aPublicationThatThrowsPartWayFailsTheCommandsFromThereOnAndReturnsEveryFuture(boolean error) {
        Throwable failure = error ? new OutOfMemoryError("Java heap space") : new IllegalStateException("no room");
        AtomicBoolean failNext = new AtomicBoolean();
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).expireReservationsEvery(Duration.ZERO)
                .publicationFault(EngineFixtures.failingOnceAt(1, failNext, failure)).build()) {
            engine.submit(list(1)).join();
            failNext.set(true);
            List<Command> commands = List.of(receive(1, 1, 0, 5), receive(2, 1, 1, 5), receive(3, 1, 0, 5));
            List<CompletableFuture<Outcome>> futures = assertDoesNotThrow(() -> engine.submitAll(commands),
                    "the caller gets its futures");

            assertTrue(futures.get(0).join().accepted(), "published before the throw: shard 0 answers it");
            for (int i = 1; i < 3; i++) {
                Throwable told = failureOf(futures.get(i));
                assertSame(failure, told.getCause());
                assertEquals("submitAll failed as it submitted command 1 of 3 (" + failure + "); it and the "
                        + "commands after it were not submitted, those before it were", told.getMessage());
            }
            assertEquals(5, engine.readModel().available(1, 0));
            assertEquals(-1, engine.readModel().available(1, 1), "no stock position: shard 1 never got its receipt");
            assertTrue(engine.submitAll(commands).get(2).join().accepted(), "the engine goes on");
        }
    }
}
