package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Event;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.OutcomeCallback;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.SubmitResult;
import dev.purestock.engine.WaitStrategyKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random valid and invalid commands and batches (beyond every shape limit, unknown skus and orders, zero and
 * negative quantities, empty orders and batches) from several threads, through every submit path, against
 * a journaled engine with the reservation timer running: the engine never stops, every caller is answered
 * exactly once, every command within the limits is sequenced and every one beyond them is refused unsequenced,
 * and the journal re-decides to the same events.
 *
 * <p>The command streams are reproducible from the seed printed with any failure; set
 * {@code -Dpurestock.fuzz.seed=...} to replay one (the interleaving of the threads is not reproducible).
 */
class IntakeFuzzTest {
    private static final int THREADS = 4;
    private static final int COMMANDS_PER_THREAD = 2_500;
    private static final int SKUS = 10;
    private static final int LISTED_SKUS = 8;
    private static final int WAREHOUSES = 4;
    private static final long NOW = 1_700_000_000_000L;
    private static final Set<Reason> SHAPE_REASONS =
            Set.of(Reason.TOO_MANY_LINES, Reason.BATCH_TOO_LARGE, Reason.BATCH_TOO_DEEP);

    @TempDir
    Path dir;

    @Test
    void randomCommandsFromManyThreadsNeverStopTheEngineAndTheJournalReDecidesToTheSameEvents() throws Exception {
        long seed = Long.getLong("purestock.fuzz.seed", new Random().nextLong());
        try {
            fuzz(seed);
        } catch (AssertionError | Exception e) {
            throw new AssertionError("intake fuzz failed with seed " + seed + " (replay with -Dpurestock.fuzz.seed="
                    + seed + "): " + e.getMessage(), e);
        }
    }

    private void fuzz(long seed) throws Exception {
        AtomicLong clock = new AtomicLong(NOW);
        AtomicLong sequenced = new AtomicLong();
        List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
        Semaphore answered = new Semaphore(0);
        try (JournaledEngine journaled = JournaledEngine.builder(dir).engine(b -> b
                .ringSize(64)
                .waitStrategy(WaitStrategyKind.BLOCKING)
                .clock(() -> clock.addAndGet(1))
                .expireReservationsEvery(Duration.ofMillis(2))
                .consumer((command, outcome) -> sequenced.incrementAndGet())).start()) {
            PurestockEngine engine = journaled.engine();
            List<Command> setup = new ArrayList<>();
            for (long sku = 0; sku < LISTED_SKUS; sku++) {
                setup.add(new Command.ListProduct(sku, sku % 3));
                for (int warehouse = 0; warehouse < WAREHOUSES; warehouse++) {
                    setup.add(new Command.ReceiveStock(sku * WAREHOUSES + warehouse, sku, warehouse, 200));
                }
            }
            engine.submitAll(setup).forEach(f -> assertTrue(f.join().accepted()));

            List<Thread> producers = new ArrayList<>();
            List<Throwable> producerFailures = Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < THREADS; t++) {
                Producer producer = new Producer(engine, new Generator(new Random(seed + t), t), answers, answered);
                Thread thread = Thread.ofPlatform().name("fuzz-producer-" + t).start(() -> {
                    try {
                        producer.run();
                    } catch (Throwable e) {
                        producerFailures.add(e);
                    }
                });
                producers.add(thread);
            }
            for (Thread producer : producers) {
                producer.join();
            }
            assertEquals(List.of(), producerFailures, "a submit call threw");
            int expected;
            synchronized (answers) {
                expected = (int) answers.stream().filter(a -> a.submitted).count();
            }
            assertTrue(answered.tryAcquire(expected, 120, TimeUnit.SECONDS), "every submitted command is answered");
            assertTrue(engine.failure().isEmpty(), () -> "the engine stopped: " + engine.failure().orElseThrow());
            assertEquals(0, engine.consumerFailures());
        }

