package dev.purestock.engine;

import com.lmax.disruptor.RingBuffer;
import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Event.Rejected;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Limits;
import dev.purestock.domain.NextDue;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The purestock engine: many threads submit commands, one thread per shard decides them in one total
 * order, durability stages make the decisions durable, and only then is each caller answered.
 *
 * <pre>{@code
 * try (PurestockEngine engine = PurestockEngine.builder()
 *         .shards(1)
 *         .journal(shard -> journalFor(shard))
 *         .build()) {                                   // build() returns a started engine
 *     Outcome outcome = engine.submit(new Command.Purchase(orderId, customer, sku, warehouse, 1)).join();
 * }
 * }</pre>
 *
 * <p>Ways to submit: {@link #submit(Command)} (a future; waits for ring space),
 * {@link #submit(Command, OutcomeViewCallback)} (a callback; waits for ring space; with an
 * {@link OutcomeViewCallback} the garbage-free answer path
 * for hot callers), {@link #trySubmit} (never waits: reports {@link SubmitResult#RING_FULL} instead) and
 * {@link #submitAll} (claims ring slots for consecutive commands of a shard at once). Every submitted
 * command is answered exactly once. Commands are routed to shards by {@link ShardRouter}'s rules.
 *
 * <p>Submitting without garbage: the hot fixed-shape commands can be submitted as their fields, which the
 * engine writes into the ring slot instead of taking a record: {@link #submitPurchase},
 * {@link #submitCancelPurchase}, {@link #submitConfirmReservation}, {@link #submitReleaseReservation} and
 * their {@code trySubmit...} forms. With an {@link OutcomeViewCallback} that reads only the view, such a
 * call allocates nothing once warm, end to end (decide, journal, answer). They are routed, checked, sequenced,
 * journaled and answered exactly as the equivalent record; an id outside its range throws the
 * {@link IllegalArgumentException} the record's constructor throws, on the calling thread, before anything
 * is submitted.
 *
 * <p>Intake limits: a command that exceeds a shape limit of {@link Limits} (more than
 * {@link Limits#MAX_LINES} lines in an order or reservation, more than {@link Limits#MAX_BATCH_COMMANDS}
 * commands in a batch counting nested ones, batches nested deeper than {@link Limits#MAX_BATCH_DEPTH}),
 * anywhere inside it, is answered at once, on the submitting thread, with an outcome holding one
 * {@link Rejected} for the domain's reason ({@link Reason#TOO_MANY_LINES}, {@link Reason#BATCH_TOO_LARGE},
 * {@link Reason#BATCH_TOO_DEEP}) and shard and sequence {@link Outcome#NOT_SEQUENCED}: it is never routed,
 * sequenced or journaled. The check costs at most {@code MAX_BATCH_COMMANDS} steps whatever the command's size.
 *
 * <p>Which thread answers: a sequenced command's callback runs, and its future completes (with the future's
 * non-async continuations), on its shard's completion thread ({@code purestock-shard-N-complete}); an answer
 * given without sequencing runs on the submitting thread; the futures of {@link #snapshot} and {@link #digest}
 * complete on the shard's stage threads. With {@link Builder#callbackExecutor} every answer to a caller, these
 * futures included, runs on that executor instead.
 *
 * <p>Stage threads: callbacks, consumers, durability stages and snapshot writers run on the engine's stage
 * threads ({@code purestock-shard-N-decide}, {@code -journal}, {@code -replicate}, {@code -apply},
 * {@code -snapshot}, {@code -complete}), and only those threads free ring space. A stage that is not configured
 * has no thread: {@code -journal} runs only with a {@link Builder#journal}, {@code -replicate} only with a
 * {@link Builder#replication}, and {@code -apply} and {@code -snapshot} only with a
 * {@link Builder#snapshotWriter} (and snapshots on demand or periodic ones: {@link Builder#snapshotsOnDemand}).
 * From them, a submission that finds its ring full is refused with an
 * {@link IllegalStateException} (through the future or {@link OutcomeCallback#onFailure}) instead of waiting
 * forever, and {@link #close()} throws; a submission that finds room goes through as usual.
 *
 * <p>Reactions: {@link Builder#reaction} registers rules that turn outcomes into follow-up commands, run on a thread
 * of their own ({@code purestock-reactions}) and submitted like any other command; recovery never runs them. See
 * {@link Reactions} and {@link Retry}.
 *
 * <p>Time: reservation expiry, commands held for later, order retention. Unless turned off
 * ({@link Builder#expireReservationsEvery}), a timer sends the time command, {@link Command.ExpireReservations},
 * to a shard at the moment something there falls due on the engine's {@link Builder#clock}: a reservation's
 * expiry, or a command held for later ({@link #submitAt}, {@link Command.Hold}), which the time command then
 * decides, or when orders' retention windows end ({@link Builder#retainOrdersFor}, default 24 hours): for a full
 * command's worth at once, else at most once a period (a second by default) per shard, so orders are forgotten at
 * about the pace they came in and at most a period after their window. The command carries the window. It is
 * sequenced and journaled like any command, so a replay reproduces every expiry and every held command exactly as
 * it happened. The clock is an input: a test gives the engine its own and, with the timer off, submits the time
 * command itself.
 *
 * <p>Failures: a {@code decide} that throws rejects that command with {@link EngineRefusal#INTERNAL_ERROR}. If
 * applying events or a durability stage fails, the engine stops taking commands: every caller from the
 * failed command on gets an {@link EngineStoppedException} naming the cause, nothing not made durable is
 * acknowledged, and later submissions fail fast with the same cause ({@link #failure()}).
 *
 * <p>{@link #close()} stops intake, drains and answers everything already submitted, stops the stage
 * threads and closes the durability stages. It is idempotent. {@link #close(Duration)} waits for the drain at
 * most a given time, and then answers whatever is still pending with an {@link EngineClosedException}.
 */
public final class PurestockEngine implements AutoCloseable {


    private final Shard[] shards;
    private final boolean[] snapshotWriters;
    private final ShardRouter router;
    private final ReadModel readModel;
    private final Intake intake = new Intake();
    private final AtomicLong isolatedFailures = new AtomicLong();
    private final CallerAnswers answers;
    private final StageThreads threads;
    private final RingPublisher publisher;
    /** Each shard's ring, by shard: what {@link RingPublisher#allShards} publishes to. */
    private final RingBuffer<CommandSlot>[] rings;
    private final LongSupplier clock;
    private final int ringSize;
    private final ExpiryTimer expiry;
    private final Command.ExpireReservations timeCommand;
    private final ExpiryTimer.Answer[] tickAnswers;
    /** Told the shard as the timer publishes each time command; throws in its place in tests, else {@code null}. */
    private final IntConsumer timeCommandFault;
    /** Told the shard as a caller that may wait publishes to it; throws in its place in tests, else {@code null}. */
    private final IntConsumer publicationFault;
    /** Run as a close finishes; throws in its place in tests, else {@code null}. */
    private final Runnable closeFault;
    /** When each shard next has something due, kept by its decision stage for the timer. */
    private final DueTimes dueTimes;
    private final EngineMetrics metrics;
    private final EngineShutdown shutdown;
    private final Reactions reactions;

    private PurestockEngine(Builder builder) {
        this.clock = builder.clock;
        this.answers = new CallerAnswers(builder.callbackExecutor, isolatedFailures, builder.shards,
                builder.answerFault);
        this.threads = new StageThreads(builder.stageThreadListener, builder.stageThreadStarting);
        this.publisher = new RingPublisher(intake, threads);
        this.ringSize = builder.ringSize;
        this.timeCommand = new Command.ExpireReservations(Durations.saturatedMillis(builder.retainOrdersFor));
        this.timeCommandFault = builder.timeCommandFault;
        this.publicationFault = builder.publicationFault;
        this.closeFault = builder.closeFault;
        // with the timer off nothing reads the due times, unless a test runs the timer by hand
        this.dueTimes = builder.expireReservationsEvery.isZero() && !builder.keepDueTimes
                ? DueTimes.unkept(builder.shards)
                : new DueTimes(builder.shards, timeCommand.retainOrdersFor(),
                        Durations.saturatedMillis(builder.expireReservationsEvery));
        this.tickAnswers = ExpiryTimer.answers(dueTimes, builder.ringSize);
        this.readModel = new ReadModel(builder.shards, builder.storeCapacity.orders(),
                builder.storeCapacity.positions());
        this.router = new ShardRouter(builder.shards, readModel,
                InFlightOrders.expected(builder.shards, builder.ringSize));
        this.shards = new Shard[builder.shards];
        this.snapshotWriters = new boolean[builder.shards];
        this.reactions = new Reactions(builder.reactions, builder.reactionQueue);
        List<OutcomeConsumer> consumers = new ArrayList<>(builder.consumers);
        if (reactions.active()) {
            consumers.add(reactions.consumer());
        }
        EngineWiring.Settings settings = new EngineWiring.Settings(builder.ringSize, builder.waitStrategy,
                builder.producerMode, builder.clock, builder.snapshotEvery,
                builder.snapshotBacklogLimit(Runtime.getRuntime().maxMemory()),
                builder.storeCapacity,
                List.copyOf(consumers),
                isolatedFailures, answers, threads, dueTimes, router.inFlight());
        List<DurabilityStage> opened = new ArrayList<>();
        Map<InventoryStore, Integer> stores = new IdentityHashMap<>();
        try {
            for (int i = 0; i < shards.length; i++) {
                ShardState initial = builder.initialState == null ? ShardState.empty(builder.storeCapacity)
                        : Objects.requireNonNull(builder.initialState.apply(i), "initial state of shard " + i);
                Integer owner = stores.putIfAbsent(initial.store(), i);
                if (owner != null) {
                    throw new IllegalArgumentException("the initial state of shard " + i + " has the store of shard "
                            + owner + ": each shard's decision thread writes its store alone, so every shard needs a "
                            + "store of its own");
                }
                checkBelongs(i, initial);
                SnapshotWriter snapshotWriter = builder.snapshotStage() ? builder.snapshotWriter.apply(i) : null;
                if (builder.snapshotEvery > 0 && snapshotWriter == null) {
                    throw new IllegalArgumentException("snapshotEvery(" + builder.snapshotEvery
                            + ") needs a snapshot writer for shard " + i);
                }
                snapshotWriters[i] = snapshotWriter != null;
                ReadModel.Writer readModelWriter = readModel.writer(i);
                readModelWriter.seed(initial.store(), initial.nextSequence() - 1);
                DurabilityStage journal = builder.journal == null ? null
                        : opened(opened, Objects.requireNonNull(builder.journal.apply(i), "journal of shard " + i));
                DurabilityStage replication = builder.replication == null ? null : opened(opened,
                        Objects.requireNonNull(builder.replication.apply(i), "replication of shard " + i));
                shards[i] = EngineWiring.wire(i, settings, intake, initial, journal, replication, snapshotWriter,
                        builder.readModelFault == null ? readModelWriter
                                : faulty(readModelWriter, builder.readModelFault));
            }
        } catch (RuntimeException | Error e) {
            // a later shard refused: close what the factories opened for the earlier ones, nothing runs yet
            for (DurabilityStage stage : opened) {
                try {
                    stage.close();
                } catch (Throwable notClosed) {
                    // an Error too: the stages after it are closed all the same, and the refusal stays what is thrown
                    e.addSuppressed(notClosed);
                }
            }
            throw e;
        }
        metrics = new EngineMetrics(Arrays.stream(shards).map(Shard::metrics).toList(), isolatedFailures);
        @SuppressWarnings("unchecked")
        RingBuffer<CommandSlot>[] byShard = (RingBuffer<CommandSlot>[]) new RingBuffer<?>[shards.length];
        for (Shard shard : shards) {
            byShard[shard.index()] = shard.ring();
        }
        this.rings = byShard;
        expiry = startStagesAndTimer(builder);
        shutdown = new EngineShutdown(shards, intake, publisher, expiry, threads, builder.abandonFault);
        if (reactions.active()) {
            try {
                reactions.start(this, shards);
            } catch (RuntimeException | Error e) {
                // every shard runs, and the timer may have sent a time command: an ordinary close drains them
                throw closedAfter(new IllegalStateException("the reactions' thread (purestock-reactions) could not "
                        + "be started (" + e + "); the engine was closed and not built", e));
            }
        } else {
            reactions.watch(shards);
        }
        IllegalStateException startFailure = threads.awaitStarted();
        if (startFailure != null) {
            throw closedAfter(startFailure);
        }
    }

    /**
     * Closes the engine that {@code failure} keeps from being built, and returns {@code failure} for the constructor
     * to throw. A close that throws (an {@link Error} too) is suppressed in it: the caller learns why the build failed,
     * and that the close failed as well.
     */
    private IllegalStateException closedAfter(IllegalStateException failure) {
        try {
            close();
        } catch (Throwable notClosed) {
            failure.addSuppressed(notClosed);
        }
        return failure;
    }

    /**
     * Starts every shard's stage threads, then the expiry timer's. A thread that cannot be started (the JVM out of
     * native threads: an {@link OutOfMemoryError}) would leave the shards started before it running, their
     * durability stages open (a journal holding its files) and nothing to close them, since {@code build()} returns
     * no engine: so the threads that did start are halted and joined, and the durability stages whose thread never
     * ran are closed here (those that ran closed theirs as they stopped). Nothing was published yet: only the timer
     * and callers publish, and neither has started.
     */
    private ExpiryTimer startStagesAndTimer(Builder builder) {
        String starting = null;
        try {
            for (Shard shard : shards) {
                starting = "the stage threads of shard " + shard.index();
                shard.disruptor().start();
            }
            starting = "the expiry timer's thread (" + ExpiryTimer.THREAD_NAME + ")";
            return ExpiryTimer.start(builder.expireReservationsEvery, this::expireReservations, tickAnswers,
                    dueTimes, clock, threads, () -> intake.stopped() != null);
        } catch (RuntimeException | Error e) {
            for (Shard shard : shards) {
                shard.disruptor().halt();
            }
            threads.joinAll();
            for (Shard shard : shards) {
                for (DurabilityHandler stage : shard.durability()) {
                    stage.closeIfNeverStarted();
                }
            }
            throw new IllegalStateException("could not start " + starting + " (" + e + "); the threads already "
                    + "started were stopped and every durability stage closed, and the engine was not built", e);
        }
    }

    private static DurabilityStage opened(List<DurabilityStage> opened, DurabilityStage stage) {
        opened.add(stage);
        return stage;
    }

    /** {@code updater}, told to {@code fault} before each command it applies ({@link Builder#readModelFault}). */
    private static ReadModel.Updater faulty(ReadModel.Updater updater, LongConsumer fault) {
        return (sequence, events) -> {
            fault.accept(sequence);
            updater.apply(sequence, events);
        };
    }

    /**
     * One run of the expiry timer: offers the time command ({@code ExpireReservations} with the retention
     * window) to each shard whose last one left a backlog (as many as {@link ExpiryTimer.Answer#takeBacklogRoom}
     * allows given the slots the ring took since its last one, in one claim of ring slots where the ring has the
     * room), and to each shard that has something due now on the engine's clock ({@link DueTimes}: a reservation to
     * expire, a held command, orders to forget as {@link ForgettingDue} paces them; what is due at
     * {@link NextDue#NEVER} never is), unless one is unanswered. A shard with nothing due gets none, whatever it
     * holds: a time command there would journal a record that does nothing.
     * Waits for ring space, as a submitter does (see {@link ExpiryTimer}); a call from a stage thread only tries.
     *
     * @return whether a shard has a backlog or an unanswered time command, so that the timer runs again soon
     */
    boolean expireReservations() {
        boolean soon = false;
        for (int i = 0; i < shards.length; i++) {
            ExpiryTimer.Answer answer = tickAnswers[i];
            long dueAt = dueTimes.dueAt(i);
            // NEVER (Long.MAX_VALUE) is never due, even on a clock that reads it, as the timer's wait has it. Read
            // before the backlog's room is taken: a clock that throws (the caller's) would leave that room marked in
            // flight with nothing sent, and no answer to free it, so the shard would get no time command again
            boolean due = dueAt != NextDue.NEVER && dueAt <= clock.getAsLong();
            long cursor = shards[i].ring().getCursor();
            int sends = answer.takeBacklogRoom(cursor);
            if (sends == 0 && due && answer.trySend(cursor)) {
                sends = 1;
            }
            if (sends > 0) {
                if (!intake.enter()) {
                    answer.notSent(sends);
                    return false;
                }
                int published;
                try {
                    if (timeCommandFault != null) {
                        timeCommandFault.accept(i);
                    }
                    published = publisher.repeated(shards[i], timeCommand, answer, sends);
                } catch (Throwable e) {
                    // an Error too. A publication that throws put nothing in the ring and told the answer nothing:
                    // left marked in flight, with no answer to clear them, the run's commands would keep the shard
                    // from ever getting a time command again. The timer logs the throw
                    answer.notSent(sends);
                    throw e;
                } finally {
                    intake.exit();
                }
                if (published < sends) {
                    // a stage thread found the ring full, or a close that ran out of time ended the wait (and shut
                    // the gate the next shard's commands would pass)
                    answer.notSent(sends - published);
                }
            }
            soon |= answer.backlog();
        }
        return soon;
    }

    private void checkBelongs(int shard, ShardState initial) {
        initial.store().forEachPosition((sku, warehouse, available) -> {
            if (router.shardOf(warehouse) != shard) {
                throw new IllegalArgumentException("the initial state of shard " + shard + " holds sku " + sku
                        + " at warehouse " + warehouse + ", which belongs to shard " + router.shardOf(warehouse));
            }
        });
    }

    /** A builder with the defaults: one shard, a ring of 1024, blocking wait, many producers, no journal. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Submits a command, waiting for ring space if the ring is full (parked; an interrupt does not end the wait, and
     * the thread is left interrupted when this returns).
     *
     * @return the outcome, once durable; completed exceptionally with {@link EngineStoppedException} or
     *     {@link EngineClosedException} when the engine cannot answer, with an {@link OutcomeNotDeliveredException}
     *     when the command is durable but the engine failed as it handed over the outcome, or with an
     *     {@link IllegalStateException} when called on one of the engine's stage threads while the ring is full.
     *     A command for every shard ({@code ListProduct}, {@code ExpireReservations}) whose publication a timed-out
     *     close or a throw (memory running out) stopped part way fails with a message naming the shards it reached
     */
    public CompletableFuture<Outcome> submit(Command command) {
        CompletableFuture<Outcome> future = new CompletableFuture<>();
        dispatch(command, null, future, true);
        return future;
    }

    /**
     * Holds {@code command} until {@code at} on the engine's clock (epoch milliseconds by default): submits
     * {@code new Command.Hold(holdId, at, command)}. The outcome answered now is the hold's
     * ({@link dev.purestock.domain.Event.CommandHeld}, or a rejection); the held command is decided when its time
     * comes, inside the time command the engine then sequences (after an
     * {@link dev.purestock.domain.Event.HoldReleased}), where outcome consumers and reactions see it. Until then
     * {@link #cancelHold} takes it back and {@link ReadModel#heldCommand} shows it. Replay reproduces both the hold
     * and its decision. The held command is decided as at {@code at} even when that time has passed by the time
     * the hold is sequenced, so an {@code at} taken from a client backdates its command (docs/domain.md, "Commands
     * held for later").
     *
     * @param holdId  names the hold: unique among the commands held at one time
     * @param at      when the command is due, on the engine's clock
     * @param command the command to decide then; not a hold, a cancel of one or the time command
     * @return the outcome of the hold, as {@link #submit(Command)} returns it
     */
    public CompletableFuture<Outcome> submitAt(long holdId, long at, Command command) {
        return submit(new Command.Hold(holdId, at, command));
    }

    /**
     * Takes back the command held under {@code holdId} before it is due: submits
     * {@code new Command.CancelHold(holdId)}, answered with {@link dev.purestock.domain.Event.HoldCancelled}, or
     * rejected with {@link dev.purestock.domain.Reason#UNKNOWN_HOLD} when nothing is held under that id (never
     * held, already decided, or already cancelled).
     */
    public CompletableFuture<Outcome> cancelHold(long holdId) {
        return submit(new Command.CancelHold(holdId));
    }

    /**
     * Submits a command, waiting for ring space if the ring is full, and answers through {@code callback}
     * (exactly once; {@link OutcomeViewCallback#onFailure} when the engine is stopped or closed, or with an
     * {@link IllegalStateException} when called on one of the engine's stage threads while the ring is full).
     * With an {@link OutcomeViewCallback} that reads only the view, the engine allocates nothing for this
     * call once warm (the command record is the caller's); an {@link OutcomeCallback} gets the event records,
     * built for it. Reuse one callback for many submissions.
     */
    public void submit(Command command, OutcomeViewCallback callback) {
        dispatch(command, Objects.requireNonNull(callback, "callback"), null, true);
    }

    /**
     * Submits a command only if its shard's ring has a free slot right now. Never waits and never queues.
     *
     * @return {@link SubmitResult#SUBMITTED} when the callback will be called exactly once; otherwise
     *     why not, and the callback will not be called
     */
    public SubmitResult trySubmit(Command command, OutcomeViewCallback callback) {
        return dispatch(command, Objects.requireNonNull(callback, "callback"), null, false);
    }

    /**
     * Submits {@code new Command.Purchase(orderId, customer, sku, warehouse, quantity)} without building it:
     * the fields are written into the ring slot, decided through {@link dev.purestock.domain.Inventory#decidePurchase}
     * and journaled as the same record, so with an {@link OutcomeViewCallback} that reads only the view the
     * call allocates nothing once warm, the command included. Otherwise it behaves as
     * {@link #submit(Command, OutcomeViewCallback)} with that record: it waits for ring space, is routed to the
     * shard of {@code warehouse} (answered with {@link Reason#ID_REUSED} when another shard holds the order
     * id, or has it in flight), and answers through {@code callback} exactly once. Consumers, futures and
     * non-view durability stages get the record, built for them.
     *
     * @throws IllegalArgumentException when an id is outside its range, with the message the record's
     *                                  constructor gives ({@link Limits#checkPurchase}); nothing is submitted
     *                                  and the callback is not called
     */
    public void submitPurchase(long orderId, long customer, long sku, int warehouse, long quantity,
                               OutcomeViewCallback callback) {
        Limits.checkPurchase(orderId, customer, sku, warehouse);
        dispatchFields(SubmittedCommand.Form.PURCHASE, orderId, customer, sku, warehouse, quantity, callback, true);
    }

    /**
     * {@link #submitPurchase} that never waits: {@link #trySubmit} for the purchase's fields.
     *
     * @return {@link SubmitResult#SUBMITTED} when the callback will be called exactly once; otherwise why not,
     *     and the callback will not be called
     * @throws IllegalArgumentException as {@link #submitPurchase} does
     */
    public SubmitResult trySubmitPurchase(long orderId, long customer, long sku, int warehouse, long quantity,
                                          OutcomeViewCallback callback) {
        Limits.checkPurchase(orderId, customer, sku, warehouse);
        return dispatchFields(SubmittedCommand.Form.PURCHASE, orderId, customer, sku, warehouse, quantity, callback,
                false);
    }

    /**
     * Submits {@code new Command.CancelPurchase(orderId)} without building it, as {@link #submitPurchase} does
     * a purchase: routed to the shard that accepted the order, as the record is.
     *
     * @throws IllegalArgumentException when {@code orderId} is negative, as the record refuses it
     */
    public void submitCancelPurchase(long orderId, OutcomeViewCallback callback) {
        submitOrder(SubmittedCommand.Form.CANCEL_PURCHASE, orderId, callback);
    }

    /** {@link #submitCancelPurchase} that never waits; see {@link #trySubmitPurchase}. */
    public SubmitResult trySubmitCancelPurchase(long orderId, OutcomeViewCallback callback) {
        return trySubmitOrder(SubmittedCommand.Form.CANCEL_PURCHASE, orderId, callback);
    }

    /**
     * Submits {@code new Command.ConfirmReservation(orderId)} without building it, as {@link #submitPurchase}
     * does a purchase: routed to the shard that holds the reservation, as the record is.
     *
     * @throws IllegalArgumentException when {@code orderId} is negative, as the record refuses it
     */
    public void submitConfirmReservation(long orderId, OutcomeViewCallback callback) {
        submitOrder(SubmittedCommand.Form.CONFIRM_RESERVATION, orderId, callback);
    }

    /** {@link #submitConfirmReservation} that never waits; see {@link #trySubmitPurchase}. */
    public SubmitResult trySubmitConfirmReservation(long orderId, OutcomeViewCallback callback) {
        return trySubmitOrder(SubmittedCommand.Form.CONFIRM_RESERVATION, orderId, callback);
    }

    /**
     * Submits {@code new Command.ReleaseReservation(orderId)} without building it, as {@link #submitPurchase}
     * does a purchase: routed to the shard that holds the reservation, as the record is.
     *
     * @throws IllegalArgumentException when {@code orderId} is negative, as the record refuses it
     */
    public void submitReleaseReservation(long orderId, OutcomeViewCallback callback) {
        submitOrder(SubmittedCommand.Form.RELEASE_RESERVATION, orderId, callback);
    }

    /** {@link #submitReleaseReservation} that never waits; see {@link #trySubmitPurchase}. */
    public SubmitResult trySubmitReleaseReservation(long orderId, OutcomeViewCallback callback) {
        return trySubmitOrder(SubmittedCommand.Form.RELEASE_RESERVATION, orderId, callback);
    }

    private void submitOrder(SubmittedCommand.Form form, long orderId, OutcomeViewCallback callback) {
        Limits.checkOrderId(orderId);
        dispatchFields(form, orderId, 0, 0, 0, 0, callback, true);
    }

    private SubmitResult trySubmitOrder(SubmittedCommand.Form form, long orderId, OutcomeViewCallback callback) {
        Limits.checkOrderId(orderId);
        return dispatchFields(form, orderId, 0, 0, 0, 0, callback, false);
    }

    /**
     * Submits several commands, claiming ring slots for each run of consecutive commands of one shard at
     * once (in chunks of at most the ring size) when the ring has room for it; otherwise it waits for ring
     * space as {@link #submit(Command)} does, publishing what fits as slots come free, so producers that keep the
     * ring busy never shut it out. Commands of one shard are sequenced in list order (other producers' commands
     * may come between them); each command is decided on its own (use {@link Command.Batch} for all-or-nothing).
     * On one of the engine's stage threads, the first run of commands that does not fit its ring, and every
     * command after it, fail with an {@link IllegalStateException}; the commands before it were submitted. So do
     * a command whose submission throws (an {@link Error} too: memory running out) and those after it, failed with
     * an {@link IllegalStateException} whose cause is what was thrown.
     *
     * @return one future per command, in list order
     * @throws NullPointerException when {@code commands} or one of its elements is null (naming its index);
     *     nothing is submitted then
     */
    public List<CompletableFuture<Outcome>> submitAll(List<Command> commands) {
        Command[] list = nonNullCommands(commands);
        @SuppressWarnings("unchecked")
        CompletableFuture<Outcome>[] futures = (CompletableFuture<Outcome>[]) new CompletableFuture<?>[list.length];
        for (int i = 0; i < list.length; i++) {
            futures[i] = new CompletableFuture<>();
        }
        if (!intake.enter()) {
            RuntimeException refusal = intake.refusal();
            Arrays.stream(futures).forEach(f -> answers.failure(null, f, refusal));
            return List.of(futures);
        }
        int i = 0; // the first command not yet handed over: published, or answered here
        int claimedEnd = 0; // with i, the commands claimed for shard claimedFor (ShardRouter.claim), not handed over
        int claimedFor = -1;
        try {
            while (i < list.length) {
                Command first = list[i];
                if (!intake.open()) {
                    // closed or stopped while this thread answered a command before this one in place
                    refuseFrom(futures, i, intake.refusal());
                    break;
                }
                Reason excess = ShapeCheck.excess(first);
                if (excess != null) {
                    answerUnsequenced(excess, first, null, futures[i]);
                    i++;
                    continue;
                }
                int route = router.route(first);
                if (route == ShardRouter.ALL && onStageThread()) {
                    // a stage thread may not wait: the command goes to every ring or to none
                    if (broadcast(first, null, futures[i], false) == SubmitResult.RING_FULL) {
                        refuseFrom(futures, i, wouldWaitOnStageThread("submitAll", "a shard's ring"));
                        break;
                    }
                    i++;
                    continue;
                }
                route = router.claim(first, route);
                if (route < 0) {
                    dispatchRouted(route, first, null, futures[i], true);
                    i++;
                    continue;
                }
                int end = i + 1;
                claimedEnd = end;
                claimedFor = route;
                while (end < list.length && end - i < ringSize && ShapeCheck.excess(list[end]) == null
                        && router.route(list[end]) == route && router.claim(list[end], route) == route) {
                    claimedEnd = ++end;
                }
                if (publicationFault != null) {
                    publicationFault.accept(route);
                }
                i += publisher.range(shards[route], list, futures, i, end - i);
                if (i < end) {
                    // only those not published are refused: the stages (or a timed-out close) answer the others
                    releaseFrom(list, i, end, route);
                    claimedEnd = i;
                    refuseFrom(futures, i, onStageThread()
                            ? wouldWaitOnStageThread("submitAll", "shard " + route + "'s ring")
                            : intake.abandonedRefusal());
                    break;
                }
            }
        } catch (Throwable e) {
            // an Error too (memory running out as the refusal of an abandoned wait is built): thrown, it would leave
            // the caller without the futures of the commands already published, which the shards apply, and those
            // of the rest never answered. Those from the first not handed over on are failed with it instead, their
            // ids let go of first
            releaseFrom(list, i, claimedEnd, claimedFor);
            refuseFrom(futures, i, submitAllThrew(i, list.length, e));
        } finally {
            intake.exit();
        }
        return List.of(futures);
    }

    /**
     * What the commands of a {@code submitAll} from {@code index} on are failed with when submitting that one threw
     * {@code thrown}; {@code thrown} itself when memory runs out again as this is built.
     */
    private static Throwable submitAllThrew(int index, int commands, Throwable thrown) {
        try {
            return new IllegalStateException("submitAll failed as it submitted command " + index + " of " + commands
                    + " (" + thrown + "); it and the commands after it were not submitted, those before it were",
                    thrown);
        } catch (Throwable notBuilt) {
            return thrown;
        }
    }

    /** Lets go of the ids claimed for shard {@code route} for {@code commands[from, to)}, which were not published. */
    private void releaseFrom(Command[] commands, int from, int to, int route) {
        for (int i = from; i < to; i++) {
            router.release(commands[i], route);
        }
    }

    /** Fails the futures from {@code first} on with {@code refusal}: those commands were not submitted. */
    private void refuseFrom(CompletableFuture<Outcome>[] futures, int first, Throwable refusal) {
        for (int i = first; i < futures.length; i++) {
            refuse(null, futures[i], refusal);
        }
    }

    private static Command[] nonNullCommands(List<Command> commands) {
        if (commands == null) {
            throw new NullPointerException("submitAll was given a null list of commands; pass a list (it may be "
                    + "empty)");
        }
        Command[] copy = commands.toArray(new Command[0]);
        for (int i = 0; i < copy.length; i++) {
            if (copy[i] == null) {
                throw new NullPointerException("submitAll was given a null command at index " + i + " of "
                        + copy.length + "; nothing was submitted");
            }
        }
        return copy;
    }

    /**
     * Cuts a snapshot of {@code shard} through its ring: the decision stage marks the state after exactly the
     * commands submitted before this call's slot, and the shard's {@link SnapshotWriter} is called with that
     * state on the shard's snapshot thread ({@code purestock-shard-N-snapshot}), from the snapshot stage's copy,
     * while the shard goes on deciding.
     *
     * @return the last sequence the snapshot covers ({@code -1}: none), once every earlier command of the
     *     shard is durable; exceptionally with the writer's failure (the engine goes on), or when the
     *     shard has no snapshot writer, or the engine is stopped or closed, or (an
     *     {@link IllegalStateException}) when called on one of the engine's stage threads while the ring is full
     */
    public CompletableFuture<Long> snapshot(int shard) {
        checkShard(shard);
        if (!snapshotWriters[shard]) {
            return CompletableFuture.failedFuture(new IllegalStateException("shard " + shard
                    + " has no snapshot writer; configure one with Builder.snapshotWriter, and keep snapshotsOnDemand "
                    + "or set snapshotEvery (a JournaledEngine has one unless built with snapshotsOnDemand(false) and "
                    + "no periodic snapshots)"));
        }
        SnapshotRequest request = new SnapshotRequest();
        control(shard, CommandSlot.Kind.SNAPSHOT, request);
        return answers.handedOff(request.result());
    }

    /**
     * The {@link dev.purestock.domain.StateDigest} of {@code shard}'s state after exactly the commands
     * submitted before this call's slot; for tests and operations. The decision stage only marks the slot's place,
     * as for a {@link #snapshot}, and where the shard has a snapshot stage (a {@link Builder#snapshotWriter}, with
     * {@link Builder#snapshotsOnDemand} or {@link Builder#snapshotEvery}: a {@code JournaledEngine} by default) the
     * digest is taken from that stage's copy of the state, on the shard's snapshot thread
     * ({@code purestock-shard-N-snapshot}), once the copy holds exactly the commands up to the mark, while the shard
     * goes on deciding; it waits, as a second snapshot would, for a snapshot write under way and the commands kept
     * aside meanwhile. Where the shard has no snapshot stage, or its copy was dropped
     * ({@link ShardMetrics#snapshotsUnavailable()}, logged at {@code WARN} with each such digest), the digest walks the
     * decision state on the decision thread, which decides nothing else meanwhile: a pause that grows with the state,
     * for a check now and then, not a figure to poll. Either way the walk builds nothing per order.
     *
     * <p>The shard also holds the time commands its timer sequenced meanwhile (expiries, held commands, orders
     * forgotten), before this slot or after it, so the digest equals the state of the journal up to the last command
     * before the slot, which this does not name: to compare a live digest with a journal while the timer runs, use
     * {@link #digestWithSequence}.
     *
     * @return the digest, once it is taken and every earlier command of the shard is durable; exceptionally when the
     *     engine is stopped or closed, or (an {@link IllegalStateException}) when called on one of the engine's stage
     *     threads while the ring is full, or when the snapshot stage's copy was dropped after this digest's slot was
     *     marked and before the digest could be taken from it (ask again: the next is taken on the decision thread)
     */
    public CompletableFuture<Long> digest(int shard) {
        checkShard(shard);
        DigestRequest request = new DigestRequest(shard);
        shutdown.track(request);
        control(shard, CommandSlot.Kind.DIGEST, request);
        return answers.handedOff(request.digestAlone());
    }

    /**
     * The digest of {@link #digest} together with the last sequence it covers, the sequence marked in the same ring
     * slot and the digest taken where {@link #digest} says (from the snapshot stage's copy, or on the decision
     * thread, which pauses the shard, where it has no copy): the state after exactly the commands the shard sequenced
     * before this call's slot, the timer's time commands included. The engine's timer goes on sequencing time
     * commands (which may expire reservations, decide held commands and forget orders) until the engine closes, so the
     * last record of a journal may lie past the digest's; the state of the journal up to
     * {@link ShardDigest#lastSequence} has the digest, whatever came after:
     * {@code JournalRecovery.recoverUntil(dir, lastSequence, Long.MAX_VALUE, ...)} in code,
     * {@code purestock replay --journal DIR --until-seq N} ({@code --shard S} on a sharded directory) for an
     * operator, whose {@code state-hash} is {@link ShardDigest#stateHash}.
     *
     * @return the digest and its last sequence ({@code -1}: the shard holds no command), once the digest is taken and
     *     every earlier command of the shard is durable; exceptionally as {@link #digest}'s future
     */
    public CompletableFuture<ShardDigest> digestWithSequence(int shard) {
        checkShard(shard);
        DigestRequest request = new DigestRequest(shard);
        shutdown.track(request);
        control(shard, CommandSlot.Kind.DIGEST, request);
        return answers.handedOff(request.result());
    }

    /** When each shard next has something due, as its decision stage last said; for tests. */
    DueTimes dueTimes() {
        return dueTimes;
    }

    /** The read model: what other threads may query while the engine runs. */
    public ReadModel readModel() {
        return readModel;
    }

    /** How many shards the engine runs. */
    public int shards() {
        return shards.length;
    }

    /** The shard that owns {@code warehouse}: {@code warehouse % shards()}. */
    public int shardOf(int warehouse) {
        if (warehouse < 0 || warehouse > Limits.MAX_WAREHOUSE) {
            throw new IllegalArgumentException("warehouse " + warehouse + " is outside 0.." + Limits.MAX_WAREHOUSE);
        }
        return router.shardOf(warehouse);
    }

    /** How many times a consumer or a caller's callback threw (each was logged and isolated). */
    public long consumerFailures() {
        return isolatedFailures.get();
    }

    /** The reactions registered with {@link Builder#reaction}: what they have done, and a wait for them to finish. */
    public Reactions reactions() {
        return reactions;
    }

    /** What the engine has done and where its shards' pipelines stand: a live view (see {@link EngineMetrics}). */
    public EngineMetrics metrics() {
        return metrics;
    }

    /** Why the engine stopped taking commands, if it did. */
    public Optional<EngineStoppedException> failure() {
        return Optional.ofNullable(intake.stopped());
    }

    /**
     * Stops intake, answers everything already submitted (a command that was sequenced is completed
     * through every stage), stops and joins the stage threads and closes the durability stages; with
     * {@link Builder#reaction reactions}, drops the outcomes not yet reacted to and waits for the reaction running,
     * if any, to return ({@link Reactions}). Later submissions fail with {@link EngineClosedException}.
     * Idempotent; a second caller returns once the first has finished. Waits as long as a durability stage takes
     * to finish its commands; {@link #close(Duration)} waits a bounded time. After a {@code close(timeout)} that
     * timed out, this waits until the stage threads it left busy have stopped and closed their stages: once it
     * returns, nothing of the engine runs. An interrupt of the closing thread (before the close or during it) does not
     * cut either close short; the thread is left interrupted.
     *
     * @throws IllegalStateException when called on one of the engine's stage threads (from a callback,
     *     consumer, durability stage or snapshot writer), which close would wait for forever; nothing is closed
     *     then. A callback the engine runs on the submitting thread (a command refused before sequencing) runs
     *     outside the intake gate, so it may close the engine, and a close never waits for it
     */
    @Override
    public void close() {
        closeWithin(null);
    }

    /**
     * Closes as {@link #close()} does, but waits at most {@code timeout} for what was already submitted to be
     * answered: for a service that must stop within a deadline even when a durability stage hangs (a disk that
     * stopped answering).
     *
     * <p>Intake stops at once. If the stages finish with every submitted command (answered, consumers run) within
     * {@code timeout}, the stage threads stop, the durability stages are closed and this returns {@code true}, as
     * {@link #close()} would. Otherwise
     * every caller not yet answered is answered now, on this thread, with an {@link EngineClosedException} saying
     * the drain timed out; snapshot and digest futures fail with it too. A caller still waiting for ring space is
     * woken and refused on its own thread, with an {@link EngineClosedException} saying that nothing was submitted.
     * Each caller is answered exactly once, and nothing is acknowledged that was not made durable:
     * the engine stops deciding and journaling at the first unanswered command. A command failed this way may
     * still have reached the journal (the stage that held it was busy with it), as with any answer lost to a
     * crash: after a restart, resubmit it, and its order id makes a repeat idempotent. The stages are then told
     * to stop, and this returns {@code false} without waiting for them: a stage still busy (blocked in its I/O or
     * in a callback) stops, and a durability stage is closed on its own thread, when that call returns; stage
     * threads are daemons.
     *
     * <p>A close after the first returns what the first returned, once it has finished; {@link #close()} after one
     * that timed out also waits for the stage threads to stop.
     *
     * @param timeout how long to wait for the drain; {@link Duration#ZERO} answers what is pending at once
     * @return whether the stages finished with everything submitted, and stopped, in time (drained); {@code false}
     *     also when everything was answered but a stage did not stop within a second after the timeout (snapshots
     *     still being written or waiting to be, a durability stage still closing): those snapshots are written,
     *     and their futures completed, after this returned, and a later {@link #close()} waits for them; a
     *     {@link #digest} or {@link #digestWithSequence} still waiting for the snapshot thread (behind such a write)
     *     is failed with an {@link EngineClosedException} before this returns {@code false}
     * @throws IllegalArgumentException when {@code timeout} is negative
     * @throws IllegalStateException    when called on one of the engine's stage threads, as {@link #close()}
     */
    public boolean close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("close timeout must be zero or positive, was " + timeout);
        }
        return closeWithin(timeout);
    }

    /** Closes, waiting for the drain as long as it takes ({@code timeout} null) or at most {@code timeout}. */
    private boolean closeWithin(Duration timeout) {
        if (onStageThread()) {
            throw new IllegalStateException((timeout == null ? "close()" : "close(" + timeout + ")")
                    + " was called on " + Thread.currentThread().getName()
                    + ", one of this engine's stage threads (from a callback, consumer, durability stage or snapshot "
                    + "writer): close waits for those threads to finish, so it would never return; nothing was "
                    + "closed. Close the engine from a thread of your own");
        }
        long start = System.nanoTime();
        reactions.closing();
        try {
            return shutdown.close(timeout);
        } finally {
            // the reaction thread gets what is left of the timeout, not a second one
            reactions.stop(timeout == null ? null : timeout.minusNanos(System.nanoTime() - start));
            if (closeFault != null) {
                closeFault.run();
            }
        }
    }

    private SubmitResult dispatch(Command command, OutcomeViewCallback callback, CompletableFuture<Outcome> future,
                                  boolean wait) {
        Objects.requireNonNull(command, "command");
        if (!intake.enter()) {
            if (wait) {
                answers.failure(callback, future, intake.refusal());
            }
            return intake.refusalResult();
        }
        try {
            Reason excess = ShapeCheck.excess(command);
            if (excess != null) {
                return answerUnsequenced(excess, command, callback, future);
            }
            return dispatchRouted(router.claim(command, router.route(command)), command, callback, future, wait);
        } finally {
            intake.exit();
        }
    }

    /**
     * Publishes {@code command} to the shard {@code route} names, or answers it as the route says. A command routed
     * to a shard was claimed there ({@link ShardRouter#claim}): one that is not published is let go of before its
     * caller is answered.
     */
    private SubmitResult dispatchRouted(int route, Command command, OutcomeViewCallback callback,
                                        CompletableFuture<Outcome> future, boolean wait) {
        if (route >= 0) {
            RingPublisher.Result result;
            try {
                if (wait && publicationFault != null) {
                    publicationFault.accept(route);
                }
                result = publisher.command(shards[route], command, callback, future, wait);
            } catch (Throwable e) {
                router.release(command, route);
                throw e;
            }
            if (result == RingPublisher.Result.PUBLISHED) {
                return SubmitResult.SUBMITTED;
            }
            router.release(command, route);
            if (result == RingPublisher.Result.ABANDONED) {
                refuse(callback, future, intake.abandonedRefusal());
                return SubmitResult.SUBMITTED;
            }
            if (!wait) {
                return SubmitResult.RING_FULL;
            }
            refuse(callback, future, wouldWaitOnStageThread("submit", "shard " + route + "'s ring"));
            return SubmitResult.SUBMITTED;
        }
        if (route == ShardRouter.ALL) {
            return broadcast(command, callback, future, wait);
        }
        if (route == ShardRouter.HELD_ID_ELSEWHERE) {
            // the reused id is the held order's, not the hold's: the rejection names the order
            return answerUnsequenced(Reason.ID_REUSED, ((Command.Hold) command).command(), callback, future);
        }
        return answerUnsequenced(route == ShardRouter.CROSS_SHARD ? EngineRefusal.CROSS_SHARD : Reason.ID_REUSED,
                command, callback, future);
    }

    /** Answers {@code command} with a rejection for {@code reason} without sequencing it. */
    private SubmitResult answerUnsequenced(RejectionReason reason, Command command, OutcomeViewCallback callback,
                                           CompletableFuture<Outcome> future) {
        return answerUnsequenced(reason, command.ref(), callback, future);
    }

    /**
     * Answers a command that {@code ref} refers to with a rejection for {@code reason} without sequencing it, stamped
     * with the engine's clock; if the clock (the caller's) throws, an {@link Error} too, the command is failed with
     * what it threw instead, so that the submission goes on (a {@code submitAll} answers the commands after it too,
     * and the reaction thread, submitting a follow-up, reacts on).
     */
    private SubmitResult answerUnsequenced(RejectionReason reason, long ref, OutcomeViewCallback callback,
                                           CompletableFuture<Outcome> future) {
        long time;
        try {
            time = clock.getAsLong();
        } catch (Throwable clockFailed) {
            refuse(callback, future, clockFailed);
            return SubmitResult.SUBMITTED;
        }
        metrics.rejectedUnsequenced(reason.code());
        List<Event> events = List.of(new Rejected(reason, ref));
        answer(callback, future, Outcome.NOT_SEQUENCED, Outcome.NOT_SEQUENCED, time, events);
        return SubmitResult.SUBMITTED;
    }

    /**
     * Submits a fixed-shape command as its fields, whose ids the caller has checked: the same gate, routing and
     * backpressure as {@link #dispatch}, with no record built. Such a command has no shape limit to exceed and
     * goes to one shard (or is refused as {@link ShardRouter#ID_ELSEWHERE}).
     */
    private SubmitResult dispatchFields(SubmittedCommand.Form form, long orderId, long customer, long sku,
                                        int warehouse, long quantity, OutcomeViewCallback callback, boolean wait) {
        Objects.requireNonNull(callback, "callback");
        if (!intake.enter()) {
            if (wait) {
                answers.failure(callback, null, intake.refusal());
            }
            return intake.refusalResult();
        }
        try {
            boolean purchase = form == SubmittedCommand.Form.PURCHASE;
            int route = purchase ? router.claimPurchase(orderId, router.routePurchase(orderId, warehouse))
                    : router.routeOrder(orderId);
            if (route == ShardRouter.ID_ELSEWHERE) {
                return answerUnsequenced(Reason.ID_REUSED, orderId, callback, null);
            }
            RingPublisher.Result result;
            try {
                result = publisher.fields(shards[route], form, orderId, customer, sku, warehouse, quantity,
                        callback, wait);
            } catch (Throwable e) {
                if (purchase) {
                    router.releasePurchase(orderId, route);
                }
                throw e;
            }
            if (purchase && result != RingPublisher.Result.PUBLISHED) {
                router.releasePurchase(orderId, route); // before its caller is answered, who may use the id at once
            }
            switch (result) {
                case PUBLISHED -> {
                }
                case ABANDONED -> refuse(callback, null, intake.abandonedRefusal());
                case RING_FULL -> {
                    if (!wait) {
                        return SubmitResult.RING_FULL;
                    }
                    refuse(callback, null, wouldWaitOnStageThread(submitMethod(form), "shard " + route + "'s ring"));
                }
            }
            return SubmitResult.SUBMITTED;
        } finally {
            intake.exit();
        }
    }

    private static String submitMethod(SubmittedCommand.Form form) {
        return switch (form) {
            case RECORD -> "submit";
            case PURCHASE -> "submitPurchase";
            case CANCEL_PURCHASE -> "submitCancelPurchase";
            case CONFIRM_RESERVATION -> "submitConfirmReservation";
            case RELEASE_RESERVATION -> "submitReleaseReservation";
        };
    }

    private SubmitResult broadcast(Command command, OutcomeViewCallback callback, CompletableFuture<Outcome> future,
                                   boolean wait) {
        Broadcast broadcast = new Broadcast(shards.length, callback, future, answers);
        if (wait && !onStageThread()) {
            publishToEachShard(command, broadcast);
            return SubmitResult.SUBMITTED;
        }
        int full = publisher.allShards(rings, command, broadcast);
        if (full < 0) {
            return SubmitResult.SUBMITTED;
        }
        if (wait) {
            refuse(callback, future, wouldWaitOnStageThread("submit", "shard " + full + "'s ring"));
            return SubmitResult.SUBMITTED;
        }
        return SubmitResult.RING_FULL;
    }

    /**
     * Publishes a command for every shard to one shard after another, waiting for ring space, for a caller that may
     * wait. When the publication stops part way, the shards it reached answer the broadcast, which waits for every
     * shard: so the caller is failed here, once, told which shards have the command. That is a close that timed out
     * (between two shards, or while this waited for a later shard's ring), or a publication that threw, an
     * {@link Error} too (memory running out as the refusal of an abandoned wait is built): answered, not thrown, so
     * that the caller gets its one answer where it waits for it, as the shards reached answer nothing more.
     */
    private void publishToEachShard(Command command, Broadcast broadcast) {
        int reached = 0;
        try {
            while (reached < shards.length) {
                if (publicationFault != null) {
                    publicationFault.accept(reached);
                }
                boolean published = publisher.command(shards[reached], command, broadcast, null, true)
                        == RingPublisher.Result.PUBLISHED; // else ABANDONED: a caller that may wait is never full
                if (published) {
                    reached++;
                }
                if (reached < shards.length && intake.abandoned()) {
                    // a close that timed out answers what was published; publish no more
                    refuse(broadcast, null, reached == 0 ? intake.abandonedRefusal() : new EngineClosedException(
                            "the purestock engine's close timed out while this command for every shard was published "
                            + "to " + shardsUpTo(reached) + (published ? "" : " and waited for room in shard "
                            + reached + "'s ring") + "; it was not published to any later shard and was not "
                            + "acknowledged (the shards it reached may have applied it: after a restart, resubmit it, "
                            + "which changes nothing where it was applied)"));
                    return;
                }
            }
        } catch (Throwable e) {
            refuse(broadcast, null, publicationThrew(reached, e));
        }
    }

    /**
     * What a broadcast's caller is told when its publication threw {@code thrown} once it had reached
     * {@code reached} shards; {@code thrown} itself when memory runs out again as this is built, since the caller
     * must be answered.
     */
    private Throwable publicationThrew(int reached, Throwable thrown) {
        try {
            return new IllegalStateException("this command for every shard was published to " + shardsUpTo(reached)
                    + " when its publication threw (" + thrown + "); it was not published to any later shard and was "
                    + "not acknowledged (the shards it reached apply it: resubmit it, which changes nothing where it "
                    + "was applied)", thrown);
        } catch (Throwable notBuilt) {
            return thrown;
        }
    }

    /** The first {@code count} shards of this engine's, in words: "shards 0..1 of 3", "none of the 3 shards". */
    private String shardsUpTo(int count) {
        return count == 0 ? "none of the " + shards.length + " shards"
                : (count == 1 ? "shard 0" : "shards 0.." + (count - 1)) + " of " + shards.length;
    }

    private CompletableFuture<Long> control(int shard, CommandSlot.Kind kind, CompletableFuture<Long> future) {
        if (!intake.enter()) {
            future.completeExceptionally(intake.refusal());
            return future;
        }
        RuntimeException refusal;
        try {
            refusal = switch (publisher.control(shards[shard], kind, future)) {
                case PUBLISHED -> null;
                case RING_FULL -> wouldWaitOnStageThread(kind == CommandSlot.Kind.SNAPSHOT ? "snapshot" : "digest",
                        "shard " + shard + "'s ring");
                case ABANDONED -> intake.abandonedRefusal();
            };
        } finally {
            intake.exit();
        }
        if (refusal != null) {
            future.completeExceptionally(refusal); // outside the gate: a close never waits for its continuations
        }
        return future;
    }

    /** The new order ids in flight to the shards ({@code null} with one shard), for tests. */
    InFlightOrders inFlightOrders() {
        return router.inFlight();
    }

    /** The names of this engine's stage threads that are alive, for tests of what runs. */
    List<String> liveStageThreads() {
        return threads.liveNames();
    }

    /** Whether the calling thread is one of this engine's stage threads, which must never wait for ring space. */
    private boolean onStageThread() {
        return threads.isCurrent();
    }

    private static IllegalStateException wouldWaitOnStageThread(String call, String where) {
        return new IllegalStateException(call + " found " + where + " full on " + Thread.currentThread().getName()
                + ", one of this engine's stage threads (a callback, consumer, durability stage or snapshot writer "
                + "runs there): waiting would deadlock the engine, since only its stage threads free ring space, so "
                + "nothing was submitted. From a stage thread use trySubmit and handle RING_FULL, or hand the "
                + "command to a thread of your own");
    }

    private void checkShard(int shard) {
        if (shard < 0 || shard >= shards.length) {
            throw new IllegalArgumentException("shard " + shard + " is outside 0.." + (shards.length - 1));
        }
    }

    /** Answers a caller with an outcome the engine holds as records: in place, or on the callback executor. */
    private void answer(OutcomeViewCallback callback, CompletableFuture<Outcome> future, int shard,
                        long sequence, long time, List<Event> events) {
        intake.stepOut();
        try {
            answers.outcome(callback, future, new Outcome(shard, sequence, time, events));
        } finally {
            intake.stepIn();
        }
    }

    /**
     * Fails a caller that was never sequenced, from inside the gate: in place (a callback that throws is isolated),
     * or on the executor. The thread steps out of the gate meanwhile ({@link Intake#stepOut}), so a
     * {@link #close(Duration)} never waits for what the caller's callback does; a caller that publishes more
     * afterwards checks {@link Intake#open()} first.
     */
    private void refuse(OutcomeViewCallback callback, CompletableFuture<Outcome> future, Throwable cause) {
        intake.stepOut();
        try {
            answers.failure(callback, future, cause);
        } finally {
            intake.stepIn();
        }
    }

    /**
     * Configures and builds an engine. {@link #build()} returns a started engine. Every per-shard factory
     * is called once per shard, with the shard's index, while building.
     */
    public static final class Builder {
        /** The default period of {@link #expireReservationsEvery}: one second. */
        public static final Duration DEFAULT_EXPIRE_RESERVATIONS_EVERY = Duration.ofSeconds(1);
        /** The default of {@link #retainOrdersFor}: 24 hours ({@link Limits#DEFAULT_RETAIN_ORDERS_FOR}). */
        public static final Duration DEFAULT_RETAIN_ORDERS_FOR = Duration.ofMillis(Limits.DEFAULT_RETAIN_ORDERS_FOR);

        /** The default capacity of {@link #reactionQueue}: 65,536 outcomes. */
        public static final int DEFAULT_REACTION_QUEUE = 65_536;

        private int ringSize = 1024;
        private WaitStrategyKind waitStrategy = WaitStrategyKind.BLOCKING;
        private ProducerMode producerMode = ProducerMode.MULTI;
        private int shards = 1;
        private IntFunction<DurabilityStage> journal;
        private IntFunction<DurabilityStage> replication;
        private final List<OutcomeConsumer> consumers = new ArrayList<>();
        private final List<Reaction> reactions = new ArrayList<>();
        private int reactionQueue = DEFAULT_REACTION_QUEUE;
        private IntFunction<ShardState> initialState;
        private boolean initialStoresSizedByCapacity;
        private IntFunction<SnapshotWriter> snapshotWriter = shard -> null;
        private long snapshotEvery;
        private boolean snapshotsOnDemand = true;
        /** {@link #snapshotBacklogLimit}; {@code 0}: the default, fitted to the heap. */
        private int snapshotBacklogLimit;
        /**
         * Whether {@link #snapshotWriter} was set: only then, and with a {@link #snapshotStage}, is the backlog limit
         * weighed against the heap.
         */
        private boolean snapshotWriterSet;
        private LongSupplier clock = System::currentTimeMillis;
        private Executor callbackExecutor;
        private StageThreadListener stageThreadListener;
        /** Told as each answer to a caller is built; throws in its place in tests, {@code null} otherwise. */
        private CallerAnswers.Fault answerFault;
        /** Whether the decision stages keep the due times with the timer off ({@link #keepDueTimes}). */
        private boolean keepDueTimes;
        /** Told each command's sequence before the read model applies it; throws in its place in tests. */
        private LongConsumer readModelFault;
        /** Told each shard's index as the timer publishes a time command to it; throws in its place in tests. */
        private IntConsumer timeCommandFault;
        /** Told each shard's index as a caller that may wait publishes a command to it; throws in tests. */
        private IntConsumer publicationFault;
        /** Told each shard's index as a timed-out close fails what the shard left unanswered; throws in tests. */
        private IntConsumer abandonFault;
        /** Run as a close finishes, the threads stopped; throws in its place in tests, {@code null} otherwise. */
        private Runnable closeFault;
        /** Called with each of the engine's threads as it is started; throws in its place in tests. */
        private Consumer<Thread> stageThreadStarting = thread -> {
        };
        private Duration expireReservationsEvery = DEFAULT_EXPIRE_RESERVATIONS_EVERY;
        private String storageReserved;
        private Duration retainOrdersFor = DEFAULT_RETAIN_ORDERS_FOR;
        private StoreCapacity storeCapacity = StoreCapacity.DEFAULT;

        private Builder() {
        }

        /**
         * Slots per shard ring: a power of two (default 1024). Bounds the commands in flight per shard. Every slot is
         * allocated as the engine starts (a few hundred bytes each): {@link #build()} refuses a ring that, with the
         * state sized ahead ({@link #storeCapacity}), cannot fit the JVM's maximum heap.
         */
        public Builder ringSize(int size) {
            if (size < 2 || Integer.bitCount(size) != 1) {
                throw new IllegalArgumentException("ring size must be a power of two >= 2, was " + size);
            }
            this.ringSize = size;
            return this;
        }

        /** How stage threads wait (default {@link WaitStrategyKind#BLOCKING}). */
        public Builder waitStrategy(WaitStrategyKind kind) {
            this.waitStrategy = Objects.requireNonNull(kind, "wait strategy");
            return this;
        }

        /**
         * How many threads may publish at once: {@link ProducerMode#MULTI} (default) lets any number of threads
         * submit at once; {@link ProducerMode#SINGLE} is faster but is safe only when one thread ever publishes
         * (submits, snapshots, digests, closes), or one at a time with a happens-before edge between handovers.
         * The reservation expiry timer publishes from a thread of its own, so {@code SINGLE} needs it turned off
         * ({@code expireReservationsEvery(Duration.ZERO)}); {@link #build()} refuses the two together.
         */
        public Builder producerMode(ProducerMode mode) {
            this.producerMode = Objects.requireNonNull(mode, "producer mode");
            return this;
        }

        /** Number of shards (default 1); warehouse {@code w} belongs to shard {@code w % shards}. */
        public Builder shards(int count) {
            checkNotReserved("shards(" + count + ")");
            if (count < 1 || count > Limits.MAX_WAREHOUSE + 1) {
                throw new IllegalArgumentException("shards must be between 1 and " + (Limits.MAX_WAREHOUSE + 1)
                        + ", was " + count);
            }
            this.shards = count;
            return this;
        }

        /**
         * Each shard's journal (default: none; nothing is durable, and no journal stage is wired). Closed by
         * {@link PurestockEngine#close()}.
         */
        public Builder journal(IntFunction<DurabilityStage> perShard) {
            checkNotReserved("journal");
            this.journal = Objects.requireNonNull(perShard, "journal");
            return this;
        }

        /** Each shard's replication, run in parallel with its journal (default: none, and no replication stage). */
        public Builder replication(IntFunction<DurabilityStage> perShard) {
            this.replication = Objects.requireNonNull(perShard, "replication");
            return this;
        }

        /** Adds a consumer that sees every sequenced command and its outcome (any number, called in order). */
        public Builder consumer(OutcomeConsumer consumer) {
            this.consumers.add(Objects.requireNonNull(consumer, "consumer"));
            return this;
        }

        /**
         * Adds a reaction: follow-up commands for decided commands, run on the reaction thread
         * ({@code purestock-reactions}) and submitted through {@link PurestockEngine#submit(Command)}, so they are
         * sequenced, journaled and replayed like any other (any number, run in order on each outcome). Recovery never
         * runs reactions. See {@link Reactions} for the queue, close, crashes and failures.
         */
        public Builder reaction(Reaction reaction) {
            this.reactions.add(Objects.requireNonNull(reaction, "reaction"));
            return this;
        }

        /**
         * How many outcomes may wait for the reaction thread (default {@link #DEFAULT_REACTION_QUEUE}); beyond it an
         * outcome's reactions do not run, counted in {@link Reactions#dropped()} and logged, since the completion stage
         * never waits for them.
         */
        public Builder reactionQueue(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("reactionQueue must be at least 1, was " + capacity);
            }
            this.reactionQueue = capacity;
            return this;
        }

        /**
         * Where each shard starts (default: an empty {@link PrimitiveInventoryStore} at sequence 0). Recovery
         * passes the recovered store and the next sequence. A store may only hold positions of its shard's
         * warehouses, and belongs to its shard alone: {@code build()} refuses one store given to two shards.
         */
        public Builder initialState(IntFunction<ShardState> perShard) {
            checkNotReserved("initialState");
            this.initialState = Objects.requireNonNull(perShard, "initial state");
            return this;
        }

        /**
         * Says that the initial states given to {@link #initialState} are stores sized by {@link #storeCapacity}, made
         * before the engine is built (a journaled engine recovers each shard into one), so that {@link #validate}
         * counts them in the heap the start needs, as it does for the stores the engine makes itself. Without it, an
         * initial state counts as the caller's, already allocated.
         *
         * @return this builder
         */
        public Builder initialStoresSizedByCapacity() {
            this.initialStoresSizedByCapacity = true;
            return this;
        }

        /**
         * Each shard's snapshot writer (default: none); a factory may return {@code null} for a shard. A shard
         * with a writer gets the snapshot stage, which keeps a second copy of the shard's state (as much memory
         * again) up to date on its own thread ({@code purestock-shard-N-apply}) and writes snapshots from it on
         * another ({@code purestock-shard-N-snapshot}), so that the decision thread never stops for one. One
         * snapshot is written at a time: a snapshot asked for while the previous one is still being written waits
         * for it, and for the commands decided meanwhile to reach the copy, which the stage applies when the ring
         * has nothing for it; the answers behind it do not wait (engine/README.md, "Snapshots"). The factory is
         * asked only where snapshots may be cut: with {@link #snapshotsOnDemand} (the default) or
         * {@link #snapshotEvery}. Once one is set, and snapshots may be cut, {@link #validate()} weighs the
         * {@link #snapshotBacklogLimit} against the heap.
         */
        public Builder snapshotWriter(IntFunction<SnapshotWriter> perShard) {
            checkNotReserved("snapshotWriter");
            this.snapshotWriter = Objects.requireNonNull(perShard, "snapshot writer");
            this.snapshotWriterSet = true;
            return this;
        }

        /**
         * Writes a snapshot after each command whose sequence plus one is a multiple of {@code commands}
         * (with 1000: after sequences 999, 1999, ...); {@code 0} (default) turns periodic snapshots off. A
         * failed periodic snapshot is logged and the shard goes on. Snapshots are written on the snapshot
         * thread (see {@link #snapshotWriter}) while the shard goes on, so a period should be longer than a
         * snapshot takes to write and its backlog to be applied: a periodic snapshot that falls due while two
         * earlier ones still wait takes the place of the newer of them, which is skipped and logged (snapshots
         * become less frequent; the newest that fell due is written).
         */
        public Builder snapshotEvery(long commands) {
            if (commands < 0) {
                throw new IllegalArgumentException("snapshotEvery must be >= 0, was " + commands);
            }
            this.snapshotEvery = commands;
            return this;
        }

        /**
         * Whether {@link PurestockEngine#snapshot} may cut a snapshot where none are cut periodically
         * ({@link #snapshotEvery} {@code 0}); default {@code true}: a shard with a {@link #snapshotWriter} then has
         * the snapshot stage whether or not it is ever asked for a snapshot. {@code false} with {@code snapshotEvery}
         * {@code 0} leaves the stage out of every shard, writer or not: no second copy of the state, no
         * {@code -apply} and {@code -snapshot} threads, and no {@link #snapshotBacklogLimit} to weigh against the
         * heap (one set is never used); {@code snapshot} then fails with an {@link IllegalStateException}. With
         * periodic snapshots it changes nothing. For code that sets a writer before it knows whether snapshots will
         * be cut (a journaled engine, whose caller may set {@code snapshotEvery} after it).
         */
        public Builder snapshotsOnDemand(boolean onDemand) {
            this.snapshotsOnDemand = onDemand;
            return this;
        }

        /** Whether a shard with a {@link #snapshotWriter} gets the snapshot stage: on demand, or periodic ones. */
        boolean snapshotStage() {
            return snapshotEvery > 0 || snapshotsOnDemand;
        }

        /**
         * The commands decided during a snapshot's write that each shard's snapshot stage keeps aside for its copy,
         * at most (default 4,194,304: about 520 MB of one-line purchases, up to twice that with commands of several
         * events; some four seconds of a write that stalls at a million commands a second; lowered, in a smaller
         * heap, to what fits, below). The stage applies them
         * to its copy once the write ends; a write that never ends (a disk or a mount that hangs) would otherwise
         * let them grow until the heap runs out, on any thread of the JVM. At the limit the stage gives its copy
         * up: the commands kept aside are dropped, the snapshots waiting fail with the cause, and so does every
         * later one until the engine is restarted (one error logged, {@link ShardMetrics#snapshotsUnavailable()}
         * set at once, each failed snapshot counted in {@link ShardMetrics#snapshotsFailed()}); the shard goes on
         * deciding and answering, and the write in flight may still end, with a snapshot that holds exactly the
         * commands up to its mark. Only writes in flight let the backlog grow, but with writes back to back it
         * carries over from one to the next, up to the intake of a write and of the marks waiting (at most two
         * periods of {@link #snapshotEvery}): a limit below that gives the copy up on a disk that works
         * (engine/README.md, "Snapshots").
         *
         * <p>The limit is there so that the heap does not run out, so it must fit in it: with a
         * {@link #snapshotWriter} and snapshots that may be cut (not {@link #snapshotsOnDemand}{@code (false)} without
         * {@link #snapshotEvery}, where no shard has the stage and the limit is never used), {@link #build()} refuses
         * a limit under which every shard's room, full at once, would take more than half the JVM's maximum heap, at
         * {@link HeapEstimate#KEPT_ASIDE_BYTES} a command ({@link HeapEstimate#backlogLimitFitting} says why half),
         * naming the limit that would fit; and the default is lowered to that limit where it is below 4,194,304 (in
         * a heap under about 1 GiB per shard: 2,164,802 with {@code -Xmx512m} and one shard).
         *
         * @throws IllegalArgumentException if {@code commands} is below 1
         */
        public Builder snapshotBacklogLimit(int commands) {
            if (commands < 1) {
                throw new IllegalArgumentException("snapshotBacklogLimit must be >= 1 (commands kept aside during a "
                        + "snapshot's write), was " + commands);
            }
            this.snapshotBacklogLimit = commands;
            return this;
        }

        /**
         * Where callers' callbacks run and futures complete (default: none, on the engine's threads).
         *
         * <p>Without an executor, an answer runs on the thread that has it: a sequenced command's on its shard's
         * completion thread ({@code purestock-shard-N-complete}), which answers the shard's commands one after
         * another, so a slow callback holds up every answer behind it and, once the ring is full, every
         * submitter; an answer given without sequencing (a shape limit, a cross-shard order, a refusal) on the
         * submitting thread. A future completes there too, so its non-async continuations ({@code thenApply},
         * {@code thenAccept}, ...) run on that thread; the {@code ...Async} forms run on the pool they name.
         *
         * <p>With an executor, every answer to a caller is handed to it instead: {@link OutcomeCallback}s and
         * {@link OutcomeViewCallback}s are called, failures included, and futures completed (so their non-async
         * continuations run) on the executor's threads, never on a stage thread or the submitting thread: those of
         * submissions, and those of {@link PurestockEngine#snapshot} and {@link PurestockEngine#digest}, which
         * without an executor complete on the shard's stage threads. The
         * engine cannot lend an {@link OutcomeViewCallback} its reused view across threads, so it copies the
         * outcome first ({@link OutcomeView#toOutcome()}) and calls the callback on the executor with a view of
         * that copy, valid during that call: a view callback works unchanged, but the garbage-free answer path
         * then allocates the copy and the task per command. Keep it garbage-free by leaving the executor unset
         * and keeping callbacks quick. A callback that throws on the executor is logged and counted in
         * {@link PurestockEngine#consumerFailures()}, as on a stage thread; an executor that refuses a task
         * (shut down, saturated, or out of threads: an {@link OutOfMemoryError} from a pool that cannot start a
         * worker) has the answer run on the thread that has it instead, so no caller goes unanswered. Answers are
         * handed over in the order a shard completes them; whether they run in that order is up to the executor.
         * Consumers ({@link #consumer}) and durability stages stay on the stage threads. The engine never shuts the
         * executor down, and {@link PurestockEngine#close()} waits for the stages, not for it: answers handed over
         * may still be running when close returns, so shut the executor down (and await it) after closing the
         * engine.
         */
        public Builder callbackExecutor(Executor executor) {
            this.callbackExecutor = Objects.requireNonNull(executor, "callback executor");
            return this;
        }

        /**
         * Called on each of the engine's threads when it starts, before it runs its stage (default: none): with the
         * shard it serves and its {@link StageRole}, for a service that pins stage threads to cores or raises
         * their priority. It runs once per stage thread of every shard (only the stages configured have threads)
         * and once for the expiry timer's thread ({@link StageThreadListener#ALL_SHARDS},
         * {@link StageRole#EXPIRE_RESERVATIONS}), several at once (not for the reactions' thread, which is no stage
         * thread); {@link #build()} returns once every call has
         * returned. If a call throws, {@code build()} closes the engine it started and throws an
         * {@link IllegalStateException} naming the thread, caused by the listener's exception (a close that throws
         * too is suppressed in it).
         */
        public Builder onStageThreadStart(StageThreadListener listener) {
            this.stageThreadListener = Objects.requireNonNull(listener, "stage thread listener");
            return this;
        }

        /**
         * For tests: {@code hook} is called with each stage thread as it is started, and a throw stands for a
         * thread the JVM cannot start (an {@link OutOfMemoryError}, "unable to create native thread").
         */
        Builder stageThreadStarting(Consumer<Thread> hook) {
            this.stageThreadStarting = Objects.requireNonNull(hook, "stage thread starting");
            return this;
        }

        /**
         * For tests that run the timer by hand ({@link PurestockEngine#expireReservations()}) with it off: the
         * decision stages keep the due times those runs read, as they do for a timer (with the timer off they keep
         * none, {@link DueTimes#unkept}).
         */
        Builder keepDueTimes() {
            this.keepDueTimes = true;
            return this;
        }

        /**
         * For tests: {@code fault} is told as the engine builds each answer to a caller, and a throw stands for the
         * engine failing there (memory running out as it builds the outcome or the task for the callback executor).
         */
        Builder answerFault(CallerAnswers.Fault fault) {
            this.answerFault = Objects.requireNonNull(fault, "answer fault");
            return this;
        }

        /**
         * For tests: {@code fault} is told each command's sequence before the read model applies its events, and a
         * throw stands for the read model failing there (memory running out as it grows): the shard then takes no
         * more submissions, while the commands it had taken are still decided, made durable and answered.
         */
        Builder readModelFault(LongConsumer fault) {
            this.readModelFault = Objects.requireNonNull(fault, "read model fault");
            return this;
        }

        /**
         * For tests: {@code fault} is told the shard as the expiry timer publishes each time command to it, before the
         * command is in the ring, and a throw stands for the publication failing there (memory running out as the
         * refusal of a wait that a timed-out close abandoned is built).
         */
        Builder timeCommandFault(IntConsumer fault) {
            this.timeCommandFault = Objects.requireNonNull(fault, "time command fault");
            return this;
        }

        /**
         * For tests: {@code fault} is told the shard as a caller that may wait (a {@code submit} of a command's record,
         * not a {@code trySubmit}) publishes a command to it, on the caller's thread before the command is in the
         * ring; for a command for every shard, as it is published to each; for {@code submitAll}, as each run of one
         * shard's commands is. A throw stands for the publication failing there (memory running out as the refusal
         * of a wait that a timed-out close abandoned is built).
         */
        Builder publicationFault(IntConsumer fault) {
            this.publicationFault = Objects.requireNonNull(fault, "publication fault");
            return this;
        }

        /**
         * For tests: {@code fault} is told each shard as a {@code close(timeout)} that ran out of time builds the
         * failure of the callers the shard left unanswered, and a throw stands for building it failing (memory
         * running out).
         */
        Builder abandonFault(IntConsumer fault) {
            this.abandonFault = Objects.requireNonNull(fault, "abandon fault");
            return this;
        }

        /**
         * For tests: {@code fault} is run as each close finishes, once the stages and the reactions' thread have
         * stopped, and a throw stands for the close failing there (an {@link Error} as it ends).
         */
        Builder closeFault(Runnable fault) {
            this.closeFault = Objects.requireNonNull(fault, "close fault");
            return this;
        }

        /** The clock the engine stamps commands with (default: {@link System#currentTimeMillis()}). */
        public Builder clock(LongSupplier epochMillis) {
            this.clock = Objects.requireNonNull(epochMillis, "clock");
            return this;
        }

        /**
         * The period of the engine's time command (default {@link #DEFAULT_EXPIRE_RESERVATIONS_EVERY}, one
         * second); {@link Duration#ZERO} turns the timer off. A daemon thread, {@code purestock-expire-reservations},
         * sends an {@link Command.ExpireReservations} carrying {@link #retainOrdersFor} to a shard as soon as
         * something there falls due on {@link #clock} (a reservation expires, a held command's time comes, a
         * full command's worth of orders' retention windows end), and for fewer orders past their window at most
         * once a period per shard: an order is forgotten at most a period after its window ends, at about the pace
         * orders came in, never a period's worth at once. It waits for ring space like a submitter. The
         * command is sequenced, stamped with {@link #clock} and journaled like any other, and consumers see it; a
         * shard with nothing to do is not sent one. A shard whose last one forgot
         * {@link Limits#MAX_FORGOTTEN_PER_COMMAND} orders, or decided {@link Limits#MAX_RELEASED_PER_COMMAND} held
         * commands, and left more due at once gets the next within about a millisecond. The timer reads the clock
         * at least once a period, so a clock that jumps ahead is noticed within one. With the timer off nothing
         * expires and no held command is decided until a time command is submitted, and the decision stages spend
         * nothing on when the next would be due.
         *
         * @throws IllegalArgumentException when {@code period} is negative, or positive and under a millisecond (the
         *                                  clock's unit)
         */
        public Builder expireReservationsEvery(Duration period) {
            Objects.requireNonNull(period, "expireReservationsEvery");
            if (period.isNegative() || !period.isZero() && period.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("expireReservationsEvery must be zero (off) or at least 1 ms, the "
                        + "engine clock's unit, was " + period);
            }
            this.expireReservationsEvery = period;
            return this;
        }

        /**
         * Reserves the settings that decide what a shard is and where it is kept: {@link #shards},
         * {@link #journal}, {@link #initialState} and {@link #snapshotWriter}. Afterwards setting any of them
         * throws an {@link IllegalArgumentException} naming the setting, followed by {@code why}. For code that
         * builds an engine on storage it owns (a journaled engine on its directory) and lets its caller tune
         * the rest.
         *
         * @param why who owns these settings and what to do instead, for the message
         */
        public Builder reserveStorageSettings(String why) {
            this.storageReserved = Objects.requireNonNull(why, "why");
            return this;
        }

        private void checkNotReserved(String setting) {
            if (storageReserved != null) {
                throw new IllegalArgumentException(setting + " cannot be set here: " + storageReserved);
            }
        }

        /**
         * How long after its last change (accepted, cancelled, confirmed, released, expired) an order or
         * reservation is remembered (default {@link #DEFAULT_RETAIN_ORDERS_FOR}, 24 hours; at least one
         * millisecond, the clock's unit; a window beyond about 292 million years is taken as
         * {@link Long#MAX_VALUE} milliseconds, which never forgets). A live reservation is never forgotten.
         * After the window, a time command the timer sends forgets it, at most one timer period later (see
         * {@link #expireReservationsEvery}): a cancel, confirm or release of it is then {@code UNKNOWN_ORDER}, and a
         * repeat of the command that created it is decided afresh as a new order, so retries must arrive within the
         * window.
         * The window travels in every time command, so the journal records it and a replay decides the same.
         * Memory for orders stays bounded by the order rate times the window.
         */
        public Builder retainOrdersFor(Duration window) {
            Objects.requireNonNull(window, "retainOrdersFor");
            if (window.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("retainOrdersFor must be at least one millisecond, the unit of the "
                        + "engine's clock, was " + window);
            }
            this.retainOrdersFor = window;
            return this;
        }

        /**
         * How much state each shard is sized for up front (default {@link StoreCapacity#DEFAULT}): the decision
         * store of a shard that starts empty (without {@link #initialState}), the snapshot stage's copy of the
         * state, and the read model's order statuses and positions. Within these figures nothing is resized while
         * commands flow; beyond them each structure grows a chunk or a table at a time. With {@link #retainOrdersFor}
         * the orders held at once stay near the order rate times the window, so a capacity sized for that window is
         * reached once and then reused. What is sized ahead is allocated as the engine starts: {@link #build()}
         * refuses a capacity that, with the ring's slots, cannot fit the JVM's maximum heap ({@link HeapEstimate}).
         */
        public Builder storeCapacity(StoreCapacity capacity) {
            this.storeCapacity = Objects.requireNonNull(capacity, "store capacity");
            return this;
        }

        /**
         * The capacity set by {@link #storeCapacity} so far: for code that builds a shard's initial state itself
         * (a journaled engine recovering into stores of this size).
         */
        public StoreCapacity storeCapacity() {
            return storeCapacity;
        }

        /**
         * Builds and starts the engine: returns once every stage thread has started (and the
         * {@link #onStageThreadStart} listener, if any, has returned on each).
         *
         * @throws IllegalStateException when the stage thread listener threw, or a thread could not be started
         *                               (an {@link OutOfMemoryError}, "unable to create native thread", as its
         *                               cause); the threads started were stopped and every durability stage closed
         */
        public PurestockEngine build() {
            validate();
            return new PurestockEngine(this);
        }

        /**
         * Refuses the settings that {@link #build()} refuses together (each setter refuses a bad value of its own
         * at once): for code that must refuse a start before it touches anything, as a journaled engine does before
         * it takes its directory's lock. {@link #build()} calls it too.
         *
         * @return this builder
         * @throws IllegalArgumentException for {@code producerMode(SINGLE)} with the expiry timer on, or with a
         *                                  reaction; for {@link #snapshotEvery} without a {@link #snapshotWriter}
         *                                  (a writer factory that returns {@code null} for a shard is refused by
         *                                  {@code build()}); or when the ring slots and the state sized ahead that the
         *                                  engine allocates as it starts ({@link #ringSize}, {@link #storeCapacity}
         *                                  and {@link #shards} together) need more than the JVM's maximum heap:
         *                                  more than {@link HeapEstimate#of}{@code (shards, ringSize, storeCapacity,
         *                                  1)} counts, or {@code 0} stores for an {@link #initialState} not sized
         *                                  by the capacity ({@link #initialStoresSizedByCapacity}); or, with a
         *                                  {@link #snapshotWriter} and a snapshot stage ({@link #snapshotsOnDemand}
         *                                  or {@link #snapshotEvery}), for a {@link #snapshotBacklogLimit} set above
         *                                  {@link HeapEstimate#backlogLimitFitting} for the shards and that heap
         */
        public Builder validate() {
            return validate(Runtime.getRuntime().maxMemory());
        }

        /** {@link #validate()} against a maximum heap of {@code maxHeap} bytes. */
        Builder validate(long maxHeap) {
            checkHeap(maxHeap);
            checkBacklogLimit(maxHeap);
            if (snapshotEvery > 0 && !snapshotWriterSet) {
                throw new IllegalArgumentException("snapshotEvery(" + snapshotEvery + ") needs a snapshot writer: set "
                        + "Builder.snapshotWriter, or leave snapshotEvery at 0 (no periodic snapshots)");
            }
            if (producerMode == ProducerMode.SINGLE && !expireReservationsEvery.isZero()) {
                throw new IllegalArgumentException("producerMode(SINGLE) lets one thread publish, but the reservation "
                        + "expiry timer publishes from a thread of its own every " + expireReservationsEvery
                        + "; turn it off with expireReservationsEvery(Duration.ZERO) and submit ExpireReservations "
                        + "from the producing thread, or keep producerMode(MULTI)");
            }
            if (producerMode == ProducerMode.SINGLE && !reactions.isEmpty()) {
                throw new IllegalArgumentException("producerMode(SINGLE) lets one thread publish, but reactions "
                        + "submit their follow-ups from a thread of their own (purestock-reactions); keep "
                        + "producerMode(MULTI) with reactions");
            }
            return this;
        }

        /**
         * Refuses settings whose start would run out of heap: every shard allocates its ring's slots, its read model's
         * order and position tables and, when it starts empty, its store, all sized ahead, before it takes a command.
         * What is counted is {@link HeapEstimate}'s lower bound (the arrays alone; the snapshot stage's copy, when
         * configured, is as large again and not counted here), so a start refused here would have failed with an
         * {@link OutOfMemoryError}, after seconds of allocating.
         */
        private void checkHeap(long heap) {
            long needed = HeapEstimate.of(shards, ringSize, storeCapacity,
                    initialState == null || initialStoresSizedByCapacity ? 1 : 0).total();
            if (needed > heap) {
                throw new IllegalArgumentException("ringSize(" + ringSize + ") and " + storeCapacity + " for each of "
                        + shards + " shard(s) take at least " + needed / (1024 * 1024) + " MiB of heap as the engine "
                        + "starts (the ring's slots and the state sized ahead), more than this JVM's maximum heap of "
                        + heap / (1024 * 1024) + " MiB (-Xmx): lower them, or give the JVM more heap");
            }
        }

        /**
         * Refuses, with a snapshot writer and a {@link #snapshotStage}, a {@link #snapshotBacklogLimit} set so high
         * that every shard's room kept aside, full at once while a write hangs, would take more than half of
         * {@code heap} ({@link HeapEstimate#backlogLimitFitting}): the heap would run out before the limit stopped
         * the room.
         */
        private void checkBacklogLimit(long heap) {
            if (!snapshotWriterSet || !snapshotStage() || snapshotBacklogLimit == 0) {
                return;
            }
            int fits = HeapEstimate.backlogLimitFitting(shards, heap);
            if (snapshotBacklogLimit > fits) {
                long bytes = (long) shards * snapshotBacklogLimit * HeapEstimate.KEPT_ASIDE_BYTES;
                throw new IllegalArgumentException("snapshotBacklogLimit(" + snapshotBacklogLimit + ") lets the "
                        + "snapshot stage of each of " + shards + " shard(s) keep up to " + bytes / (1024 * 1024)
                        + " MiB of commands aside while a snapshot write hangs (" + HeapEstimate.KEPT_ASIDE_BYTES
                        + " bytes a one-line purchase, every shard's room full at once), more than half of this JVM's "
                        + "maximum heap of " + heap / (1024 * 1024) + " MiB (-Xmx), whose other half the state, its "
                        + "snapshot copy and the application need: lower it to " + fits + " or less, or give the JVM "
                        + "more heap");
            }
        }

        /**
         * The backlog limit each snapshot stage keeps to in a maximum heap of {@code heap} bytes: the one set, or the
         * default lowered to what fits ({@link HeapEstimate#backlogLimitFitting}).
         */
        int snapshotBacklogLimit(long heap) {
            return snapshotBacklogLimit != 0 ? snapshotBacklogLimit
                    : Math.min(SnapshotHandler.BACKLOG_LIMIT, HeapEstimate.backlogLimitFitting(shards, heap));
        }

        /** The number of shards set by {@link #shards} so far (default 1): for code that supports only some. */
        public int shards() {
            return shards;
        }
    }
}
