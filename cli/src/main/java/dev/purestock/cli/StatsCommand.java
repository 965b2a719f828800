package dev.purestock.cli;

import dev.purestock.domain.RejectionReason;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalStats;
import dev.purestock.journal.SnapshotStore;
import dev.purestock.journal.SnapshotInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code purestock stats}: what a journal directory holds. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Reads the whole journal (checking every checksum) and prints records, sequences, times, "
                + "epochs (the one the directory records, and its first and last record's), cycle files, bytes, "
                + "accepted and rejected commands with rejections by reason, and snapshots; "
                + "for a sharded journal, per shard and in total.")
final class StatsCommand implements Callable<Integer> {
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
        List<JournalStats> all = target.each(spec.commandLine().getErr(), "stats",
                (one, progress) -> {
                    if (one.hasCycles()) {
                        return JournalStats.of(one.dir());
                    }
                    Cli.requireNothingAcknowledged(one.dir());
                    return new JournalStats(0, 0, -1, -1, 0, 0, 0, 0, 0, 0, Map.of(),
                            new SnapshotStore(one.dir()).list(), JournalEpoch.read(one.dir()), -1, -1);
                });
        Summary summary = new Summary().put("journal", journal.dir);
        if (!target.sharded()) {
            JournalStats stats = all.getFirst();
            put(summary.put("records", stats.records())
                    .put("events", stats.events())
                    .put("first-sequence", stats.firstSequence())
                    .put("last-sequence", stats.lastSequence())
                    .put("first-time", time(stats.records(), stats.firstTime()))
                    .put("last-time", time(stats.records(), stats.lastTime())), stats);
            target.note(target.only()).ifPresent(note -> summary.put("journal-note", note));
            summary.print(spec.commandLine().getOut(), output.json);
            return 0;
        }
        List<Summary> perShard = new ArrayList<>();
        long records = 0;
        long events = 0;
        long firstTime = Long.MAX_VALUE;
        long lastTime = Long.MIN_VALUE;
        int cycles = 0;
        long bytes = 0;
        long accepted = 0;
        long rejected = 0;
        Map<RejectionReason, Long> rejections = new HashMap<>();
        int snapshots = 0;
        for (int i = 0; i < all.size(); i++) {
            JournalStats stats = all.get(i);
            Summary one = put(new Summary()
                    .put("shard", target.shards().get(i).index())
                    .put("records", stats.records())
                    .put("events", stats.events())
                    .put("first-sequence", stats.firstSequence())
                    .put("last-sequence", stats.lastSequence())
                    .put("first-time", time(stats.records(), stats.firstTime()))
                    .put("last-time", time(stats.records(), stats.lastTime())), stats);
            target.note(target.shards().get(i)).ifPresent(note -> one.put("journal-note", note));
            perShard.add(one);
            records += stats.records();
            events += stats.events();
            if (stats.records() > 0) {
                firstTime = Math.min(firstTime, stats.firstTime());
                lastTime = Math.max(lastTime, stats.lastTime());
            }
            cycles += stats.cycles();
            bytes += stats.bytes();
            accepted += stats.accepted();
            rejected += stats.rejected();
            stats.rejections().forEach((reason, count) -> rejections.merge(reason, count, Long::sum));
            snapshots += stats.snapshots().size();
        }
        summary.put("shard-count", target.shardCount())
                .putShards(perShard)
                .put("records", records)
                .put("events", events)
                .put("first-time", time(records, firstTime))
                .put("last-time", time(records, lastTime))
                .put("cycles", cycles)
                .put("bytes", bytes)
                .put("accepted", accepted)
                .put("rejected", rejected);
        putRejections(summary, rejections);
        summary.put("snapshots", snapshots).print(spec.commandLine().getOut(), output.json);
        return 0;
    }

    /** Puts what follows the times: epochs, cycles and bytes, the commands by outcome, and the snapshots. */
    private static Summary put(Summary summary, JournalStats stats) {
        summary.put("epoch", stats.epoch())
                .put("first-epoch", stats.firstEpoch())
                .put("last-epoch", stats.lastEpoch())
                .put("cycles", stats.cycles())
                .put("bytes", stats.bytes())
                .put("accepted", stats.accepted())
                .put("rejected", stats.rejected());
        putRejections(summary, stats.rejections());
        summary.put("snapshots", stats.snapshots().size());
        for (SnapshotInfo snapshot : stats.snapshots()) {
            summary.put("snapshot." + snapshot.lastSequence(), snapshot.file().getFileName() + " " + snapshot.bytes()
                    + " bytes");
        }
        return summary;
    }

    /** Rejections by reason, in code order: the domain's reasons and the engine's refusals. */
    private static void putRejections(Summary summary, Map<RejectionReason, Long> rejections) {
        rejections.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(Comparator.comparingInt(RejectionReason::code)))
                .forEach(rejection -> summary.put("rejected." + rejection.getKey().name(), rejection.getValue()));
    }

    private static String time(long records, long epochMillis) {
        return records > 0 ? Instant.ofEpochMilli(epochMillis).toString() : "-";
    }
}
