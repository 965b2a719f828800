package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.EventBuffer;

import java.util.concurrent.CompletableFuture;

/**
 * One preallocated, reused ring slot. What the submitter writes ({@link Request}) and what the stages
 * write ({@link Decision}) live in separate parts, so no stage overwrites its input. The completion stage
 * clears both parts, so a slot keeps no command or callback alive once answered; its event buffer stays, empty,
 * for the next command.
 */
final class CommandSlot {
    final Request request = new Request();
    final Decision decision = new Decision();

    /** What a slot asks of the shard. */
    enum Kind {
        /** Decide a command. */
        COMMAND,
        /** Write a snapshot of the state after the commands before this slot. */
        SNAPSHOT,
        /** Compute the state digest after the commands before this slot. */
        DIGEST,
        /** Do nothing; answered once every earlier slot is answered (used by close and as filler). */
        BARRIER
    }

    /** Written by the submitting thread before the slot is published; read-only for the stages. */
    static final class Request {
        Kind kind;
        Command command;
        OutcomeViewCallback callback;
        CompletableFuture<Outcome> future;
        CompletableFuture<Long> control;

        void command(Command newCommand, OutcomeViewCallback newCallback, CompletableFuture<Outcome> newFuture) {
            kind = Kind.COMMAND;
            command = newCommand;
            callback = newCallback;
            future = newFuture;
            control = null;
        }

        void control(Kind newKind, CompletableFuture<Long> newControl) {
            kind = newKind;
            command = null;
            callback = null;
            future = null;
            control = newControl;
        }

        void clear() {
            command = null;
            callback = null;
            future = null;
            control = null;
        }
    }

    /** Written by the decision stage; read by the durability and completion stages. */
    static final class Decision {
        /** Whether a command was sequenced in this slot (false when the shard had stopped). */
        boolean sequenced;
        long sequence;
        long time;
        /**
         * The events decided for the command, in primitive form; preallocated with the slot and reused, so
         * deciding, journaling and answering a command builds no event record unless someone asks for one.
         */
        final EventBuffer events = new EventBuffer();
        /** The answer of a control slot: the last sequence a snapshot covers, or a digest. */
        long controlResult;
        /** Why a control slot failed, or {@code null}. */
        Exception controlFailure;

        void clear() {
            sequenced = false;
            events.clear();
            controlFailure = null;
        }
    }
}
