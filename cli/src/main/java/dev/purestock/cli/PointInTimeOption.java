package dev.purestock.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.time.Instant;

/**
 * The {@code --until-seq N} and {@code --until-time T} options of the subcommands that rebuild a state: the state
 * as it was after the last record at or before the bound. A sequence is a sequence of one shard, so on a sharded
 * directory {@code --until-seq} needs {@code --shard}; a time bound applies to every shard alike. The engine never
 * stamps a time below the one before, so either bound cuts each shard's journal in one place.
 */
final class PointInTimeOption {
    @Option(names = "--until-seq", paramLabel = "SEQ",
            description = "Only the records up to this sequence, inclusive (the state as it was after it).")
    Long untilSeq;

    @Option(names = "--until-time", paramLabel = "TIME", converter = TimeConverter.class,
            description = "Only the records stamped at or before this time: an ISO-8601 instant "
                    + "(2026-11-29T10:15:30Z) or epoch milliseconds.")
    Long untilTime;

    /** Whether either bound is given. */
    boolean bounded() {
        return untilSeq != null || untilTime != null;
    }

    /** The sequence bound, {@link Long#MAX_VALUE} for none. */
    long sequence() {
        return untilSeq != null ? untilSeq : Long.MAX_VALUE;
    }

    /** The time bound, {@link Long#MAX_VALUE} for none. */
    long time() {
        return untilTime != null ? untilTime : Long.MAX_VALUE;
    }

    /**
     * Refuses a negative sequence, and a sequence bound on more than one shard.
     *
     * @throws ParameterException when the bounds do not fit {@code target}
     */
    void check(JournalTarget target, CommandSpec spec) {
        if (untilSeq != null && untilSeq < 0) {
            throw new ParameterException(spec.commandLine(), "--until-seq must be a sequence, at least 0, was "
                    + untilSeq);
        }
        if (untilSeq != null && target.shards().size() > 1) {
            throw new ParameterException(spec.commandLine(), "--until-seq is a sequence of one shard, and journal "
                    + target.dir() + " holds " + target.shardCount() + " shards: name one with --shard N (0.."
                    + (target.shardCount() - 1) + "), or bound every shard with --until-time");
        }
    }

    /** Adds the bounds given to {@code summary}: {@code until-seq}, {@code until-time} (ISO-8601, UTC). */
    Summary describe(Summary summary) {
        if (untilSeq != null) {
            summary.put("until-seq", untilSeq);
        }
        if (untilTime != null) {
            summary.put("until-time", Instant.ofEpochMilli(untilTime).toString());
        }
        return summary;
    }
}
