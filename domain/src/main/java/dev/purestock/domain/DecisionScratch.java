package dev.purestock.domain;

/**
 * Working room for {@link Inventory#decide(Command, long, InventoryState, EventBuffer, DecisionScratch)} that a
 * caller keeps from one decision to the next, so that deciding a time command ({@link Command.ExpireReservations})
 * allocates nothing: the visitor that forgets orders and the lists of due reservations and held commands. An
 * engine's shard decides a time command about once a second; each would otherwise allocate these anew.
 *
 * <p>The lists keep the room they grew to (at most {@link Limits#MAX_EXPIRIES_PER_COMMAND} due reservations and
 * {@link Limits#MAX_RELEASED_PER_COMMAND} held commands) and drop their references once the command is decided.
 * What a decision answers never depends on the scratch. One decision at a time: not thread-safe; a scratch found in
 * use is not shared, a fresh one is used instead.
 */
public final class DecisionScratch {
    final Forgetting forgetting = new Forgetting();
    final Inventory.DueOrders due = new Inventory.DueOrders();
    final Inventory.DueHolds holds = new Inventory.DueHolds();
    private boolean inUse;

    /** Empty working room. */
    public DecisionScratch() {
    }

    /** {@code scratch} marked in use, or a fresh scratch when it is {@code null} or already in use. */
    static DecisionScratch take(DecisionScratch scratch) {
        DecisionScratch work = scratch == null || scratch.inUse ? new DecisionScratch() : scratch;
        work.inUse = true;
        return work;
    }

    /** Empties the scratch for the next decision, keeping no event buffer and no held command. */
    void release() {
        forgetting.out = null;
        due.count = 0;
        holds.clear();
        inUse = false;
    }

    /** Forgets the orders whose last change came before {@link #changedBefore}, up to the limit per command. */
    static final class Forgetting implements InventoryState.LastChangeVisitor {
        EventBuffer out;
        long changedBefore;
        int forgotten;

        @Override
        public boolean onOrder(long orderId, long changedAt) {
            if (changedAt >= changedBefore) {
                return false;
            }
            out.orderForgotten(orderId);
            return ++forgotten < Limits.MAX_FORGOTTEN_PER_COMMAND;
        }
    }
}
