package dev.purestock.engine;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.dsl.ProducerType;
import dev.purestock.domain.Command;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decision stage's blocking wait: a waiter that parks is woken by every publish that races its park and by an
 * alert, and a publish with no one parked wakes no one. The waits here park for ten minutes between looks, not the
 * production safety net's millisecond: a lost wake-up hangs the waiter, and the test fails at its bound.
 */
class ParkingWaitStrategyTest {
    /** Long enough that a lost wake-up shows as a hang, not as a late answer. */
    private static final long NO_SAFETY_NET = TimeUnit.MINUTES.toNanos(10);
    private static final long BOUND_SECONDS = 120;

    /** A slot: the value its producer wrote. */
    static final class Slot {
        long value;
    }

    @Test
    void aPublishAtAnyPointOfTheWaitIsSeen() throws Exception {
        ParkingWaitStrategy wait = new ParkingWaitStrategy(false, NO_SAFETY_NET, LockSupport::unpark);
        SequenceBarrier barrier = RingBuffer.createMultiProducer(Slot::new, 64, wait).newBarrier();
        sweepTheWaitersReads(wait, barrier, cursor -> {
            cursor.set(1);
            wait.signalAllWhenBlocking();
        }, false);
    }

    @Test
    void anAlertAtAnyPointOfTheWaitEndsIt() throws Exception {
        ParkingWaitStrategy wait = new ParkingWaitStrategy(false, NO_SAFETY_NET, LockSupport::unpark);
        SequenceBarrier barrier = RingBuffer.createMultiProducer(Slot::new, 64, wait).newBarrier();
        sweepTheWaitersReads(wait, barrier, cursor -> barrier.alert(), true);
    }

    /**
     * For read {@code n} = 1, 2, ... of the cursor by a waiter for slot 1, {@code event} happens right after that
     * read, in the waiter's own thread: the waiter has just seen the old cursor, and the event lands at that exact
     * point of its wait (between two spins, just before it announces itself, between its announcement and its
     * park). The waiter must come back each time. The sweep ends at the first {@code n} the waiter parks without
     * having read that often; the test then publishes from its own thread to release it.
     */
    private static void sweepTheWaitersReads(ParkingWaitStrategy wait, SequenceBarrier barrier,
                                             Consumer<RacingCursor> event, boolean alerts) throws Exception {
        for (int read = 1; ; read++) {
            barrier.clearAlert();
            RacingCursor cursor = new RacingCursor(read, event);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicLong available = new AtomicLong(-1);
            Thread waiter = new Thread(() -> {
                try {
                    available.set(wait.waitFor(1, cursor, cursor, barrier));
                } catch (Throwable e) {
                    thrown.set(e);
                }
            }, "waiter");
            waiter.setDaemon(true);
            waiter.start();
            while (waiter.isAlive() && waiter.getState() != Thread.State.TIMED_WAITING) {
                Thread.yield();
            }
            boolean parkedFirst = waiter.isAlive() && !cursor.happened;
            if (parkedFirst) {
                cursor.fire();
            }
            waiter.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
            boolean stuck = waiter.isAlive();
            if (stuck) {
                barrier.alert();
            }
            assertFalse(stuck, "the waiter missed what happened right after its read " + read);
            if (alerts) {
                assertInstanceOf(AlertException.class, thrown.get(), "after read " + read);
            } else {
                assertNull(thrown.get(), "after read " + read);
                assertEquals(1, available.get(), "after read " + read);
            }
            if (parkedFirst) {
                assertTrue(read > 3, "the sweep covered the reads before and after the announcement: " + read);
                return;
            }
        }
    }