        long callersSequenced = 0;
        for (Answer answer : answers) {
            if (!answer.submitted) {
                assertEquals(0, answer.calls.get(), "a command refused with RING_FULL is never answered");
                continue;
            }
            assertEquals(1, answer.calls.get(), () -> "answered exactly once: " + answer.describe());
            assertEquals(null, answer.failure, () -> "answered with a failure: " + answer.describe());
            if (answer.oversized) {
                assertEquals(Outcome.NOT_SEQUENCED, answer.sequence, answer::describe);
                assertTrue(SHAPE_REASONS.contains(answer.reason), answer::describe);
            } else {
                assertTrue(answer.sequence >= 0, answer::describe);
                callersSequenced++;
            }
        }
        assertTrue(callersSequenced > THREADS * COMMANDS_PER_THREAD / 2, "most commands were within the limits");

        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
        assertEquals(sequenced.get(), verified.records(), "the journal holds every sequenced command");
        assertTrue(verified.records() >= callersSequenced, "callers' commands and the timer's expiries");
    }

    /** One submitted command and what its caller heard. */
    private static final class Answer implements OutcomeCallback {
        final Command command;
        final boolean oversized;
        final String path;
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean submitted = true;
        volatile long sequence = Long.MIN_VALUE;
        volatile RejectionReason reason;
        volatile Throwable failure;
        private final Semaphore answered;

        Answer(Generated generated, String path, Semaphore answered) {
            this.command = generated.command();
            this.oversized = generated.oversized();
            this.path = path;
            this.answered = answered;
        }

        @Override
        public void onOutcome(int shard, long commandSequence, long time, List<Event> events) {
            sequence = commandSequence;
            for (Event event : events) {
                if (event instanceof Event.Rejected rejected) {
                    reason = rejected.reason();
                    break;
                }
            }
            calls.incrementAndGet();
            answered.release();
        }

        @Override
        public void onFailure(Throwable cause) {
            failure = cause;
            calls.incrementAndGet();
            answered.release();
        }

        void complete(CompletableFuture<Outcome> future) {
            future.whenComplete((outcome, cause) -> {
                if (cause != null) {
                    onFailure(cause);
                } else {
                    onOutcome(outcome.shard(), outcome.sequence(), outcome.time(), outcome.events());
                }
            });
        }

        String describe() {
            String what = command instanceof Batch || command instanceof Command.PlaceOrder
                    || command instanceof Command.Reserve ? command.getClass().getSimpleName() : command.toString();
            return what + " via " + path + (oversized ? " (oversized)" : "") + ": calls=" + calls.get() + " sequence="
                    + sequence + " reason=" + reason + " failure=" + failure;
        }
    }

    /** Submits one thread's commands, each through a path drawn at random. */
    private record Producer(PurestockEngine engine, Generator generator, List<Answer> answers, Semaphore answered) {
        void run() {
            int done = 0;
            while (done < COMMANDS_PER_THREAD) {
                int path = generator.random.nextInt(10);
                if (path < 2) {
                    int count = Math.min(1 + generator.random.nextInt(8), COMMANDS_PER_THREAD - done);
                    List<Answer> chunk = new ArrayList<>(count);
                    List<Command> commands = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        Answer answer = new Answer(generator.next(), "submitAll", answered);
                        chunk.add(answer);
                        commands.add(answer.command);
                    }
                    answers.addAll(chunk);
                    List<CompletableFuture<Outcome>> futures = engine.submitAll(commands);
                    for (int i = 0; i < count; i++) {
                        chunk.get(i).complete(futures.get(i));
                    }
                    done += count;
                    continue;
                }
                Generated generated = generator.next();
                done++;
                if (path < 5) {
                    Answer answer = new Answer(generated, "submit(future)", answered);
                    answers.add(answer);
                    answer.complete(engine.submit(answer.command));
                } else if (path < 8) {
                    Answer answer = new Answer(generated, "submit(callback)", answered);
                    answers.add(answer);
                    engine.submit(answer.command, answer);
                } else {
                    Answer answer = new Answer(generated, "trySubmit", answered);
                    answers.add(answer);
                    SubmitResult result = engine.trySubmit(answer.command, answer);
                    if (result == SubmitResult.RING_FULL) {
                        answer.submitted = false;
                    } else {
                        assertEquals(SubmitResult.SUBMITTED, result);
                    }
                }
            }
        }
    }

    /** A generated command and whether it exceeds a shape limit (the generator's intent, not the engine's view). */
    private record Generated(Command command, boolean oversized) {
    }

    /**
     * Commands over a few skus (two of them never listed), warehouses and customers, order ids partly shared
     * between threads and partly never placed, quantities from -1 to 5 with the odd one past
     * {@link Limits#MAX_QUANTITY}, nested batches, and now and then a shape beyond a limit.
     */
    private static final class Generator {
        private final Random random;
        private final long firstOrderId;
        private long nextOrderId;

        Generator(Random random, int thread) {
            this.random = random;
            this.firstOrderId = 1_000_000L * (thread + 1);
            this.nextOrderId = firstOrderId;
        }

        Generated next() {
            if (random.nextInt(25) == 0) {
                return new Generated(oversized(), true);
            }
            return new Generated(random.nextInt(8) == 0 ? batch(1) : single(), false);
        }

        private Command single() {
            return switch (random.nextInt(12)) {
                case 0 -> new Command.ListProduct(sku(), random.nextInt(4) - 1);
                case 1 -> new Command.ReceiveStock(random.nextInt(100_000), sku(), warehouse(), quantity());
                case 2 -> new Command.WriteOffStock(random.nextInt(100_000), sku(), warehouse(), quantity());
                case 3, 4 -> new Command.Purchase(newOrderId(), customer(), sku(), warehouse(), quantity());
                case 5 -> new Command.PlaceOrder(newOrderId(), customer(), lines(random.nextInt(4)));
                case 6 -> new Command.Reserve(newOrderId(), customer(), lines(random.nextInt(4)),
                        NOW + random.nextInt(40_000) - 100);
                case 7 -> new Command.CancelPurchase(knownOrderId());
                case 8 -> new Command.ConfirmReservation(knownOrderId());
                case 9 -> new Command.ReleaseReservation(knownOrderId());
                case 10 -> new Command.ExpireReservations();
                default -> new Command.Purchase(knownOrderId(), customer(), sku(), warehouse(), quantity());
            };
        }

        /** A batch within the limits: at most four members per level, at most {@code MAX_BATCH_DEPTH} deep. */
        private Batch batch(int depth) {
            int size = random.nextInt(5);
            List<Command> members = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                members.add(depth < Limits.MAX_BATCH_DEPTH && random.nextInt(4) == 0 ? batch(depth + 1) : single());
            }
            return new Batch(random.nextBoolean() ? Batch.Mode.ATOMIC : Batch.Mode.INDEPENDENT, members);
        }

        private Command oversized() {
            return switch (random.nextInt(8)) {
                case 0 -> new Command.PlaceOrder(newOrderId(), customer(),
                        lines(Limits.MAX_LINES + 1 + random.nextInt(100)));
                case 1 -> new Command.Reserve(newOrderId(), customer(),
                        lines(Limits.MAX_LINES + 1 + random.nextInt(100)), NOW + 1_000);
                case 2 -> new Batch(Batch.Mode.INDEPENDENT, Collections.nCopies(
                        Limits.MAX_BATCH_COMMANDS + 1 + random.nextInt(2_000), single()));
                case 3 -> nested(Limits.MAX_BATCH_DEPTH + 1 + random.nextInt(20));
                case 4 -> random.nextInt(20) == 0 ? nested(10_000) : nested(Limits.MAX_BATCH_DEPTH + 1);
                case 5 -> new Batch(Batch.Mode.ATOMIC, List.of(single(), new Command.PlaceOrder(newOrderId(),
                        customer(), lines(Limits.MAX_LINES + 1))));
                case 6 -> random.nextInt(20) == 0
                        ? new Command.PlaceOrder(newOrderId(), customer(),
                                Collections.nCopies(1_000_000, new Line(sku(), warehouse(), 1)))
                        : new Batch(Batch.Mode.ATOMIC, List.of(batch(1), nested(Limits.MAX_BATCH_DEPTH)));
                default -> new Batch(Batch.Mode.INDEPENDENT, List.of(
                        new Batch(Batch.Mode.ATOMIC, Collections.nCopies(Limits.MAX_BATCH_COMMANDS, single())),
                        single()));
            };
        }

        /** A batch nested {@code depth} deep around one command. */
        private Command nested(int depth) {
            Command command = single();
            for (int i = 0; i < depth; i++) {
                command = new Batch(random.nextBoolean() ? Batch.Mode.ATOMIC : Batch.Mode.INDEPENDENT,
                        List.of(command));
            }
            return command;
        }

        private List<Line> lines(int count) {
            List<Line> lines = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                lines.add(new Line(sku(), warehouse(), quantity()));
            }
            return lines;
        }

        private long newOrderId() {
            return random.nextInt(10) == 0 ? random.nextInt(50) : nextOrderId++;
        }

        private long knownOrderId() {
            return nextOrderId > firstOrderId && random.nextInt(5) > 0
                    ? firstOrderId + random.nextLong(nextOrderId - firstOrderId)
                    : random.nextLong(Long.MAX_VALUE);
        }

        private long sku() {
            return random.nextInt(SKUS);
        }

        private int warehouse() {
            return random.nextInt(WAREHOUSES);
        }

        private long customer() {
            return random.nextInt(6);
        }

        private long quantity() {
            int draw = random.nextInt(40);
            if (draw == 0) {
                return Limits.MAX_QUANTITY + 1;
            }
            return draw <= 7 ? draw - 2 : 1 + draw % 3;
        }
    }
}
