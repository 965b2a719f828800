package dev.purestock.domain;

/**
 * When the time command next has something due to do, so that whoever sequences time commands can send one
 * exactly then instead of polling: the earliest expiry of a live reservation and the earliest time of a held
 * command ({@link Command.Hold}) ({@link #of}), and when a time command carrying a retention window forgets an
 * order ({@link #forgottenFrom}), found for the oldest orders that forgetting may take ({@link #forgettable},
 * {@link #firstChangedAt}, {@link #lastChangedAt}) and for the orders a command changes ({@link #lastChangesIn}).
 * How those combine into the time of the next time command (how many orders one should wait for) is the caller's
 * to choose. Reusable, and allocates nothing; not thread-safe.
 */
public final class NextDue implements InventoryState.DueVisitor, InventoryState.HeldVisitor,
        InventoryState.LastChangeVisitor {
    /**
     * What {@link #of} answers when nothing is due ever: no live reservation, no held command. It is also the time
     * {@link Long#MAX_VALUE}, so a reservation expiring then, or a command held until then, is reported as never
     * due: a caller that sends time commands by this, as the engine's timer does, sends none for them, and only a
     * time command sequenced at that time for something else decides them.
     */
    public static final long NEVER = Long.MAX_VALUE;

    private long next;
    /** How many orders {@link #forgettable} may visit yet. */
    private int room;
    private int visited;
    private long firstChangedAt;
    private long lastChangedAt;

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

    /**
     * The first time at which a time command carrying the window {@code retainOrdersFor} forgets an order last
     * changed at {@code changedAt}: the first {@code now} with {@code changedAt < now - retainOrdersFor}, that is
     * {@code changedAt + retainOrdersFor + 1}. {@link #NEVER} for a window of {@link Long#MAX_VALUE} (it never
     * forgets) and where that time is {@link #NEVER} or beyond what a long holds: as for a reservation expiring
     * then, only a time command sequenced at that time for something else forgets such an order.
     *
     * @throws IllegalArgumentException when {@code retainOrdersFor} is below 1, which no time command carries
     */
    public static long forgottenFrom(long changedAt, long retainOrdersFor) {
        if (retainOrdersFor < 1) {
            throw new IllegalArgumentException("retainOrdersFor must be at least 1, was " + retainOrdersFor);
        }
        if (retainOrdersFor == Long.MAX_VALUE || changedAt >= NEVER - 1 - retainOrdersFor) {
            return NEVER;
        }
        return changedAt + retainOrdersFor + 1;
    }

    /**
     * Visits the oldest orders of {@code state} that forgetting may take ({@link InventoryState#forEachByLastChange}:
     * every order but the live reservations), at most {@code upTo} of them, and answers how many it visited;
     * {@link #firstChangedAt} and {@link #lastChangedAt} then give the last change of the first of them and the
     * latest among them. The cost is that of visiting them, not of the whole state.
     *
     * @throws IllegalArgumentException when {@code upTo} is below 1
     */
    public int forgettable(InventoryState state, int upTo) {
        if (upTo < 1) {
            throw new IllegalArgumentException("upTo must be at least 1, was " + upTo);
        }
        room = upTo;
        visited = 0;
        firstChangedAt = NEVER;
        lastChangedAt = NEVER;
        state.forEachByLastChange(this);
        return visited;
    }

    /**
     * The last change of the oldest order the last {@link #forgettable} visited; {@link #NEVER} when it visited none.
     */
    public long firstChangedAt() {
        return firstChangedAt;
    }

    /**
     * The latest last change among the orders the last {@link #forgettable} visited; {@link #NEVER} when it visited
     * none. That of the last of them (its {@code upTo}-th when there were as many) where the order of last changes is
     * their time order, as the engine's clock, which never goes back, keeps it; a state built otherwise (by hand, or
     * imported) may hold an order changed earlier behind one changed later, and forgetting, which stops at the first
     * order still inside its window, takes all the orders visited only once the latest of them is due.
     */
    public long lastChangedAt() {
        return lastChangedAt;
    }

    /**
     * How many of {@code events} set an order's last change once applied ({@link InventoryState#forEachByLastChange}
     * names them): each puts an order at the end of the orders that forgetting may take, changed at the command's
     * time. An order may be counted twice (created and changed by one batch).
     */
    public static int lastChangesIn(EventBuffer events) {
        int changes = 0;
        for (int i = 0; i < events.size(); i++) {
            switch (events.kind(i)) {
                case EventBuffer.PURCHASE_ACCEPTED, EventBuffer.RESERVATION_CONFIRMED,
                     EventBuffer.RESERVATION_RELEASED, EventBuffer.RESERVATION_EXPIRED,
                     EventBuffer.PURCHASE_CANCELLED -> changes++;
                default -> {
                }
            }
        }
        return changes;
    }

    @Override
    public boolean onOrder(long orderId, long changedAt) {
        if (visited == 0) {
            firstChangedAt = changedAt;
        }
        lastChangedAt = visited == 0 ? changedAt : Math.max(lastChangedAt, changedAt);
        return ++visited < room;
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
