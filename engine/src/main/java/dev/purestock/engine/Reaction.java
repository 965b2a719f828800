package dev.purestock.engine;

import dev.purestock.domain.Command;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A follow-up rule outside the domain, registered with {@link PurestockEngine.Builder#reaction}: it sees every
 * sequenced command with its outcome, as a consumer does, and answers with the commands that should follow (a
 * payment failed: release the reservation). The engine submits them through {@link PurestockEngine#submit(Command)},
 * so they are sequenced, journaled and replayed like any other command, and their outcomes reach the reactions in
 * turn (chains of follow-ups). See {@link Reactions} for the thread, the queue and what happens on close, full
 * queue and restart.
 *
 * <p>A reaction runs on the engine's reaction thread ({@code purestock-reactions}), never on a stage thread, one
 * outcome at a time, in the order each shard completed them. A reaction that must wait for the outside world (a
 * payment service) returns a stage that completes later, instead of blocking that thread; its follow-ups are
 * submitted when it completes. A reaction that throws, or whose stage fails, is logged and counted
 * ({@link Reactions#failures()}); the engine and the other reactions go on.
 *
 * <pre>{@code
 * .reaction((command, outcome) -> command instanceof Command.Reserve r
 *         && outcome.events().stream().anyMatch(Event.StockReserved.class::isInstance)   // not a repeat
 *         ? payments.charge(r.orderId()).thenApply(paid -> List.of(paid
 *                 ? new Command.ConfirmReservation(r.orderId())
 *                 : new Command.ReleaseReservation(r.orderId())))
 *         : Reaction.none())
 * }</pre>
 */
@FunctionalInterface
public interface Reaction {

    /**
     * The follow-ups of one decided command.
     *
     * @param command the command, as submitted (its record)
     * @param outcome what the domain decided for it
     * @return a stage completing with the commands to submit, in order (an empty list: none)
     * @throws Exception when the reaction fails; it is logged and counted, and nothing is submitted
     */
    CompletionStage<List<Command>> react(Command command, Outcome outcome) throws Exception;

    /** No follow-up: a completed stage with an empty list. */
    static CompletionStage<List<Command>> none() {
        return CompletableFuture.completedFuture(List.of());
    }

    /** These follow-ups, known now: a completed stage with them, in order. */
    static CompletionStage<List<Command>> followUps(Command... commands) {
        return CompletableFuture.completedFuture(List.of(commands));
    }
}
