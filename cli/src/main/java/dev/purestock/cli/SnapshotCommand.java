package dev.purestock.cli;

import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.RecoveredState;
import dev.purestock.journal.SnapshotInfo;
import dev.purestock.journal.SnapshotStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code purestock snapshot}: cuts a snapshot offline. A newest cycle file with no header (a writer stopped as it
 * rolled into it) is taken as recovery takes it ({@link JournalReader#unreadNewestCycle}): when the records before it
 * reach the high-water mark, the snapshot is cut at the last of them, the file is named once on standard error and
 * carried in the answer as {@code journal-note}, and it stays where it is for the next engine start to set aside;
 * otherwise the command fails with the line every reader gives, writing nothing. The snapshot never depends on the
 * file: it holds no acknowledged record.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = "Cuts a snapshot of a journal that no engine is writing (it takes the directory's lock): "
                + "sets aside snapshots ahead of the journal (to DIR/snapshots/ahead-<time>/), recovers the state "
                + "(newest snapshot plus tail), writes it "
                + "as a snapshot at the last sequence and lists it in the manifest; in every shard of a sharded "
                + "journal that holds a command (or the one --shard names). A running "
                + "engine cuts its own snapshots through its ring (PurestockEngine.snapshot, snapshotEvery).")
final class SnapshotCommand implements Callable<Integer> {
    @Mixin
    JournalDirOption journal;

    @Mixin
    ShardOption shard;

    @Mixin
    JsonOption output;

    @Option(names = "--keep", paramLabel = "N", defaultValue = "2",
            description = "Snapshots to keep afterwards (at least 1; default: ${DEFAULT-VALUE}).")
    int keep;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (keep < 1) {
            throw new ParameterException(spec.commandLine(), "--keep must be at least 1, was " + keep);
        }
        // the cycle files' headers are left to the readers below, which read the records before a newest one that has
        // none, and refuse an earlier one, both with the lock held
        JournalTarget target = JournalTarget.openUnchecked(journal.dir, shard.index, spec);
        PrintWriter err = spec.commandLine().getErr();
        try (JournalTarget.Locks locks = target.lock()) {
            target.requireEveryShardOpens();
            List<Cut> cuts = target.each(err, "replay", (one, progress) -> {
                Optional<String> unread = one.hasCycles() ? JournalReader.unreadNewestCycleOf(one.dir())
                        : Optional.empty();
                List<String> notes = new ArrayList<>(JournalRecovery.removeSnapshotsAheadOfJournal(one.dir()));
                RecoveredState recovered = JournalRecovery.recover(one.dir(), PrimitiveInventoryStore::new, progress);
                // the recovery's notes name the unread newest cycle file too: printed once, from them
                notes.addAll(recovered.notes());
                // the write's notes are said already: the manifest's damaged lines went above, and an unusable
                // snapshot it replaces, at the journal's last sequence, is the newest the recovery passed over
                SnapshotInfo info = recovered.nextSequence() == 0 ? null : new SnapshotStore(one.dir(), keep)
                        .writeSnapshot(recovered.nextSequence() - 1, recovered.lastTime(), recovered.store(),
                                new ArrayList<>());
                return new Cut(one.index(), notes, info, unread.orElse(null));
            });
            cuts.forEach(cut -> cut.notes().forEach(note -> err.println("note: "
                    + (target.sharded() ? "shard " + cut.shard() + ": " : "") + note)));
            if (cuts.stream().allMatch(cut -> cut.info() == null)) {
                throw new IllegalStateException((target.sharded() && target.shards().size() == 1
                        ? "shard " + target.only().index() + " of the journal" : "the journal") + " in " + journal.dir
                        + " holds no command to snapshot");
            }
            if (!target.sharded()) {
                SnapshotInfo info = cuts.getFirst().info();
                Summary summary = new Summary()
                        .put("snapshot", info.file())
                        .put("last-sequence", info.lastSequence())
                        .put("bytes", info.bytes());
                if (cuts.getFirst().note() != null) {
                    summary.put("journal-note", cuts.getFirst().note());
                }
                summary.print(spec.commandLine().getOut(), output.json);
                return 0;
            }
            List<Summary> perShard = new ArrayList<>();
            for (Cut cut : cuts) {
                Summary one = new Summary()
                        .put("shard", cut.shard())
                        .put("snapshot", cut.info() == null ? "none" : cut.info().file())
                        .put("last-sequence", cut.info() == null ? -1 : cut.info().lastSequence())
                        .put("bytes", cut.info() == null ? 0 : cut.info().bytes());
                if (cut.note() != null) {
                    one.put("journal-note", cut.note());
                }
                perShard.add(one);
            }
            new Summary()
                    .put("journal", journal.dir)
                    .put("shard-count", target.shardCount())
                    .putShards(perShard)
                    .put("snapshots-written", cuts.stream().filter(cut -> cut.info() != null).count())
                    .print(spec.commandLine().getOut(), output.json);
            return 0;
        }
    }

    /**
     * What snapshotting one shard did: the snapshot written ({@code null}: it holds no command), notes, and the newest
     * cycle file its journal left unread ({@code null}: none), for the answer's {@code journal-note}.
     */
    private record Cut(int shard, List<String> notes, SnapshotInfo info, String note) {
    }
}
