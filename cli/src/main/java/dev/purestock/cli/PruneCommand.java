package dev.purestock.cli;

import dev.purestock.journal.JournalPruner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code purestock prune}: deletes snapshots and journal cycles recovery no longer needs. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Sets aside snapshots ahead of the journal (to DIR/snapshots/ahead-<time>/), keeps the newest "
                + "snapshots and deletes older ones, "
                + "then deletes every journal cycle file whose records the oldest kept usable snapshot covers (never "
                + "the current cycle; nothing without a usable snapshot); in every shard of a sharded journal (or "
                + "the one --shard names). Takes the directory's lock: it refuses to run while an engine writes to "
                + "the directory.")
final class PruneCommand implements Callable<Integer> {
    private static final JournalPruner.Result NOTHING = new JournalPruner.Result(List.of(), List.of(), -1, List.of());

    @Mixin
    JournalDirOption journal;

    @Mixin
    ShardOption shard;

    @Mixin
    JsonOption output;

    @Option(names = "--keep-snapshots", paramLabel = "N", defaultValue = "2",
            description = "Snapshots to keep (at least 1; default: ${DEFAULT-VALUE}).")
    int keep;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (keep < 1) {
            throw new ParameterException(spec.commandLine(), "--keep-snapshots must be at least 1, was " + keep);
        }
        JournalTarget target = JournalTarget.openUnchecked(journal.dir, shard.index, spec);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (JournalTarget.Locks locks = target.lock()) {
            target.requireCycleHeaders();
            if (!target.sharded() && !target.only().hasCycles()) {
                Cli.requireNothingAcknowledged(target.only().dir());
                summary(new Summary(), NOTHING).print(out, output.json);
                return 0;
            }
            target.requireEveryShardOpens();
            List<JournalPruner.Result> results = target.each(err, "prune",
                    (one, progress) -> {
                        if (one.hasCycles()) {
                            return JournalPruner.prune(one.dir(), keep);
                        }
                        Cli.requireNothingAcknowledged(one.dir());
                        return NOTHING;
                    });
            if (!target.sharded()) {
                results.getFirst().notes().forEach(note -> err.println("note: " + note));
                summary(new Summary(), results.getFirst()).print(out, output.json);
                return 0;
            }
            List<Summary> perShard = new ArrayList<>();
            long kept = 0;
            long deleted = 0;
            for (int i = 0; i < results.size(); i++) {
                JournalPruner.Result result = results.get(i);
                int index = target.shards().get(i).index();
                result.notes().forEach(note -> err.println("note: shard " + index + ": " + note));
                perShard.add(summary(new Summary().put("shard", index), result));
                kept += result.snapshotsKept().size();
                deleted += result.cyclesDeleted().size();
            }
            new Summary()
                    .put("journal", journal.dir)
                    .put("shard-count", target.shardCount())
                    .putShards(perShard)
                    .put("snapshots-kept", kept)
                    .put("cycles-deleted", deleted)
                    .print(out, output.json);
            return 0;
        }
    }

    private static Summary summary(Summary summary, JournalPruner.Result result) {
        return summary.put("snapshots-kept", result.snapshotsKept().size())
                .put("cycles-deleted", result.cyclesDeleted().size())
                .put("first-sequence", result.firstSequence());
    }
}
