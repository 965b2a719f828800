package dev.purestock.domain;

import java.util.Objects;

/**
 * A command held for later: {@link Command.Hold} put it in the state, and the first time command at or after
 * {@code at} decides it (see {@link Command.ExpireReservations}), unless {@link Command.CancelHold} takes it out
 * first.
 *
 * @param holdId  the hold's id, unique among the commands held at one time
 * @param at      when the command becomes due, in the units of the sequencing clock
 * @param command the command to decide then
 */
public record HeldCommand(long holdId, long at, Command command) {
    public HeldCommand {
        Limits.id("hold id", holdId);
        Objects.requireNonNull(command, "command");
    }
}
