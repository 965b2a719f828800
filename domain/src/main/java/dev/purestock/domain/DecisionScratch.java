package dev.purestock.domain;

import java.util.Arrays;

/**
 * Working room for {@link Inventory#decide(Command, long, InventoryState, EventBuffer, DecisionScratch)} that a
 * caller keeps from one decision to the next, so that deciding a time command ({@link Command.ExpireReservations})
 * or a batch ({@link Command.Batch}) allocates nothing: the visitor that forgets orders, the lists of due
 * reservations and held commands, and the layers over the state that a batch's members and a time command's
 * expiries and held commands are applied to while they are decided, one per depth of nesting (a batch in a batch,
 * a held batch released by a time command). An engine's shard decides a time command whenever something falls due
 * (under a sale's load, one per 255 orders forgotten), and may decide batches (cart checkouts) at any rate; each
 * would otherwise allocate these anew.
 *
 * <p>The lists and layers keep the room they grew to (at most {@link Limits#MAX_EXPIRIES_PER_COMMAND} due
 * reservations and {@link Limits#MAX_RELEASED_PER_COMMAND} held commands; a layer lets go of room that an uncommonly
 * large batch made it grow) and drop their references once the command is decided. What a decision answers never
 * depends on the scratch. One decision at a time: not thread-safe; a scratch found in use is not shared, a fresh one
 * is used instead.
 */
public final class DecisionScratch {
    final Forgetting forgetting = new Forgetting();
    final Inventory.DueOrders due = new Inventory.DueOrders();
    final Inventory.DueHolds holds = new Inventory.DueHolds();
    /** The layers over the state, by depth: those below {@link #depth} are in use. */
    private PendingState[] layers = new PendingState[0];
    private int depth;
    /**
     * Where the decision under way began in its buffer ({@link EventBuffer#mark()}): what a time command's limits on
     * events and line changes count from, so that events of earlier decisions in the same buffer do not count.
     */
    long decisionStart;
    /** Whether a time command is being decided: its lists are in use. */
    boolean expiring;
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

    /** Marks the scratch free for the next decision; what the decision used was emptied as it finished. */
    void release() {
        inUse = false;
    }

    /** An empty layer over {@code state}, for a batch or a time command; {@link #closeLayer} after it. */
    PendingState openLayer(InventoryState state) {
        if (depth == layers.length) {
            layers = Arrays.copyOf(layers, depth + 1);
        }
        if (layers[depth] == null) {
            layers[depth] = new PendingState();
        }
        return layers[depth++].over(state);
    }

    /**
     * Empties the layer last opened, keeping its room. A layer that failed to empty (memory running out as it let
     * outgrown room go) is dropped, so that no later decision reads what it still holds.
     */
    void closeLayer() {
        depth--;
        try {
            layers[depth].clear();
        } catch (Throwable notEmptied) {
            layers[depth] = null;
            throw notEmptied;
        }
    }

    /** Empties what a time command used, keeping no event buffer and no held command. */
    void endTimeCommand() {
        forgetting.out = null;
        due.count = 0;
        holds.clear();
        expiring = false;
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
