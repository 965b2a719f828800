package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.DecidedEvents;
import dev.purestock.domain.Event;

import java.util.List;

/**
 * A stage-2 handler that makes decided commands durable: the journal, or replication. Stages run in
 * parallel on their own threads; a caller is answered only after every stage has seen its command.
 *
 * <p>Calls arrive in sequence order, from one thread. A stage may make each command durable per call or
 * gather the batch's commands, but it must have made every command of a batch durable when the call with
 * {@code endOfBatch} true returns, and it does its expensive I/O (a sync, a network flush) then. Throwing
 * stops the engine: nothing from the failing call's batch onwards is acknowledged.
 */
public interface DurabilityStage extends AutoCloseable {

    /**
     * One decided command.
     *
     * @param sequence   the command's sequence number in its shard, gap-free from the engine's first
     * @param time       the time the engine stamped when it sequenced the command (epoch milliseconds)
     * @param command    the command as submitted
     * @param events     what the domain decided
     * @param endOfBatch whether this is the last command available right now
     * @throws Exception when the command could not be made durable
     */
    void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch)
            throws Exception;

    /**
     * One decided command, read where the engine holds it: what the engine calls. The command arrives as a
     * {@link SubmittedCommand} view of its slot (its record, or the fields a garbage-free submit method wrote
     * there) and the events as the decision stage wrote them. A stage that can read both in primitive form (a
     * journal encoding them to bytes) overrides this and builds no record; the default builds the command's and
     * the events' records and calls {@link #onDecided(long, long, Command, List, boolean)}, the simple form to
     * implement.
     *
     * @param command the command as submitted; valid only during the call, and only to be read
     * @param events  what the domain decided; valid only during the call, and only to be read
     */
    default void onDecided(long sequence, long time, SubmittedCommand command, DecidedEvents events,
                           boolean endOfBatch) throws Exception {
        onDecided(sequence, time, command.toCommand(), events.toEvents(), endOfBatch);
    }

    /**
     * The batch ended without its last command reaching this stage: a failure elsewhere in the shard (another
     * stage) stopped the shard at or before that command, after this stage had received earlier commands of the
     * batch with {@code endOfBatch} false. Those before the failure are acknowledged, so a stage that makes its
     * work durable at the end of a batch does so here. Not called after the stage itself threw.
     *
     * @throws Exception when the commands could not be made durable; none of the batch is then acknowledged
     */
    default void onEndOfBatch() throws Exception {
    }

    /**
     * The shard stopped: a stage failed, nothing from the failed batch on is acknowledged, and later submissions are
     * refused ({@code failure} says what failed and where). Called once, on the thread that failed, while the stages
     * may still finish the commands before the failure; it must return at once and not throw. A stage that serves
     * others from what the shard makes durable (replication's sender, waiting for the journal to hold a record)
     * learns here that nothing more is coming.
     */
    default void onShardStopped(EngineStoppedException failure) {
    }

    /**
     * The shard takes no more commands, for a failure that left its state and journal whole (its read model's):
     * later submissions are refused ({@code failure} says why), but nothing is marked failed, so the commands it had
     * taken are still decided, handed to every stage, made durable and answered as usual, and this stage goes on
     * with them as before. Called at most once, from the shard's completion thread, before any
     * {@link #onShardStopped} (a stage failing afterwards still stops the shard, and this stage is then told that
     * too); it must return at once and not throw. A stage that reports on the shard (replication's status) learns
     * here that the shard no longer takes commands, while what it took still comes.
     */
    default void onIntakeStopped(EngineStoppedException failure) {
    }

    /** Releases the stage's resources. Called once, after the last {@link #onDecided}. */
    @Override
    default void close() throws Exception {
    }
}
