package dev.purestock.cli;

import dev.purestock.domain.RejectionReason;
import dev.purestock.journal.JournalStats;
import dev.purestock.journal.SnapshotStore;
import dev.purestock.journal.SnapshotInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code purestock stats}: what a journal directory holds. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Reads the whole journal (checking every checksum) and prints records, sequences, times, "
                + "cycle files, bytes, accepted and rejected commands with rejections by reason, and snapshots.")
final class StatsCommand implements Callable<Integer> {
    @Mixin
    JournalDirOption journal;

    @Mixin
    JsonOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        JournalStats stats = Cli.requireJournal(journal.dir) ? JournalStats.of(journal.dir)
                : new JournalStats(0, 0, -1, -1, 0, 0, 0, 0, 0, 0, Map.of(), new SnapshotStore(journal.dir).list());
        Summary summary = new Summary()
                .put("journal", journal.dir)
                .put("records", stats.records())
                .put("events", stats.events())
                .put("first-sequence", stats.firstSequence())
                .put("last-sequence", stats.lastSequence())
                .put("first-time", stats.records() > 0 ? Instant.ofEpochMilli(stats.firstTime()).toString() : "-")
                .put("last-time", stats.records() > 0 ? Instant.ofEpochMilli(stats.lastTime()).toString() : "-")
                .put("cycles", stats.cycles())
                .put("bytes", stats.bytes())
                .put("accepted", stats.accepted())
                .put("rejected", stats.rejected());
        stats.rejections().entrySet().stream()
                .sorted(Map.Entry.comparingByKey(Comparator.comparingInt(RejectionReason::code)))
                .forEach(rejection -> summary.put("rejected." + rejection.getKey().name(), rejection.getValue()));
        summary.put("snapshots", stats.snapshots().size());
        for (SnapshotInfo snapshot : stats.snapshots()) {
            summary.put("snapshot." + snapshot.lastSequence(), snapshot.file().getFileName() + " " + snapshot.bytes()
                    + " bytes");
        }
        summary.print(spec.commandLine().getOut(), output.json);
        return 0;
    }
}
