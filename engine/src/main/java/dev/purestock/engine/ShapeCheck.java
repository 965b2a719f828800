package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.CancelHold;
import dev.purestock.domain.Command.CancelPurchase;
import dev.purestock.domain.Command.ConfirmReservation;
import dev.purestock.domain.Command.ExpireReservations;
import dev.purestock.domain.Command.Hold;
import dev.purestock.domain.Command.ListProduct;
import dev.purestock.domain.Command.PlaceOrder;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.ReceiveStock;
import dev.purestock.domain.Command.ReleaseReservation;
import dev.purestock.domain.Command.Reserve;
import dev.purestock.domain.Command.WriteOffStock;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Reason;

import java.util.List;

/**
 * The shape limits a command must keep to be sequenced, checked at intake before it is routed: at most
 * {@link Limits#MAX_LINES} lines per order or reservation, at most {@link Limits#MAX_BATCH_COMMANDS}
 * commands in a batch counting nested ones, and batches nested at most {@link Limits#MAX_BATCH_DEPTH} deep.
 * The domain rejects such commands too, but only after the engine would have carried them through the ring
 * and into the journal, whose records they may not fit.
 *
 * <p>The check costs O(1) for a command that is not a batch and at most {@code MAX_BATCH_COMMANDS + 1}
 * member visits for a batch, whatever its size; it recurses at most {@code MAX_BATCH_DEPTH + 1} levels and
 * stops at the first excess it meets walking the batch in order (depth on entering a batch, then the running
 * count of members, then each member's lines). That order is not quite the domain's, which checks a whole
 * batch's depth and count before any member's lines, so a batch with several excesses may be refused with
 * another of its reasons than the domain would give; nothing is sequenced either way. It allocates nothing.
 *
 * <p>A {@code Hold} is checked as the command it holds; a hold of a hold is refused here
 * ({@link Reason#NOT_HOLDABLE}, as the domain would), so holds never nest and the walk stays shallow.
 *
 * <p>The commands that can also be submitted as fields (purchase, cancel, confirm, release) have a fixed shape
 * and no limit here to exceed, so that path skips this check; their ids are checked as their records' are
 * ({@link Limits#checkPurchase}, {@link Limits#checkOrderId}).
 */
final class ShapeCheck {
    private static final int TOO_DEEP = -1;
    private static final int TOO_LARGE = -2;
    private static final int TOO_MANY_LINES = -3;
    private static final int NOT_HOLDABLE = -4;

    private ShapeCheck() {
    }

    /** The reason {@code command} exceeds a shape limit, anywhere inside it, or {@code null} when it does not. */
    static Reason excess(Command command) {
        return switch (command) {
            case PlaceOrder c -> c.lines().size() > Limits.MAX_LINES ? Reason.TOO_MANY_LINES : null;
            case Reserve c -> c.lines().size() > Limits.MAX_LINES ? Reason.TOO_MANY_LINES : null;
            case Batch c -> reason(walk(c, 1, 0));
            case ListProduct c -> null;
            case ReceiveStock c -> null;
            case WriteOffStock c -> null;
            case Purchase c -> null;
            case CancelPurchase c -> null;
            case ConfirmReservation c -> null;
            case ReleaseReservation c -> null;
            case ExpireReservations c -> null;
            case CancelHold c -> null;
            case Hold c -> c.command() instanceof Hold ? Reason.NOT_HOLDABLE : excess(c.command());
        };
    }

    /** Counts the members of {@code batch} onto {@code counted}; a negative result names the first excess. */
    private static int walk(Batch batch, int depth, int counted) {
        if (depth > Limits.MAX_BATCH_DEPTH) {
            return TOO_DEEP;
        }
        List<Command> members = batch.commands();
        int count = counted;
        for (int i = 0; i < members.size(); i++) {
            if (++count > Limits.MAX_BATCH_COMMANDS) {
                return TOO_LARGE;
            }
            Command member = members.get(i);
            if (member instanceof Hold hold) {
                if (hold.command() instanceof Hold) {
                    return NOT_HOLDABLE;
                }
                member = hold.command();
            }
            if (member instanceof Batch nested) {
                count = walk(nested, depth + 1, count);
                if (count < 0) {
                    return count;
                }
            } else if (lines(member) > Limits.MAX_LINES) {
                return TOO_MANY_LINES;
            }
        }
        return count;
    }

    private static int lines(Command member) {
        if (member instanceof PlaceOrder order) {
            return order.lines().size();
        }
        if (member instanceof Reserve reserve) {
            return reserve.lines().size();
        }
        return 0;
    }

    private static Reason reason(int walked) {
        return switch (walked) {
            case TOO_DEEP -> Reason.BATCH_TOO_DEEP;
            case TOO_LARGE -> Reason.BATCH_TOO_LARGE;
            case TOO_MANY_LINES -> Reason.TOO_MANY_LINES;
            case NOT_HOLDABLE -> Reason.NOT_HOLDABLE;
            default -> null;
        };
    }
}
