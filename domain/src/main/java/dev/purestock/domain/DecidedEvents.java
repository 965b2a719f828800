package dev.purestock.domain;

import java.util.List;

/**
 * A read-only view of one decision's events, held in primitive form (see {@link EventBuffer}): what the
 * engine's stages read after the decision stage wrote it. Reading allocates nothing except where a method
 * says it builds records.
 *
 * <p>Line changes are numbered across the whole decision, in event order: {@code 0 .. lineCount() - 1}.
 */
public interface DecidedEvents {

    /** How many events the decision holds. */
    int size();

    /**
     * Whether the decision holds no event (an {@link Command.ExpireReservations} with nothing to forget or
     * expire).
     */
    default boolean isEmpty() {
        return size() == 0;
    }

    /** The index of the first {@link Event.Rejection}, or {@code -1} when nothing was refused. */
    int firstRejection();

    /**
     * The reason of the rejection at {@code event}: a {@link Reason} of the domain's, or the reason of whoever
     * refused the command outside it (see {@link RejectionReason}).
     *
     * @throws IllegalArgumentException when that event is no rejection
     */
    RejectionReason rejectionReason(int event);

    /**
     * What the rejection at {@code event} refers to ({@link Event.Rejected#ref()}, {@link Event.BatchAborted#ref()}).
     *
     * @throws IllegalArgumentException when that event is no rejection
     */
    long rejectionRef(int event);

    /** How many line changes the events carry, all events together. */
    int lineCount();

    /** The sku of line change {@code line}. */
    long lineSku(int line);

    /** The warehouse of line change {@code line}. */
    int lineWarehouse(int line);

    /** The units line change {@code line} moved. */
    long lineQuantity(int line);

    /** The units available at the line's position after the change. */
    long lineAvailable(int line);

    /**
     * The units of the line's sku the order's customer holds after the change, or {@link LineChange#NOT_COUNTED}
     * when the sku counts no customers.
     */
    long lineCustomerUnits(int line);

    /** Replays the events, in order, into {@code sink}. */
    void writeTo(EventSink sink);

    /** Builds the record of event {@code event}. */
    Event event(int event);

    /** Builds the records of every event, in order: an unmodifiable list. */
    List<Event> toEvents();
}
