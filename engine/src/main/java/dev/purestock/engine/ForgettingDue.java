package dev.purestock.engine;

import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.InventoryState;
import dev.purestock.domain.Limits;
import dev.purestock.domain.NextDue;

/**
 * When one shard's time command next has orders to forget, kept by its decision thread for the timer
 * ({@link DueTimes}), so that forgetting follows the orders as their retention windows end instead of coming a
 * timer period's worth at once. Of the orders forgetting may take, oldest first (by last change), it is due:
 * <ul>
 *   <li>when the {@link Limits#MAX_FORGOTTEN_PER_COMMAND} oldest have all fallen due (a full time command's worth;
 *   the last of them where they were changed in time order, as the engine's clock keeps them, else the latest
 *   changed: forgetting stops at the first order still inside its window, see {@link NextDue#lastChangedAt}), or
 *   <li>when the oldest falls due, but not sooner than {@code spacing} after the shard's last time command,
 * </ul>
 * whichever comes first; never when none is held or the window is {@link Long#MAX_VALUE}. So a time command goes
 * out when a full one's worth is due, or at most {@code spacing} after the oldest fell due: at most one per
 * {@code spacing} forgetting fewer than a full command's worth, and under a heavy intake one per 255 orders, at the
 * intake's pace; each finds due at most 254 orders plus those changed in the same millisecond as the last of a full
 * command's worth, unless the timer runs late (a loaded machine, a clock that jumps, a restart with orders long
 * past their window), which the timer's backlog then drains 255 at a time. The engine sets {@code spacing} to the
 * timer's period ({@code expireReservationsEvery}): an order is forgotten at most one period after its window
 * ends, as when the timer offered forgetting once a period.
 *
 * <p>A time command recomputes it from the state ({@link #recomputed}), visiting the oldest 255 orders at most;
 * any other command only counts the orders it changed ({@link #changed}), and only while fewer than a full
 * command's worth are known: once as many are, the due time is as early as it can be (a change puts an order last,
 * after them). That is one comparison per command in a steady state under load, and allocates nothing. A due time
 * may be early (an order counted was changed again, or cancelled: the time command forgets fewer, or none), never
 * late.
 */
final class ForgettingDue {
    /** A full time command's worth of orders. */
    static final int FULL = Limits.MAX_FORGOTTEN_PER_COMMAND;

    private final long retainOrdersFor;
    private final long spacing;
    private final NextDue nextDue = new NextDue();
    /** The orders known to be held, oldest first, up to {@link #FULL}: no more are counted once there are as many. */
    private int known;
    /** When forgetting is due, as last reported; {@link NextDue#NEVER} when none is. */
    private long due = NextDue.NEVER;
    /** The time of this shard's last time command; {@link Long#MIN_VALUE} before the first. */
    private long lastTimeCommand = Long.MIN_VALUE;

    /**
     * For time commands carrying the window {@code retainOrdersFor} (at least 1, as a time command carries; a
     * window of {@link Long#MAX_VALUE} never forgets), sent at most one per {@code spacing} (clock units, at least
     * 0) while fewer than a full command's worth are due.
     */
    ForgettingDue(long retainOrdersFor, long spacing) {
        if (retainOrdersFor < 1 || spacing < 0) {
            throw new IllegalArgumentException("retainOrdersFor must be at least 1 and spacing at least 0, were "
                    + retainOrdersFor + " and " + spacing);
        }
        this.retainOrdersFor = retainOrdersFor;
        this.spacing = spacing;
        if (retainOrdersFor == Long.MAX_VALUE) {
            known = FULL; // nothing is ever due: no command needs counting
        }
    }

    /**
     * When forgetting is due in {@code state}, as a time command decided at {@code timeCommand} left it, or as the
     * shard starts ({@code timeCommand} {@link Long#MIN_VALUE}: no spacing after a restart); {@link NextDue#NEVER}
     * when it is not. Orders that were already due at {@code timeCommand} (it forgot a full command's worth and
     * left more) are due at once, with no spacing.
     */
    long recomputed(InventoryState state, long timeCommand) {
        lastTimeCommand = timeCommand;
        if (retainOrdersFor == Long.MAX_VALUE) {
            return NextDue.NEVER;
        }
        known = nextDue.forgettable(state, FULL);
        if (known == 0) {
            due = NextDue.NEVER;
        } else {
            long oldest = NextDue.forgottenFrom(nextDue.firstChangedAt(), retainOrdersFor);
            // still due at the time command: it forgot a full command's worth and left more, which go at once
            due = oldest <= timeCommand ? oldest : Math.max(oldest, spaced());
            if (known == FULL) {
                due = Math.min(due, NextDue.forgottenFrom(nextDue.lastChangedAt(), retainOrdersFor));
            }
        }
        return due;
    }

    /**
     * A command other than a time command, decided at {@code time}, was applied with {@code events}: the new due
     * time when the orders it changed made forgetting due sooner, else {@link NextDue#NEVER}.
     */
    long changed(EventBuffer events, long time) {
        if (known == FULL) {
            return NextDue.NEVER;
        }
        int changes = NextDue.lastChangesIn(events);
        if (changes == 0) {
            return NextDue.NEVER;
        }
        long before = due;
        long from = NextDue.forgottenFrom(time, retainOrdersFor);
        if (known == 0) {
            due = Math.max(from, spaced());
        }
        known = (int) Math.min(FULL, (long) known + changes);
        if (known == FULL) {
            due = Math.min(due, from);
        }
        return due < before ? due : NextDue.NEVER;
    }

    /** {@code spacing} after the last time command, or {@link NextDue#NEVER} past what a long holds. */
    private long spaced() {
        return lastTimeCommand > NextDue.NEVER - spacing ? NextDue.NEVER : lastTimeCommand + spacing;
    }
}
