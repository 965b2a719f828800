package dev.purestock.engine;

import dev.purestock.domain.DecidedEvents;
import dev.purestock.domain.Event;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.EventSink;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;

import java.util.List;

/**
 * A flyweight view of one command's {@link Outcome}, handed to an {@link OutcomeViewCallback}: where and
 * when the command was sequenced, whether it was accepted or why not, and the line changes it made (the
 * units each touched position has left), read straight from the events the decision stage wrote. Reading it
 * allocates nothing; {@link #events()} and {@link #toOutcome()} build records when a caller wants them.
 *
 * <p><b>Valid only during the callback.</b> The engine reuses one view for every command of a shard and
 * points it at the next outcome as soon as the callback returns; outside the call, or on another thread than
 * the one that called the callback, every method throws an {@link IllegalStateException}. Copy what you need
 * to keep.
 */
public final class OutcomeView {
    private int shard;
    private long sequence;
    private long time;
    private DecidedEvents events;
    private Thread owner;
    private List<Event> records;
    private int firstRejection;

    OutcomeView() {
    }

    /** A view of an outcome the engine holds as records (answers made without the ring). */
    static OutcomeView of(int shard, long sequence, long time, List<Event> events) {
        EventBuffer buffer = new EventBuffer();
        buffer.writeAll(events);
        OutcomeView view = new OutcomeView();
        view.wrap(shard, sequence, time, buffer);
        view.records = events;
        return view;
    }

    /** Points this view at one outcome; valid until {@link #release()}. */
    void wrap(int newShard, long newSequence, long newTime, DecidedEvents newEvents) {
        owner = Thread.currentThread();
        shard = newShard;
        sequence = newSequence;
        time = newTime;
        events = newEvents;
        records = null;
        firstRejection = newEvents.firstRejection();
    }

    /** Ends the callback: the view refers to nothing until the next {@link #wrap}. */
    void release() {
        events = null;
        records = null;
        owner = null;
    }

    private DecidedEvents decided() {
        // the thread check also refuses another thread that reads the view while the engine has lent it to the
        // next command's callback: the view is the engine's, and only the callback's own thread may read it
        if (events == null || owner != Thread.currentThread()) {
            throw new IllegalStateException("an OutcomeView is valid only during the onOutcome call it was passed "
                    + "to; copy what you need (toOutcome()) before returning");
        }
        return events;
    }

    /** The shard that sequenced the command, or {@link Outcome#NOT_SEQUENCED} / {@link Outcome#ALL_SHARDS}. */
    public int shard() {
        decided();
        return shard;
    }

    /** The command's sequence number in its shard, or {@link Outcome#NOT_SEQUENCED}. */
    public long sequence() {
        decided();
        return sequence;
    }

    /** The time stamped when the command was sequenced (epoch milliseconds). */
    public long time() {
        decided();
        return time;
    }

    /**
     * Whether nothing was refused, by the domain or by the engine: no event is a rejection
     * ({@link DecidedEvents#firstRejection()} is {@code -1}), as {@link Outcome#accepted()} says.
     */
    public boolean accepted() {
        decided();
        return firstRejection < 0;
    }

    /**
     * Why the command was not accepted: the reason of the first rejection, a domain {@link Reason} or an
     * {@link EngineRefusal}, whose {@code code()} and {@code description()} say which; {@code null} when the
     * command was accepted. As {@link Outcome#reason()}, without the {@code Optional}.
     */
    public RejectionReason reason() {
        DecidedEvents decided = decided();
        return firstRejection < 0 ? null : decided.rejectionReason(firstRejection);
    }

    /**
     * What the first rejection refers to (the order id, the movement id, the sku of a listing, {@code -1} for
     * a batch; see {@link dev.purestock.domain.Command#ref()}), or {@code -1} when the command was accepted.
     */
    public long rejectionRef() {
        DecidedEvents decided = decided();
        return firstRejection < 0 ? -1 : decided.rejectionRef(firstRejection);
    }

    /** How many events the domain decided. */
    public int eventCount() {
        return decided().size();
    }

    /** How many line changes the events carry: one per line of each order accepted, released, expired, cancelled. */
    public int lineCount() {
        return decided().lineCount();
    }

    /** The sku of line change {@code line} ({@code 0 .. lineCount() - 1}, in event order). */
    public long lineSku(int line) {
        return decided().lineSku(line);
    }

    /** The warehouse of line change {@code line}. */
    public int lineWarehouse(int line) {
        return decided().lineWarehouse(line);
    }

    /** The units line change {@code line} moved. */
    public long lineQuantity(int line) {
        return decided().lineQuantity(line);
    }

    /** The units available at the line's sku and warehouse after the change: the remaining stock. */
    public long lineAvailable(int line) {
        return decided().lineAvailable(line);
    }

    /**
     * The units of the line's sku that the order's customer holds after the change, or
     * {@link dev.purestock.domain.LineChange#NOT_COUNTED} when the sku counts no customers.
     */
    public long lineCustomerUnits(int line) {
        return decided().lineCustomerUnits(line);
    }

    /** Replays the events, in order, into {@code sink}, building no record. */
    public void writeTo(EventSink sink) {
        decided().writeTo(sink);
    }

    /** The events as records, built on the first call during this callback; allocates. */
    public List<Event> events() {
        DecidedEvents decided = decided();
        if (records == null) {
            records = decided.toEvents();
        }
        return records;
    }

    /** The whole outcome as a record, to keep beyond the callback; allocates. */
    public Outcome toOutcome() {
        return new Outcome(shard(), sequence, time, events());
    }
}
