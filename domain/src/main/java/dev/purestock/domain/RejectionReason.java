package dev.purestock.domain;

/**
 * Why a command was rejected: a stable numeric code and a sentence a person can read. This is what an
 * {@link Event.Rejected} carries, so one question answers every rejection: {@code reason.code()} and
 * {@code reason.description()}.
 *
 * <p>{@link Inventory#decide} rejects only with the domain's own reasons, the {@link Reason} enum. Whoever
 * runs the domain may refuse a command on grounds the domain knows nothing of (deciding it failed, it cannot
 * be routed) and says so with a {@link Event.Rejected} whose reason is its own implementation of this
 * interface, an enum whose codes no {@link Reason} has: codes are what journals and wire formats store, so a
 * code names one reason only, and is never reused or renumbered.
 */
public interface RejectionReason {

    /** The stable numeric code of this reason, unique among every reason a journal may hold. */
    int code();

    /** A sentence a person can read. */
    String description();

    /** The reason's constant name, as journals print it ({@code OUT_OF_STOCK}); an enum has it already. */
    String name();
}
