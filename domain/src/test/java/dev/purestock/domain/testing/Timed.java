package dev.purestock.domain.testing;

import dev.purestock.domain.Command;

import java.util.Objects;

/** A command and the time it is sequenced at, as the engine would stamp it. */
public record Timed(long now, Command command) {
    public Timed {
        Objects.requireNonNull(command, "command");
    }

    @Override
    public String toString() {
        return "@" + now + " " + command;
    }
}
