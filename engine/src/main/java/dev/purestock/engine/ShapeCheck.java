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
 * {@link Limits#MAX_LINES} lines per order or reservation, at most {@link Limits#MAX_BATCH_COMMANDS} commands in a
 * batch counting nested ones, and batches nested at most {@link Limits#MAX_BATCH_DEPTH} deep. The domain rejects
 * such commands too, but only after the engine would have carried them through the ring and into the journal,
 * whose records they may not fit.
 *
 * <p>Batches are counted as the domain counts them: a {@code Hold} inside a batch is one command of it, and a batch
 * it holds is checked on its own, its commands counted and its depth taken from 1, as the domain checks a held
 * batch when it decides the hold. One limit is the engine's own, as the domain has none: the batches a batch's holds
 * hold may have at most {@link Limits#MAX_BATCH_COMMANDS} commands <em>in all</em>, so that a batch with everything
 * it holds (at most twice that many commands) fits one journal record; the domain would hold several full batches.
 * A hold inside a held batch is refused ({@link Reason#NOT_HOLDABLE}, as the domain would refuse it), and so is a
 * hold of a hold, so holds never nest and the walk stays shallow: at most {@code MAX_BATCH_DEPTH} batches, a hold,
 * and {@code MAX_BATCH_DEPTH} batches more.
 *
 * <p>The check costs O(1) for a command that is not a batch. For a batch it walks the members first as the domain
 * counts them (at most {@code MAX_BATCH_COMMANDS + 1} member visits, whatever the batch's size), then, when that
 * passes, once more for the batches its holds hold (at most {@code MAX_BATCH_COMMANDS} visits again, and
 * {@code MAX_BATCH_COMMANDS + 1} inside held batches): at most {@code 3 * MAX_BATCH_COMMANDS + 2} visits in all. It
 * recurses at most {@code MAX_BATCH_DEPTH + 1} levels per walk and stops at the first excess it meets walking in
 * order (depth on entering a batch, then the running count of members, then each member's lines). That order is not
 * quite the domain's, which checks a whole batch's depth and count before any member's lines and a held batch only
 * when it decides the hold, so a batch with several excesses may be refused with another of its reasons than the
 * domain would give; nothing is sequenced either way. A batch is refused whole when any member exceeds a limit,
 * independent batches included, where the domain would reject that member alone. It allocates nothing.
 *
 * <p>A {@code Hold} that is not inside a batch is checked as the command it holds, a held batch on its own.
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
            case Batch c -> {
                int walked = walk(c, 1, 0, false);
                yield reason(walked < 0 ? walked : heldBatches(c, 0));
            }
            case ListProduct c -> null;
            case ReceiveStock c -> null;
            case WriteOffStock c -> null;
            case Purchase c -> null;
            case CancelPurchase c -> null;
            case ConfirmReservation c -> null;
            case ReleaseReservation c -> null;
            case ExpireReservations c -> null;
            case CancelHold c -> null;
            case Hold c -> switch (c.command()) {
                case Hold held -> Reason.NOT_HOLDABLE;
                case Batch held -> reason(walk(held, 1, 0, true));
                default -> excess(c.command());
            };
        };
    }

    /**
     * Counts the members of {@code batch} onto {@code counted} as the domain counts them: nested batches' members
     * too, a batch held by a hold not (that hold counts as one). A member that is a hold is refused when
     * {@code held} (the batch is itself held) or when it holds a hold; otherwise the lines of the command it holds
     * are checked, a batch it holds is left to {@link #heldBatches}. A negative result names the first excess.
     */
    private static int walk(Batch batch, int depth, int counted, boolean held) {
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
                if (held || hold.command() instanceof Hold) {
                    return NOT_HOLDABLE;
                }
                member = hold.command();
                if (member instanceof Batch) {
                    continue;
                }
            }
            if (member instanceof Batch nested) {
                count = walk(nested, depth + 1, count, held);
                if (count < 0) {
                    return count;
                }
            } else if (lines(member) > Limits.MAX_LINES) {
                return TOO_MANY_LINES;
            }
        }
        return count;
    }

    /**
     * Checks each batch held by a hold among the members of {@code batch} or of its nested batches, each from depth
     * 1, counting their commands onto {@code counted}: together at most {@link Limits#MAX_BATCH_COMMANDS}, which
     * keeps each of them within it too. {@code batch} has passed {@link #walk}. A negative result names the first
     * excess.
     */
    private static int heldBatches(Batch batch, int counted) {
        List<Command> members = batch.commands();
        int count = counted;
        for (int i = 0; i < members.size() && count >= 0; i++) {
            Command member = members.get(i);
            if (member instanceof Hold hold && hold.command() instanceof Batch held) {
                count = walk(held, 1, count, true);
            } else if (member instanceof Batch nested) {
                count = heldBatches(nested, count);
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
