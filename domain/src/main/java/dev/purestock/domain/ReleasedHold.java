package dev.purestock.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What became of one held command, as the time command that decided it tells it: the hold's id and the events
 * deciding the command produced. A time command ({@link Command.ExpireReservations}) reports every held command
 * it decided inside its own events, each as a {@link Event.HoldReleased} followed by the command's events, among
 * the expiries and the forgotten orders; {@link #in} takes them apart, so that whoever reacts to outcomes (a
 * reaction, a consumer) can see what became of each hold without knowing how a time command orders its events.
 *
 * <pre>{@code
 * for (ReleasedHold released : ReleasedHold.in(outcome.events())) {
 *     released.rejection().ifPresent(rejected -> notifyCustomer(released.holdId(), rejected.reason()));
 * }
 * }</pre>
 *
 * @param holdId the id the command was held under ({@link Command.Hold#holdId()})
 * @param events the events of the held command's decision: accepted, repeated or rejected, as if it had been
 *               submitted at its time
 */
public record ReleasedHold(long holdId, List<Event> events) {
    public ReleasedHold {
        events = List.copyOf(events);
    }

    /**
     * The held commands decided in {@code events}, a time command's, in the order they were decided: empty when it
     * decided none, and for any other command. A held command's events are those after its
     * {@link Event.HoldReleased} up to the next released hold, the next expiry ({@link Event.ReservationExpired},
     * the time command's own, also when it expires a reservation the held command made) or the end. (Events do not
     * mark where a batch's members end: in a batch holding a time command, the last held command's events would run
     * on into the next member's. The engine sends its time commands alone.)
     */
    public static List<ReleasedHold> in(List<Event> events) {
        List<ReleasedHold> released = new ArrayList<>();
        int start = -1;
        long holdId = 0;
        for (int i = 0; i <= events.size(); i++) {
            Event event = i < events.size() ? events.get(i) : null;
            boolean boundary = event == null || event instanceof Event.HoldReleased
                    || event instanceof Event.ReservationExpired || event instanceof Event.OrderForgotten;
            if (boundary && start >= 0) {
                released.add(new ReleasedHold(holdId, events.subList(start, i)));
                start = -1;
            }
            if (event instanceof Event.HoldReleased hold) {
                holdId = hold.holdId();
                start = i + 1;
            }
        }
        return released;
    }

    /** Whether nothing of the held command was refused (a repeat, {@link Event.AlreadyApplied}, counts as accepted). */
    public boolean accepted() {
        return rejection().isEmpty();
    }

    /** The held command's first rejection: why it was refused when it fell due, and what it was about. */
    public Optional<Event.Rejection> rejection() {
        int first = Inventory.firstRejection(events);
        return first < 0 ? Optional.empty() : Optional.of((Event.Rejection) events.get(first));
    }
}
