package dev.purestock.cli;

import dev.purestock.domain.StateDigest;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.RecoveredState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code purestock replay}: rebuilds the state as a restart would and prints its digest. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Rebuilds the state from the newest good snapshot and the journal tail, as a restart does, "
                + "and prints the replay rate and the state-hash (a live engine's digest at the journal's last "
                + "sequence; compare with digestWithSequence, as the timer may change the state later). A sharded "
                + "journal is rebuilt shard by shard, in parallel: a state-hash per shard, totals for the rest. "
                + "--until-seq or --until-time rebuild the state as it was then, from the newest snapshot at or "
                + "before that point (or from empty).")
final class ReplayCommand implements Callable<Integer> {
    @Mixin
    JournalDirOption journal;

    @Mixin
    ShardOption shard;

    @Option(names = "--full", description = "Ignore snapshots and replay the whole journal.")
    boolean full;

    @Mixin
    PointInTimeOption until;

    @Mixin
    JsonOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        JournalTarget target = JournalTarget.openForReading(journal.dir, shard.index, spec);
        until.check(target, spec);
        PrintWriter err = spec.commandLine().getErr();
        long start = System.nanoTime();
        List<Replayed> shards = target.each(err, "replay", (one, progress) -> {
            // a journal with no cycle file yet recovers, with or without snapshots, to the empty state
            RecoveredState recovered = until.bounded()
                    ? JournalRecovery.recoverUntil(one.dir(), until.sequence(), until.time(), !full,
                    PrimitiveInventoryStore::new, progress)
                    : full && one.hasCycles()
                    ? JournalRecovery.recoverWithoutSnapshots(one.dir(), PrimitiveInventoryStore::new, progress)
                    : JournalRecovery.recover(one.dir(), PrimitiveInventoryStore::new, progress);
            return new Replayed(one.index(), recovered.recoveredFrom(), recovered.replayedRecords(),
                    recovered.replayedEvents(), recovered.nextSequence(), StateDigest.of(recovered.store()),
                    target.notNamedYet(one, recovered.notes()));
        });
        long nanos = Math.max(1, System.nanoTime() - start);
        long records = 0;
        long events = 0;
        List<Summary> perShard = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            Replayed replayed = shards.get(i);
            replayed.notes().forEach(note -> err.println("note: " + (target.sharded() ? "shard " + replayed.shard()
                    + ": " : "") + note));
            records += replayed.records();
            events += replayed.events();
            Summary one = new Summary()
                    .put("shard", replayed.shard())
                    .put("recovered-from", replayed.recoveredFrom())
                    .put("records", replayed.records())
                    .put("events", replayed.events())
                    .put("next-sequence", replayed.nextSequence())
                    .put("state-hash", StateDigest.format(replayed.digest()));
            target.note(target.shards().get(i)).ifPresent(note -> one.put("journal-note", note));
            perShard.add(one);
        }
        Summary summary = until.describe(new Summary().put("journal", journal.dir));
        if (target.sharded()) {
            summary.put("shard-count", target.shardCount()).putShards(perShard);
        } else {
            summary.put("recovered-from", shards.getFirst().recoveredFrom());
        }
        summary.put("records", records)
                .put("events", events)
                .put("elapsed-ms", nanos / 1_000_000)
                .put("records-per-second", records * 1_000_000_000L / nanos)
                .put("events-per-second", events * 1_000_000_000L / nanos);
        if (!target.sharded()) {
            summary.put("next-sequence", shards.getFirst().nextSequence())
                    .put("state-hash", StateDigest.format(shards.getFirst().digest()));
            target.note(target.only()).ifPresent(note -> summary.put("journal-note", note));
        }
        summary.print(spec.commandLine().getOut(), output.json);
        return 0;
    }

    /** What replaying one shard rebuilt, without the state itself, which is let go once digested. */
    private record Replayed(int shard, String recoveredFrom, long records, long events, long nextSequence,
                            long digest, List<String> notes) {
    }
}
