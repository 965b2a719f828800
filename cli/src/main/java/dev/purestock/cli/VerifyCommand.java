package dev.purestock.cli;

import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code purestock verify}: re-decides every journaled command and compares. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Re-decides every journaled command with the pure domain, from the empty state (or from the "
                + "oldest kept snapshot when older cycles were pruned), compares with the journaled events and checks "
                + "every checksum and sequence, that epochs never go down, and that each later snapshot holds the "
                + "state decided at its sequence; every shard of a sharded journal, in parallel. Exit 0 only if "
                + "everything matches.")
final class VerifyCommand implements Callable<Integer> {
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
        JournalTarget target = JournalTarget.openForReading(journal.dir, shard.index, spec);
        List<JournalVerifier.Result> results = target.each(spec.commandLine().getErr(), "verify",
                (one, progress) -> {
                    if (one.hasCycles()) {
                        return JournalVerifier.verify(one.dir(), PrimitiveInventoryStore::new, progress, one.index(),
                                target.shardCount());
                    }
                    Cli.requireNothingAcknowledged(one.dir());
                    return new JournalVerifier.Result(0, "empty", null, JournalEpoch.read(one.dir()));
                });
        Summary summary = new Summary().put("journal", journal.dir);
        long records = 0;
        long snapshots = 0;
        boolean matches = true;
        List<Summary> perShard = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            JournalVerifier.Result result = results.get(i);
            String prefix = target.sharded() ? "shard " + target.shards().get(i).index() + ": " : "";
            result.notes().forEach(note -> spec.commandLine().getErr().println("note: " + prefix + note));
            records += result.records();
            snapshots += result.snapshotsChecked();
            matches &= result.matches();
            Summary one = new Summary()
                    .put("shard", target.shards().get(i).index())
                    .put("started-at", result.startedAt())
                    .put("records-verified", result.records())
                    .put("snapshots-checked", result.snapshotsChecked())
                    .put("epoch", result.epoch())
                    .put("result", result.matches() ? "ok" : "diverged");
            if (!result.matches() && output.json) {
                one.put("divergence", result.divergence());
            }
            target.note(target.shards().get(i)).ifPresent(note -> one.put("journal-note", note));
            perShard.add(one);
        }
        if (target.sharded()) {
            summary.put("shard-count", target.shardCount()).putShards(perShard);
        } else {
            summary.put("started-at", results.getFirst().startedAt()).put("epoch", results.getFirst().epoch());
        }
        summary.put("records-verified", records).put("snapshots-checked", snapshots)
                .put("result", matches ? "ok" : "diverged");
        if (!target.sharded() && !matches && output.json) {
            summary.put("divergence", results.getFirst().divergence());
        }
        if (!target.sharded()) {
            target.note(target.only()).ifPresent(note -> summary.put("journal-note", note));
        }
        summary.print(spec.commandLine().getOut(), output.json);
        for (int i = 0; i < results.size(); i++) {
            if (!results.get(i).matches()) {
                spec.commandLine().getErr().println("purestock verify: " + (target.sharded() ? "shard "
                        + target.shards().get(i).index() + ": " : "") + results.get(i).divergence());
            }
        }
        return matches ? 0 : PurestockCli.FAILED;
    }
}
