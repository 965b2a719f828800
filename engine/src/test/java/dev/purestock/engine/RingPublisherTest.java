package dev.purestock.engine;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import dev.purestock.domain.Command;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A backlog's time commands published as one command in many slots ({@link RingPublisher#repeated}): what the ring
 * has room for at once, the rest as its last stage frees slots, every slot holding the command and its callback;
 * a timed-out close ends the wait, and a stage thread publishes only what fits. The ring's last stage is played by
 * hand, and a waiter's park never runs out, so only the freed space or the close ends it.
 */
class RingPublisherTest {
    private static final int RING = 16;
    private static final Command TIME_COMMAND = new Command.ExpireReservations(60_000);
    private static final OutcomeViewCallback ANSWER = new OutcomeViewCallback() {
        @Override
        public void onOutcome(OutcomeView outcome) {
        }

        @Override
        public void onFailure(Throwable cause) {
        }
    };

    private final RingBuffer<CommandSlot> ring = RingBuffer.createMultiProducer(CommandSlot::new, RING);
    private final Sequence last = new Sequence(-1);
    private final RingSpace space = new RingSpace(RING, TimeUnit.HOURS.toNanos(1));
    private final Shard shard = new Shard(0, null, ring, space, null, null, List.of(), null);
    private final Intake intake = new Intake();
    private final StageThreads threads = new StageThreads((index, role) -> { });
    private final RingPublisher publisher = new RingPublisher(intake, threads);

    RingPublisherTest() {
        ring.addGatingSequences(last);
    }

    @Test
    void whatFitsGoesInAtOnceAndTheRestAsTheLastStageFreesAQuarterOfTheRing() throws Exception {
        fill(RING - 3);
        CompletableFuture<Integer> published = repeatedOnAnotherThread(9);
        awaitPublished(RING - 1, 1); // the three free slots taken: the ring is full

        free(RING / 4);
        awaitPublished(RING - 1 + RING / 4, 1);
        free(RING / 4);
        assertEquals(9, published.get(1, TimeUnit.MINUTES));
        assertEquals(RING - 3 + 9 - 1, ring.getCursor());
        for (long sequence = RING - 3; sequence <= ring.getCursor(); sequence++) {
            assertSame(TIME_COMMAND, ring.get(sequence).request.command, "slot " + sequence);
            assertSame(ANSWER, ring.get(sequence).request.callback, "slot " + sequence);
        }
    }

    @Test
    void aCloseThatRanOutOfTimeEndsTheWaitWithWhatWasPublished() throws Exception {
        fill(RING - 2);
        CompletableFuture<Integer> published = repeatedOnAnotherThread(5);
        awaitPublished(RING - 1, 1);

        intake.abandon();
        space.abandon();
        assertEquals(2, published.get(1, TimeUnit.MINUTES));
    }

    @Test
    void aStageThreadPublishesWhatFitsAndDoesNotWait() throws Exception {
        fill(RING - 2);
        CompletableFuture<Integer> published = new CompletableFuture<>();
        threads.newThread(() -> published.complete(publisher.repeated(shard, TIME_COMMAND, ANSWER, 5))).start();
        assertEquals(2, published.get(1, TimeUnit.MINUTES));
        assertEquals(RING - 1, ring.getCursor());
    }

    private void fill(int slots) {
        for (int i = 0; i < slots; i++) {
            ring.publish(ring.next());
        }
    }

    /** The last stage passes the next {@code slots} slots and wakes the waiters, as its batch's end does. */
    private void free(int slots) {
        long passed = last.get() + slots;
        last.setVolatile(passed);
        space.passed(passed);
    }

    private CompletableFuture<Integer> repeatedOnAnotherThread(int count) {
        CompletableFuture<Integer> published = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> published.complete(publisher.repeated(shard, TIME_COMMAND, ANSWER,
                count)));
        return published;
    }

    /** Waits until the ring's cursor is {@code cursor} and {@code waiters} publishers wait for space. */
    private void awaitPublished(long cursor, int waiters) {
        while (ring.getCursor() != cursor || space.waiting() != waiters) {
            Thread.onSpinWait();
        }
    }
}
