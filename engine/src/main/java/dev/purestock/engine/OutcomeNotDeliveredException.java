package dev.purestock.engine;

/**
 * A command's fate is settled, but the engine failed as it handed the caller its outcome (memory running out as it
 * built the outcome's records or the task for the callback executor, a bug in the engine's answer path): the caller
 * gets this instead of silence. The command is not lost and was not refused: a sequenced one was decided and made
 * durable by every durability stage, its outcome stands (in the journal, the read model, a restart's state) and the
 * engine goes on. Find out what was decided by its order id ({@link ReadModel#orderStatus}) or in the journal at
 * {@link #shard()} and {@link #sequence()}; resubmitting it is safe, since its order id makes a repeat idempotent
 * ({@code AlreadyApplied}), but a command without one (a receipt, a write-off) must not be resubmitted blindly.
 */
public final class OutcomeNotDeliveredException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final int shard;
    private final long sequence;

    OutcomeNotDeliveredException(int shard, long sequence, Throwable cause) {
        super(message(shard, sequence, cause), cause);
        this.shard = shard;
        this.sequence = sequence;
    }

    /**
     * The shard that sequenced the command, {@link Outcome#ALL_SHARDS} for a command sent to every shard, or
     * {@link Outcome#NOT_SEQUENCED} for one the engine answered without sequencing (nothing of it was journaled).
     */
    public int shard() {
        return shard;
    }

    /** The command's sequence in {@link #shard()}, or {@link Outcome#NOT_SEQUENCED}. */
    public long sequence() {
        return sequence;
    }

    private static String message(int shard, long sequence, Throwable cause) {
        String failed = "handing it to the caller failed (" + cause + ")";
        if (shard >= 0) {
            return "purestock shard " + shard + " sequenced this command as " + sequence + ", decided it and "
                    + "made it durable; its outcome stands, but " + failed + ". Find what was decided by its order "
                    + "id (ReadModel.orderStatus) or in shard " + shard + "'s journal at sequence " + sequence
                    + "; do not resubmit a command without an order id blindly";
        }
        if (shard == Outcome.ALL_SHARDS) {
            return "every purestock shard decided this command and made it durable; its outcome stands, but "
                    + failed + ". Find what was decided in the read model or the journals";
        }
        return "purestock answered this command without sequencing it (nothing of it was journaled), but " + failed
                + "; it is safe to submit it again";
    }
}
