package dev.purestock.engine;

import dev.purestock.domain.Event;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;

/**
 * Why the engine refused a command itself rather than the domain rejecting it: the reasons of the rejections
 * only the engine makes. An outcome carries one as it carries a domain {@link Reason}, in an
 * {@link Event.Rejected} (so {@link Outcome#accepted()}, {@link Outcome#reason()} and
 * {@link OutcomeView#reason()} answer both alike); tell the two apart with {@code instanceof EngineRefusal}.
 *
 * <p>Each refusal has a stable numeric {@link #code()}, which no domain {@link Reason} has, and which journals
 * store; never reuse or renumber a code.
 */
public enum EngineRefusal implements RejectionReason {
    /**
     * Deciding the command threw: the domain has a bug for that input. Nothing changed; the command is
     * sequenced and journaled with this refusal, and the shard goes on.
     */
    INTERNAL_ERROR(23, "deciding the command failed unexpectedly; nothing changed"),
    /**
     * The command names warehouses of different shards (or a batch holds a command for every shard); it is
     * answered without being sequenced, and never journaled.
     */
    CROSS_SHARD(24, "the command spans warehouses of different shards");

    private static final EngineRefusal[] ALL = values();

    private final int code;
    private final String description;

    EngineRefusal(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The stable numeric code of this refusal. */
    @Override
    public int code() {
        return code;
    }

    /** A sentence a person can read. */
    @Override
    public String description() {
        return description;
    }

    /** The refusal with that code, or {@code null} when none has it (a domain {@link Reason} may). */
    public static EngineRefusal findByCode(int code) {
        for (EngineRefusal refusal : ALL) {
            if (refusal.code == code) {
                return refusal;
            }
        }
        return null;
    }
}
