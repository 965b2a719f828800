package dev.purestock.engine;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import dev.purestock.domain.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stage 3, after every durability stage has passed the slot: updates the read model, lets go of the new order ids
 * the command claimed as it was routed ({@link InFlightOrders}), answers the caller, runs the registered consumers
 * and clears the slot. Events stay in the slot's buffer: a
 * {@link OutcomeViewCallback} reads them through a reused {@link OutcomeView}, and records are built (once per
 * command) only for an {@link OutcomeCallback}, a future or a consumer; so is the command's record for the
 * consumers when it was submitted as fields. A slot at or after a shard failure is
 * answered with that failure instead, so nothing that was not made durable is ever acknowledged. If updating the
 * read model throws, the shard takes no more submissions and the read model is no longer updated, but every
 * command already taken, that one included, is still answered with its outcome.
 *
 * <p>Callers' callbacks and consumers are isolated: one that throws is logged and counted, and the
 * shard goes on. An {@link Error} too, a {@link VirtualMachineError} included (a {@link StackOverflowError} of the
 * callback's own recursion, an {@link OutOfMemoryError}): the command it answered, and every command the stages
 * passed meanwhile, was decided, journaled and applied, so none of them may be answered as failed because a
 * caller's code threw. The engine's state is not the callback's to break, and memory running out where the engine
 * allocates for a command is met there: deciding or applying it stops the shard before that command is journaled.
 *
 * <p>Each slot is answered exactly once, by this stage or, when a {@code close(timeout)} ran out of time, by the
 * closing thread ({@link #abandon}): this stage claims each slot before it answers it (one uncontended
 * compare-and-set), and the closing thread takes every slot not yet claimed at once (a get-and-set). Both are
 * read-modify-writes of one variable, which come in one order: the close's comes before this stage's claim of slot
 * {@code s}, which then fails, or after it, and then returns {@code s} or later, and the close answers only the slots
 * after that.
 *
 * <p>Why a compare-and-set per slot, and not a plain or ordered write per slot with a fence on close: the two threads
 * must agree on which of them answers each slot, and neither may wait for the other (this stage may be blocked in a
 * caller's callback for good, the close may come at any moment). With writes and reads alone, this stage would write
 * that it takes slot {@code s} and then read whether a close took it, and the close would write that it takes what
 * is left and then read how far this stage got; each thread's read may pass its own write before it (a store-load
 * reordering, which x86 makes too, through its store buffer) unless a full fence parts them, and then each may read
 * the other's old value, and both answer {@code s}. The fence on this stage's side would be per slot, and costs what
 * the compare-and-set costs (both drain the store buffer; the line is this stage's own, which only a close ever
 * reads). Claiming a batch of slots at a time would pay it once a batch, but a close would then leave the callers of
 * the slots after one whose callback hangs, in the same batch, unanswered until that callback returns, which
 * {@code close(Duration)} promises not to do.
 */
final class CompletionHandler implements EventHandler<CommandSlot> {
    private static final Logger LOG = LoggerFactory.getLogger(CompletionHandler.class);

    private final int shard;
    private final ShardHealth health;
    private final ReadModel.Updater readModel;
    private final OutcomeConsumer[] consumers;
    private final AtomicLong isolatedFailures;
    private final ShardCounters.Completion counters;
    private final CallerAnswers answers;
    /** The one view every callback of this shard is handed, pointed at each outcome in turn. */
    private final OutcomeView view = new OutcomeView();
    /** The last ring sequence this stage claimed to answer; {@link Long#MAX_VALUE} once a close took the rest. */
    private final AtomicLong claimed = new AtomicLong(-1);
    /** The last ring sequence this stage has finished answering (a release store per slot, no fence). */
    private final AtomicLong answered = new AtomicLong(-1);
    /** The new order ids in flight, which this stage lets go of as it answers; {@code null} with one shard. */
    private final InFlightOrders inFlight;
    /** Whether updating the read model threw: it is not updated any more. */
    private boolean readModelFailed;

    CompletionHandler(int shard, ShardHealth health, ReadModel.Updater readModel, List<OutcomeConsumer> consumers,
                      AtomicLong isolatedFailures, CallerAnswers answers, ShardCounters.Completion counters,
                      InFlightOrders inFlight) {
        this.inFlight = inFlight;
        this.counters = counters;
        this.shard = shard;
        this.health = health;
        this.readModel = readModel;
        this.consumers = consumers.toArray(new OutcomeConsumer[0]);
        this.isolatedFailures = isolatedFailures;
        this.answers = answers;
    }

    @Override
    public void onStart() {
        StageThreads.begin(shard, StageRole.COMPLETE);
    }

    @Override
    public void onEvent(CommandSlot slot, long ringSequence, boolean endOfBatch) {
        if (!claimed.compareAndSet(ringSequence - 1, ringSequence)) {
            return; // a close whose time ran out answered this slot and every later one; it reads them as they are
        }
        CommandSlot.Request request = slot.request;
        CommandSlot.Decision decision = slot.decision;
        try {
            switch (request.kind) {
                case COMMAND -> complete(request, decision, ringSequence);
                case SNAPSHOT, DIGEST -> completeControl(request.control, decision, ringSequence);
                case BARRIER -> {
                    if (request.control != null) {
                        request.control.complete(ringSequence);
                    }
                }
            }
        } catch (Throwable e) {
            unanswered(request, decision, ringSequence, e);
        } finally {
            request.clear();
            decision.clear();
            answered.setRelease(ringSequence);
        }
    }

    /** Whether this stage has finished answering every slot up to {@code ringSequence}. */
    boolean answeredThrough(long ringSequence) {
        return answered.get() >= ringSequence;
    }

    private void complete(CommandSlot.Request request, CommandSlot.Decision decision, long ringSequence) {
        if (!decision.sequenced || health.failedAtOrBefore(ringSequence)) {
            // its ids stay claimed for this shard (not let go of): a command failed so may have been made durable all
            // the same, and a restart then recovers its order here, so a command with one of its ids that entered
            // before the stop, routed to another shard, must be refused there as while this one was in flight
            fail(request, health.failure());
            return;
        }
        try {
            updateReadModel(decision);
        } finally {
            if (!readModelFailed) {
                letGo(request);
            }
        }
        view.wrap(shard, decision.sequence, decision.time, decision.events);
        try {
            answer(request, decision);
        } finally {
            view.release();
        }
    }

    /**
     * Lets go of the order ids the command in {@code request} claimed as it was routed ({@link InFlightOrders}):
     * after the read model took its events, so that a command routed once the ids are free finds there any order it
     * made, and before its caller is answered, who may then use an id again on another shard. Not called once the
     * read model failed: it records none of the orders this shard accepts from then on, so their ids stay claimed
     * for this shard, refused on the others (a command that entered before the intake stopped may still be routed).
     * Nor for a command a failure of the shard fails: it may have been made durable all the same.
     */
    private void letGo(CommandSlot.Request request) {
        if (inFlight != null) {
            inFlight.release(request, shard);
        }
    }

    /**
     * Applies the command's events to the read model. The command is decided and durable whatever happens here,
     * so its caller is still answered with its outcome. A read model that failed part way no longer matches the
     * state, and callers query it and a sharded engine routes cancels, confirms, releases and cancels of holds, and
     * refuses reused order ids, by it (the timer's due times are the decision stage's): the shard takes no more
     * submissions, and the read model is left as it is (no later command is applied to it, its last sequence stays
     * the last one applied), while the commands already taken are decided, journaled and answered as usual.
     */
    private void updateReadModel(CommandSlot.Decision decision) {
        if (readModelFailed) {
            return;
        }
        try {
            readModel.apply(decision.sequence, decision.events);
        } catch (Throwable e) {
            readModelFailed = true;
            health.stopIntake("updating the read model with command sequence " + decision.sequence, e);
        }
    }

    /**
     * Answers through the view; the records are built once, and only if a callback handed to the callback
     * executor, a future or a consumer asks. The callback and the future are taken from the request as each is
     * answered, so that whatever {@link #unanswered} finds there was not.
     */
    private void answer(CommandSlot.Request request, CommandSlot.Decision decision) {
        answers.answering(shard, decision.sequence);
        Outcome outcome = null;
        OutcomeViewCallback callback = request.callback;
        if (callback != null) {
            if (answers.inPlace(callback)) {
                if (callback instanceof OutcomeCallback) {
                    view.events(); // the records it asks for are the engine's to build, outside the callback's guard
                }
                if (!(callback instanceof CallerAnswers.Internal)) {
                    // taken before it is called: whatever it throws, and its isolation too (a log line that cannot
                    // be written as memory runs out), it has had its answer and is not failed on top of it
                    request.callback = null;
                }
                try {
                    callback.onOutcome(view);
                } catch (Throwable e) {
                    if (callback instanceof CallerAnswers.Internal) {
                        throw e; // the engine's own (a broadcast's): it failed to answer, and its caller is told
                    }
                    isolated("the callback of command sequence " + decision.sequence, e);
                }
            } else {
                outcome = view.toOutcome();
                answers.handOff(callback, outcome);
            }
            request.callback = null;
        }
        if (request.future == null && consumers.length == 0) {
            return;
        }
        if (outcome == null) {
            outcome = view.toOutcome();
        }
        if (request.future != null) {
            answers.complete(request.future, outcome);
            request.future = null;
        }
        Command command = consumers.length == 0 ? null : request.toCommand();
        for (OutcomeConsumer consumer : consumers) {
            try {
                consumer.onOutcome(command, outcome);
            } catch (Throwable e) {
                isolated("consumer " + consumer + " on command sequence " + decision.sequence, e);
            }
        }
    }

    /** Fails the caller of {@code request}, taking the callback and the future from it as each is answered. */
    private void fail(CommandSlot.Request request, Throwable failure) {
        answers.answering(shard, Outcome.NOT_SEQUENCED);
        OutcomeViewCallback callback = request.callback;
        if (callback != null) {
            if (answers.inPlace(callback)) {
                request.callback = null; // called here: answered, whatever its isolation throws
            }
            answers.failure(callback, null, failure, shard);
            request.callback = null;
        }
        if (request.future != null) {
            answers.failure(null, request.future, failure, shard);
            request.future = null;
        }
    }

    /**
     * The stage failed as it answered the slot at {@code ringSequence} (memory running out as it built the outcome or
     * a task for the callback executor, a bug): whoever of its caller was not answered yet is told what became of the
     * command, so that no caller waits forever. A command that every stage passed stands, decided and durable: its
     * caller gets an {@link OutcomeNotDeliveredException} naming its sequence. One that a failure of the shard had
     * failed gets that failure once more. The shard goes on: its state, journal and read model are whole (the read
     * model guards its own update), and only this answer was lost. If even that fails, the slot is logged as left
     * unanswered, which is all that is left to do.
     */
    private void unanswered(CommandSlot.Request request, CommandSlot.Decision decision, long ringSequence,
                            Throwable cause) {
        try {
            if (request.kind != CommandSlot.Kind.COMMAND) {
                if (request.control != null) {
                    request.control.completeExceptionally(new IllegalStateException("purestock shard " + shard
                            + " failed as it answered this request (" + cause + ")", cause));
                }
                return;
            }
            boolean durable = decision.sequenced && !health.failedAtOrBefore(ringSequence);
            if (!durable) {
                LOG.error("shard {}: failing the caller of ring slot {} failed; it is failed again", shard,
                        ringSequence, cause);
                Throwable failure = health.failure();
                fail(request, failure != null ? failure : new IllegalStateException("purestock shard " + shard
                        + " failed as it answered this command, which it had not sequenced (" + cause + ")", cause));
                return;
            }
            if (request.callback != null || request.future != null) {
                // as any failure: in place, or on the callback executor
                fail(request, new OutcomeNotDeliveredException(shard, decision.sequence, cause));
            }
            LOG.error("shard {}: answering command sequence {} failed; it stands, decided and durable, and its caller "
                    + "is told so", shard, decision.sequence, cause);
        } catch (Throwable again) {
            again.addSuppressed(cause);
            LOG.error("shard {}: the caller of ring slot {} could not be answered at all", shard, ringSequence,
                    again);
        }
    }

    /**
     * For a close whose time ran out, once no publisher is left: answers every slot of {@code ring} this stage
     * has not claimed yet with {@code cause} (on the calling thread), and makes the stages skip them.
     *
     * @return how many slots were answered here
     */
    long abandon(RingBuffer<CommandSlot> ring, RuntimeException cause) {
        long through = ring.getCursor();
        long claimedThrough = claimed.getAndSet(Long.MAX_VALUE);
        health.abandonFrom(claimedThrough + 1);
        for (long ringSequence = claimedThrough + 1; ringSequence <= through; ringSequence++) {
            CommandSlot.Request request = ring.get(ringSequence).request;
            if (request.kind == CommandSlot.Kind.COMMAND) {
                letGo(request);
            }
            try {
                failAbandoned(request, cause);
            } catch (Throwable e) {
                // failing one caller failed (memory running out as the answer was made): it is tried once more, and
                // the callers after it are answered either way, never left waiting behind it
                try {
                    failAbandoned(request, cause);
                } catch (Throwable again) {
                    again.addSuppressed(e);
                    LOG.error("shard {}: the caller of ring slot {} could not be told that the close timed out",
                            shard, ringSequence, again);
                }
            }
        }
        return Math.max(0, through - claimedThrough);
    }

    /** Fails what of {@code request} is not answered yet with {@code cause}, for {@link #abandon}. */
    private void failAbandoned(CommandSlot.Request request, RuntimeException cause) {
        if (request.kind == CommandSlot.Kind.COMMAND) {
            fail(request, cause);
        } else if (request.control != null) {
            request.control.completeExceptionally(cause);
        }
    }

    private void completeControl(CompletableFuture<Long> control, CommandSlot.Decision decision, long ringSequence) {
        if (health.failedAtOrBefore(ringSequence)) {
            control.completeExceptionally(health.failure());
        } else {
            control.complete(decision.controlResult);
        }
    }

    private void isolated(String what, Throwable e) {
        counters.callbackFailures.increment();
        long count = isolatedFailures.incrementAndGet();
        LOG.warn("shard {}: {} threw; isolated, the shard goes on ({} such failures so far)", shard, what, count, e);
    }
}
