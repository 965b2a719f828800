package dev.purestock.engine;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stage behind {@link DependentStageBarrier} sees every slot, in order, only after the stage before it has
 * passed it, with many producers racing to publish; and it stops when the ring is halted: waiting with the
 * ring's strategy, and parked between the signals of a {@link StageSignal}.
 */
class DependentStageBarrierTest {
    private static final int PRODUCERS = 4;
    private static final int PER_PRODUCER = 50_000;

    /** A slot: what the producer wrote, and what the first stage stamped. */
    static final class Slot {
        long payload;
        long stampedBy = -1;
    }

    @Test
    void theSecondStageSeesEverySlotAfterTheFirstStageStampedIt() throws Exception {
        everySlotIsSeenAfterItsStamp(false);
    }

    @Test
    void aParkedSecondStageIsWokenForEverySlotTheFirstStageStamped() throws Exception {
        everySlotIsSeenAfterItsStamp(true);
    }

    /**
     * A stage's progress wakes only the stages that wait on it: a stage parked behind another is left parked, since
     * it would only look at sequences that did not move and park again, a wasted wake-up and a core taken from a
     * stage with work on a small machine.
     */
    @Test
    void aStagesProgressWakesOnlyTheStagesThatWaitOnIt() throws Exception {
        RingBuffer<Slot> ring = RingBuffer.createMultiProducer(Slot::new, 64);
        Sequence journal = new Sequence();
        Sequence apply = new Sequence();
        StageSignal signal = new StageSignal();
        DependentStageBarrier behindJournal = DependentStageBarrier.parking(signal, ring, new Sequence[] {journal},
                Long.MAX_VALUE);
        AtomicLong available = new AtomicLong(-2);
        Thread waiter = new Thread(() -> {
            try {
                available.set(behindJournal.waitFor(0));
            } catch (Exception e) {
                available.set(-3);
            }
        });
        waiter.start();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            while (behindJournal.parkedThread() != waiter || waiter.getState() != Thread.State.TIMED_WAITING) {
                Thread.onSpinWait();
            }
        });

        apply.set(0);
        assertEquals(0, signal.progress(apply), "a stage it does not wait on moved");
        journal.set(0);
        assertEquals(1, signal.progress(journal));
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertEquals(0, available.get());
    }

    /**
     * A signal names the stage that moved by the very sequence object the Disruptor gave that stage
     * ({@code setSequenceCallback}), and a blocking stage behind it compares that with the sequences it was wired
     * behind. Should a Disruptor hand the two different objects, the stage would wake only when its 1 ms park ran
     * out, after every step of the ring, and every answer would still come: so the wiring refuses a blocking stage
     * behind a sequence that no signalling stage moves, and an engine with the blocking kind and every stage wired
     * (see {@link LifecycleTest}) shows that the Disruptor hands over the same objects.
     */
    @Test
    void aBlockingStageBehindASequenceThatNoSignallingStageMovesIsRefusedAsItIsWired() {
        Disruptor<Slot> disruptor = new Disruptor<>(Slot::new, 64, DaemonThreadFactory.INSTANCE, ProducerType.MULTI,
                new BlockingWaitStrategy());
        StageSignal signal = new StageSignal();
        AtomicReference<String> wrong = new AtomicReference<>();
        EventHandler<Slot> quiet = (slot, sequence, endOfBatch) -> { };
        EventHandler<Slot> signalling = signal.signalling((slot, sequence, endOfBatch) -> { });
        EventHandler<Slot> waiting = (slot, sequence, endOfBatch) -> { };

        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> disruptor
                .handleEventsWith(signalling, quiet)
                .then(DependentStageBarrier.blocking(signal, waiting, failOnException(wrong))));
        assertEquals("the blocking stage is wired behind a sequence (2 of 2) that no stage signalling its progress "
                + "moves: it would only wake when its park of 1000000 ns ran out", refused.getMessage());
        // behind the signalling stage alone it is wired
        disruptor.after(signalling).then(DependentStageBarrier.blocking(signal, waiting, failOnException(wrong)));
        assertNull(wrong.get());
    }

    private static void everySlotIsSeenAfterItsStamp(boolean parked) throws Exception {
        WaitStrategy wait = new BlockingWaitStrategy();
        Disruptor<Slot> disruptor = new Disruptor<>(Slot::new, 1024, DaemonThreadFactory.INSTANCE, ProducerType.MULTI,
                wait);
        AtomicReference<String> wrong = new AtomicReference<>();
        AtomicLong seen = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        long total = (long) PRODUCERS * PER_PRODUCER;
        EventHandler<Slot> stamp = (slot, sequence, endOfBatch) -> slot.stampedBy = sequence;
        EventHandler<Slot> check = new EventHandler<>() {
            private long expected;

            @Override
            public void onEvent(Slot slot, long sequence, boolean endOfBatch) {
                if (sequence != expected++ || slot.stampedBy != sequence || slot.payload < 0) {
                    wrong.compareAndSet(null, "slot " + sequence + " stamped by " + slot.stampedBy + ", expected "
                            + (expected - 1));
                }
                if (seen.incrementAndGet() == total) {
                    done.countDown();
                }
            }
        };
        if (parked) {
            StageSignal signal = new StageSignal();
            disruptor.handleEventsWith(signal.signalling(stamp))
                    .then(DependentStageBarrier.blocking(signal, check, failOnException(wrong)));
        } else {
            disruptor.handleEventsWith(stamp).then(DependentStageBarrier.stage(wait, check, failOnException(wrong)));
        }
        RingBuffer<Slot> ring = disruptor.start();

        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            long base = (long) p * PER_PRODUCER;
            Thread producer = new Thread(() -> {
                for (int i = 0; i < PER_PRODUCER; i++) {
                    long value = base + i;
                    ring.publishEvent((slot, sequence) -> {
                        slot.payload = value;
                        slot.stampedBy = -1;
                    });
                }
            });
            producers.add(producer);
            producer.start();
        }
        for (Thread producer : producers) {
            producer.join();
        }
        assertTrue(done.await(60, TimeUnit.SECONDS), "the second stage saw " + seen.get() + " of " + total);
        assertNull(wrong.get());
        disruptor.halt();
        assertEquals(total, seen.get(), "nothing more after the halt");
    }

    @Test
    void aHaltWakesAStageWaitingBehindAnIdleStage() throws Exception {
        aHaltWakes(false);
    }

    @Test
    void aHaltWakesAParkedStageBehindAnIdleStage() throws Exception {
        aHaltWakes(true);
    }

    private static void aHaltWakes(boolean parked) throws Exception {
        WaitStrategy wait = new BlockingWaitStrategy();
        Disruptor<Slot> disruptor = new Disruptor<>(Slot::new, 64, DaemonThreadFactory.INSTANCE, ProducerType.MULTI,
                wait);
        CountDownLatch stopped = new CountDownLatch(1);
        EventHandler<Slot> idle = (slot, sequence, endOfBatch) -> {
        };
        EventHandler<Slot> waiting = new EventHandler<>() {
            @Override
            public void onEvent(Slot slot, long sequence, boolean endOfBatch) {
            }

            @Override
            public void onShutdown() {
                stopped.countDown();
            }
        };
        if (parked) {
            StageSignal signal = new StageSignal();
            disruptor.handleEventsWith(signal.signalling(idle)).then(DependentStageBarrier.blocking(signal, waiting,
                    failOnException(new AtomicReference<>())));
        } else {
            disruptor.handleEventsWith(idle).then(DependentStageBarrier.stage(wait, waiting,
                    failOnException(new AtomicReference<>())));
        }
        disruptor.start();
        disruptor.halt();
        assertTrue(stopped.await(30, TimeUnit.SECONDS), "the waiting stage stopped on the halt");
    }

    /**
     * A stage that throws on the last slot of its batch has the Disruptor set its sequence at that slot only after
     * the stage's exception handler returns, and the signal came only at the end of a batch that returned: the stage
     * behind it, parked, slept its whole safety-net park before it saw the failed slot (and with it the stop). The
     * handler records the failure first, and then the stage passes the slot and signals. Here the park lasts as good
     * as for ever, so only the signal can wake the stage behind; the timeouts only guard against a hang.
     */
    @Test
    void aParkedStageIsWokenForTheSlotTheStageBeforeItThrewOnOnceTheFailureIsRecorded() throws Exception {
        Disruptor<Slot> disruptor = new Disruptor<>(Slot::new, 64, DaemonThreadFactory.INSTANCE, ProducerType.MULTI,
                new BlockingWaitStrategy());
        StageSignal signal = new StageSignal();
        AtomicReference<String> wrong = new AtomicReference<>();
        AtomicLong failedAt = new AtomicLong(-1);
        AtomicReference<Thread> behind = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch seen = new CountDownLatch(1);
        EventHandler<Slot> throwing = signal.signalling((slot, sequence, endOfBatch) -> {
            throw new IllegalStateException("the stage failed on " + sequence);
        });
        EventHandler<Slot> waiting = new EventHandler<>() {
            @Override
            public void onStart() {
                behind.set(Thread.currentThread());
                started.countDown();
            }

            @Override
            public void onEvent(Slot slot, long sequence, boolean endOfBatch) {
                if (failedAt.get() != sequence) {
                    wrong.compareAndSet(null, "slot " + sequence + " seen before its failure was recorded");
                }
                seen.countDown();
            }
        };
        ExceptionHandler<Slot> recordFailure = new ExceptionHandler<>() {
            @Override
            public void handleEventException(Throwable ex, long sequence, Slot event) {
                failedAt.set(sequence);
            }

            @Override
            public void handleOnStartException(Throwable ex) {
                wrong.compareAndSet(null, "start: " + ex);
            }

            @Override
            public void handleOnShutdownException(Throwable ex) {
                wrong.compareAndSet(null, "shutdown: " + ex);
            }
        };
        disruptor.handleEventsWith(throwing).then(DependentStageBarrier.blocking(signal, waiting,
                failOnException(wrong), Long.MAX_VALUE));
        disruptor.handleExceptionsFor(throwing).with(PassingStage.exceptions(throwing, recordFailure));
        RingBuffer<Slot> ring = disruptor.start();
        try {
            assertTrue(started.await(30, TimeUnit.SECONDS));
            Thread waiter = behind.get();
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                // parked before the slot comes: a stage still spinning would see it without a signal
                while (!(LockSupport.getBlocker(waiter) instanceof DependentStageBarrier)) {
                    Thread.yield();
                }
            });

            ring.publishEvent((slot, sequence) -> slot.payload = 1);

            assertTrue(seen.await(10, TimeUnit.SECONDS), "the stage behind was woken for the failed slot");
            assertEquals(0, failedAt.get());
            assertNull(wrong.get());
        } finally {
            disruptor.halt();
        }
    }

    private static ExceptionHandler<Slot> failOnException(AtomicReference<String> wrong) {
        return new ExceptionHandler<>() {
            @Override
            public void handleEventException(Throwable ex, long sequence, Slot event) {
                wrong.compareAndSet(null, "stage threw on " + sequence + ": " + ex);
            }

            @Override
            public void handleOnStartException(Throwable ex) {
                wrong.compareAndSet(null, "start: " + ex);
            }

            @Override
            public void handleOnShutdownException(Throwable ex) {
                wrong.compareAndSet(null, "shutdown: " + ex);
            }
        };
    }
}