    /**
     * With many producers the cursor moves as a slot is claimed, before it is published. A producer preempted between
     * the two (on a machine with fewer cores than threads) left the decision stage's processor asking for that slot
     * again and again: the cursor had passed it, so the wait returned at once, the barrier found the slot unpublished,
     * and the processor asked again, burning the rest of its time slice while the producer it waited for could not
     * run. Here that producer runs only once the waiter yields the core (the yield publishes the slot): before, the
     * processor never yielded and never got the slot. It now spins a little on such repeated asks, then yields.
     */
    @Test
    void aProcessorWaitingForAClaimedSlotYieldsTheCoreToItsProducer() throws Exception {
        AtomicReference<RingBuffer<Slot>> ringOf = new AtomicReference<>();
        AtomicLong claimed = new AtomicLong(-1);
        AtomicLong yields = new AtomicLong();
        ParkingWaitStrategy wait = new ParkingWaitStrategy(false, NO_SAFETY_NET, LockSupport::unpark, () -> {
            if (yields.getAndIncrement() == 0) {
                ringOf.get().get(claimed.get()).value = 42;
                ringOf.get().publish(claimed.get()); // the producer, given the core, publishes
            }
        });
        RingBuffer<Slot> ring = RingBuffer.createMultiProducer(Slot::new, 64, wait);
        ringOf.set(ring);
        AtomicLong seen = new AtomicLong(-1);
        CountDownLatch handled = new CountDownLatch(1);
        BatchEventProcessor<Slot> processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(),
                (slot, sequence, endOfBatch) -> {
                    seen.set(slot.value);
                    handled.countDown();
                });
        ring.addGatingSequences(processor.getSequence());
        claimed.set(ring.next()); // claimed, not published: the producer is preempted here
        Thread thread = new Thread(processor, "decide");
        thread.setDaemon(true);
        thread.start();
        try {
            assertTrue(handled.await(BOUND_SECONDS, TimeUnit.SECONDS), "the processor yielded to the producer");
            assertEquals(42, seen.get());
            assertEquals(1, yields.get(), "it yielded only while the slot was claimed and not published");
        } finally {
            processor.halt();
            thread.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        }
    }

    @Test
    void everyPublishRacingTheParkOfAOneProducerRingWakesTheWaiter() throws Exception {
        publishesOneByOneAndWaitsForEach(ProducerType.SINGLE);
    }

    @Test
    void everyPublishRacingTheParkOfAManyProducerRingWakesTheWaiter() throws Exception {
        publishesOneByOneAndWaitsForEach(ProducerType.MULTI);
    }

    /**
     * One slot at a time: the producer publishes, then blocks until the waiter has seen the slot, so every publish
     * lands while the waiter spins, announces itself, looks again or parks.
     */
    private static void publishesOneByOneAndWaitsForEach(ProducerType producers) throws Exception {
        int total = 20_000;
        ParkingWaitStrategy wait = new ParkingWaitStrategy(producers == ProducerType.SINGLE, NO_SAFETY_NET,
                LockSupport::unpark);
        RingBuffer<Slot> ring = RingBuffer.create(producers, Slot::new, 64, wait);
        Semaphore seen = new Semaphore(0);
        AtomicLong expected = new AtomicLong();
        AtomicReference<String> outOfOrder = new AtomicReference<>();
        Waiter waiter = new Waiter(ring, total, value -> {
            if (value != expected.getAndIncrement()) {
                outOfOrder.compareAndSet(null, "value " + value + " where " + (expected.get() - 1) + " was due");
            }
            seen.release();
        });
        waiter.start();
        Thread producer = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                long value = i;
                for (int spin = i % 128; spin > 0; spin--) {
                    Thread.onSpinWait(); // publishes land at every point of the waiter's spins, announcement and park
                }
                ring.publishEvent((slot, sequence) -> slot.value = value);
                seen.acquireUninterruptibly();
            }
        }, "one-by-one-producer");
        producer.setDaemon(true);
        producer.start();
        producer.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        waiter.finish();
        assertFalse(producer.isAlive(), "the producer still waits for slot " + waiter.next() + " of " + total
                + ": a publish did not wake the parked waiter");
        assertNull(waiter.wrong.get());
        assertNull(outOfOrder.get());
        assertEquals(total, waiter.next());
    }

    @Test
    void aWaiterSeesEverySlotOfManyProducersPublishingAtOnce() throws Exception {
        int producers = 4;
        int perProducer = 25_000;
        int total = producers * perProducer;
        ParkingWaitStrategy wait = new ParkingWaitStrategy(false, NO_SAFETY_NET, LockSupport::unpark);
        RingBuffer<Slot> ring = RingBuffer.createMultiProducer(Slot::new, 1024, wait);
        BitSet values = new BitSet(total);
        AtomicLong repeated = new AtomicLong();
        Waiter waiter = new Waiter(ring, total, value -> {
            if (values.get((int) value)) {
                repeated.incrementAndGet();
            }
            values.set((int) value);
        });
        waiter.start();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            long base = (long) p * perProducer;
            Thread producer = new Thread(() -> {
                for (int i = 0; i < perProducer; i++) {
                    long value = base + i;
                    ring.publishEvent((slot, sequence) -> slot.value = value);
                    if (i % 64 == 0) {
                        Thread.yield(); // let the waiter run dry and park now and then
                    }
                }
            }, "producer-" + p);
            producer.setDaemon(true);
            threads.add(producer);
            producer.start();
        }
        for (Thread producer : threads) {
            producer.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        }
        waiter.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        waiter.finish();
        for (Thread producer : threads) {
            assertFalse(producer.isAlive(), producer.getName() + " still waits for room: the waiter stopped at slot "
                    + waiter.next());
        }
        assertEquals(total, waiter.next(), "slots the waiter saw");
        assertNull(waiter.wrong.get());
        assertEquals(0, repeated.get(), "values seen twice");
        assertEquals(total, values.cardinality(), "values seen");
    }

    @Test
    void anAlertWakesAParkedWaiter() throws Exception {
        ParkingWaitStrategy wait = new ParkingWaitStrategy(false, NO_SAFETY_NET, LockSupport::unpark);
        RingBuffer<Slot> ring = RingBuffer.createMultiProducer(Slot::new, 64, wait);
        SequenceBarrier barrier = ring.newBarrier();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = waitingFor(barrier, thrown, new AtomicLong());
        parked(waiter);
        barrier.alert();
        waiter.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        assertFalse(waiter.isAlive(), "the alert did not wake the parked waiter");
        assertInstanceOf(AlertException.class, thrown.get());
    }

    @Test
    void aPublishWakesOnlyAWaiterThatParksAndNoneWhenNoOneWaits() throws Exception {
        List<Thread> unparked = new CopyOnWriteArrayList<>();
        Consumer<Thread> unpark = thread -> {
            unparked.add(thread);
            LockSupport.unpark(thread);
        };
        ParkingWaitStrategy wait = new ParkingWaitStrategy(false, NO_SAFETY_NET, unpark);
        RingBuffer<Slot> ring = RingBuffer.createMultiProducer(Slot::new, 64, wait);
        for (int i = 0; i < 1_000; i++) {
            wait.signalAllWhenBlocking();
        }
        ring.publishEvent((slot, sequence) -> slot.value = 7);
        assertEquals(List.of(), unparked, "no one waits: no one is unparked");

        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicLong available = new AtomicLong(-1);
        SequenceBarrier barrier = ring.newBarrier();
        Thread waiter = waitingFor(barrier, thrown, available, 1);
        parked(waiter);
        ring.publishEvent((slot, sequence) -> slot.value = 8);
        waiter.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        assertFalse(waiter.isAlive(), "the publish did not wake the parked waiter");
        assertNull(thrown.get());
        assertEquals(1, available.get());
        assertEquals(List.of(waiter), unparked, "the one parked waiter, once");

        wait.signalAllWhenBlocking();
        ring.publishEvent((slot, sequence) -> slot.value = 9);
        assertEquals(List.of(waiter), unparked, "the waiter left: no one more is unparked");
    }

    @Test
    void aSecondWaiterOnTheSameStrategyStillSeesThePublish() throws Exception {
        ParkingWaitStrategy wait = new ParkingWaitStrategy(false);
        RingBuffer<Slot> ring = RingBuffer.createMultiProducer(Slot::new, 64, wait);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicLong first = new AtomicLong(-1);
        AtomicLong second = new AtomicLong(-1);
        Thread one = waitingFor(ring.newBarrier(), thrown, first);
        Thread two = waitingFor(ring.newBarrier(), thrown, second);
        parked(one);
        parked(two);
        ring.publishEvent((slot, sequence) -> slot.value = 1);
        one.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        two.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        assertNull(thrown.get());
        assertEquals(0, first.get());
        assertEquals(0, second.get());
    }

    @Test
    void theBlockingKindWaitsWithThisStrategyAndRunsAOneProducerEngine() {
        assertInstanceOf(ParkingWaitStrategy.class, WaitStrategyKind.BLOCKING.create(ProducerMode.SINGLE));
        assertInstanceOf(ParkingWaitStrategy.class, WaitStrategyKind.BLOCKING.create(ProducerMode.MULTI));
        try (PurestockEngine engine = PurestockEngine.builder().waitStrategy(WaitStrategyKind.BLOCKING)
                .producerMode(ProducerMode.SINGLE).expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(1));
            engine.submit(receive(1, 1, 0, 1));
            Outcome outcome = engine.submit(new Command.Purchase(1, 1, 1, 0, 1)).join();
            assertTrue(outcome.accepted());
            assertEquals(2, outcome.sequence());
        }
    }

    private static Thread waitingFor(SequenceBarrier barrier, AtomicReference<Throwable> thrown,
                                     AtomicLong available) {
        return waitingFor(barrier, thrown, available, 0);
    }

    /** A started thread that waits on {@code barrier} for {@code sequence} once. */
    private static Thread waitingFor(SequenceBarrier barrier, AtomicReference<Throwable> thrown, AtomicLong available,
                                     long sequence) {
        Thread waiter = new Thread(() -> {
            try {
                available.set(barrier.waitFor(sequence));
            } catch (Throwable e) {
                thrown.compareAndSet(null, e);
            }
        }, "waiter");
        waiter.setDaemon(true);
        waiter.start();
        return waiter;
    }

    /** Returns once {@code thread} is parked: only the wait strategy parks it, and only after it announced. */
    private static void parked(Thread thread) {
        while (thread.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(thread.isAlive(), thread.getName() + " ended instead of parking");
            Thread.yield();
        }
    }

    /** A cursor at 0 on which {@code event} happens right after its {@code readWithEvent}-th read. */
    private static final class RacingCursor extends Sequence {
        private final int readWithEvent;
        private final Consumer<RacingCursor> event;
        private int reads;
        private volatile boolean happened;

        RacingCursor(int readWithEvent, Consumer<RacingCursor> event) {
            super(0);
            this.readWithEvent = readWithEvent;
            this.event = event;
        }

        @Override
        public long get() {
            long value = super.get();
            if (++reads == readWithEvent) {
                fire();
            }
            return value;
        }

        void fire() {
            if (!happened) {
                happened = true;
                event.accept(this);
            }
        }
    }

    /** A consumer of the ring through the Disruptor's own barrier, as the decision stage reads it. */
    private static final class Waiter extends Thread {
        private final RingBuffer<Slot> ring;
        private final SequenceBarrier barrier;
        private final Sequence consumed = new Sequence();
        private final long total;
        private final LongConsumer onSlot;
        private final AtomicReference<String> wrong = new AtomicReference<>();
        private volatile long next;

        Waiter(RingBuffer<Slot> ring, long total, LongConsumer onSlot) {
            super("waiter");
            setDaemon(true);
            this.ring = ring;
            this.barrier = ring.newBarrier();
            this.total = total;
            this.onSlot = onSlot;
            ring.addGatingSequences(consumed);
        }

        @Override
        public void run() {
            try {
                while (next < total) {
                    long available = barrier.waitFor(next);
                    for (long sequence = next; sequence <= available; sequence++) {
                        onSlot.accept(ring.get(sequence).value);
                    }
                    if (available >= next) {
                        consumed.set(available);
                        next = available + 1;
                    }
                }
            } catch (AlertException e) {
                // finish(): the test is over
            } catch (Throwable e) {
                wrong.compareAndSet(null, "waitFor threw " + e);
            }
        }

        long next() {
            return next;
        }

        /** Ends a waiter that is still waiting (a failed test), so that it does not outlive the test. */
        void finish() throws InterruptedException {
            barrier.alert();
            join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        }
    }

}
