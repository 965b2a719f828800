package dev.purestock.domain;

/**
 * When the time command next has something due to do: the earliest expiry of a live reservation and the
 * earliest time of a held command ({@link Command.Hold}), so that whoever sequences time commands can send one
 * exactly then instead of polling. Forgetting is left out: it counts a retention window from each order's last
 * change, and its time is the caller's. Reusable, and allocates nothing; not thread-safe.
 */
public final class NextDue implements InventoryState.DueVisitor, InventoryState.HeldVisitor {
    /**
     * What {@link #of} answers when nothing is due ever: no live reservation, no held command. It is also the time
     * {@link Long#MAX_VALUE}, so a reservation expiring then, or a command held until then, is reported as never
     * due: a caller that sends time commands by this, as the engine's timer does, sends none for them, and only a
     * time command sequenced at that time for something else decides them.
     */
    public static final long NEVER = Long.MAX_VALUE;

    private long next;

    /** A reusable finder. */
    public NextDue() {
    }

    /**
     * The earliest time at which a reservation of {@code state} expires or a held command falls due, or
     * {@link #NEVER}.
     */
    public long of(InventoryState state) {
        next = NEVER;
        state.forEachDue(NEVER, this);
        state.forEachHeldDue(NEVER, this);
        return next;
    }

    /**
     * The earliest time that {@code events} schedule something for: the expiry of a reservation they accept or
     * the time of a command they hold; {@link #NEVER} when they schedule nothing. Applied, they make
     * {@link #of} no later than this.
     */
    public static long scheduledBy(EventBuffer events) {
        long earliest = NEVER;
        for (int i = 0; i < events.size(); i++) {
            switch (events.kind(i)) {
                case EventBuffer.STOCK_RESERVED -> earliest = Math.min(earliest, events.field(i, 2));
                case EventBuffer.COMMAND_HELD -> earliest = Math.min(earliest, events.field(i, 1));
                default -> {
                }
            }
        }
        return earliest;
    }

    @Override
    public boolean onDue(long orderId, long expiresAt) {
        next = Math.min(next, expiresAt);
        return false;
    }

    @Override
    public boolean onHeld(HeldCommand held) {
        next = Math.min(next, held.at());
        return false;
    }
}
