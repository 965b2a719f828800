package dev.purestock.cli;

import dev.purestock.journal.JournalEpoch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code purestock promote}: starts a new epoch on a standby's journal, so that it can take over as primary. */
@Command(name = "promote", mixinStandardHelpOptions = true,
        description = {"Starts the next epoch on a journal: what makes a standby's copy the primary's. Records the "
                + "new epoch (one above every epoch the journal has seen, in its epoch file and its records) "
                + "durably, so that every record written from then on carries it and records of older epochs are "
                + "refused; prints the old and the new epoch and the sequence the next command will have.",
                "Takes the journal's lock: it refuses a directory a running engine or standby holds (stop it, or "
                        + "promote through its API). A sharded journal moves every shard (or the one --shard names) "
                        + "to one new epoch, above the highest of theirs. A journal that has seen epoch "
                        + JournalEpoch.MAX + ", the largest replication carries (only an epoch file written by hand "
                        + "or damaged gets there), is refused, nothing written. Who decides to promote, and that the "
                        + "old primary is stopped, is up to the operator."})
final class PromoteCommand implements Callable<Integer> {
    @Mixin
    JournalDirOption journal;

    @Mixin
    ShardOption shard;

    @Mixin
    JsonOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        JournalTarget target = JournalTarget.openUnchecked(journal.dir, shard.index, spec);
        try (JournalTarget.Locks locks = target.lock()) {
            target.requireCycleHeaders();
            long epoch = JournalEpoch.INITIAL;
            for (JournalTarget.Shard one : target.shards()) {
                epoch = Math.max(epoch, JournalEpoch.next(one.dir()));
            }
            List<JournalEpoch.Promotion> promotions = new ArrayList<>();
            for (JournalTarget.Shard one : target.shards()) {
                promotions.add(JournalEpoch.promote(one.dir(), epoch));
            }
            Summary summary = new Summary().put("journal", journal.dir);
            if (!target.sharded()) {
                describe(summary, promotions.getFirst());
            } else {
                List<Summary> perShard = new ArrayList<>();
                for (int i = 0; i < promotions.size(); i++) {
                    perShard.add(describe(new Summary().put("shard", target.shards().get(i).index()),
                            promotions.get(i)));
                }
                summary.put("shard-count", target.shardCount()).putShards(perShard).put("epoch", epoch);
            }
            summary.print(spec.commandLine().getOut(), output.json);
            return 0;
        }
    }

    private static Summary describe(Summary summary, JournalEpoch.Promotion promotion) {
        return summary.put("previous-epoch", promotion.previousEpoch())
                .put("epoch", promotion.epoch())
                .put("next-sequence", promotion.nextSequence());
    }
}
