package dev.purestock.cli;

import dev.purestock.journal.JournalRepair;
import dev.purestock.journal.JournalTruncation;
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
import java.util.concurrent.Callable;

/** {@code purestock truncate}: cuts a journal's tail after a sequence, for an old primary rejoining as a standby. */
@Command(name = "truncate", mixinStandardHelpOptions = true,
        description = {"Cuts the records after --after-seq N off a journal, and sets aside its snapshots above N "
                + "(to DIR/snapshots/ahead-<time>/, never deleted): what "
                + "an old primary does before it rejoins as a standby of the new one, dropping the tail the new "
                + "primary never received (with SYNC replication none of it was acknowledged). The records cut "
                + "are moved to DIR/truncated-<time>/, never deleted. A sharded journal's sequences are per shard: "
                + "name the shard with --shard.",
                "Without --confirm it only reports what it would cut, and exits 1. Takes the journal's lock: no "
                        + "engine may be running. Stopped half-way (killed), it is finished by running it again."})
final class TruncateCommand implements Callable<Integer> {
    @Mixin
    JournalDirOption journal;

    @Mixin
    ShardOption shard;

    @Option(names = "--after-seq", paramLabel = "N", required = true,
            description = "The last sequence to keep (-1 keeps no record).")
    long afterSequence;

    @Option(names = "--confirm", description = "Cut: without it, only report what would be cut.")
    boolean confirm;

    @Mixin
    JsonOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (afterSequence < -1) {
            throw new ParameterException(spec.commandLine(), "--after-seq must be a sequence, or -1 to keep no "
                    + "record, was " + afterSequence);
        }
        JournalTarget target = JournalTarget.openUnchecked(journal.dir, shard.index, spec);
        if (target.shards().size() != 1) {
            throw new ParameterException(spec.commandLine(), "journal " + journal.dir + " holds "
                    + target.shardCount() + " shards, each with sequences of its own: name the one to cut with "
                    + "--shard N");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        JournalTarget.Shard one = target.only();
        Summary summary = new Summary().put("journal", journal.dir);
        if (target.sharded()) {
            summary.put("shard", one.index());
        }
        try (JournalTarget.Locks locks = target.lock()) {
            target.requireCycleHeaders();
            long last = -1;
            long end = -1;
            long acknowledged = -1;
            if (one.hasCycles()) {
                // read as repair reads, so that a truncation stopped half-way (its mark above its end) is finished
                JournalRepair.Diagnosis found = JournalRepair.diagnose(one.dir());
                // before any report: one that --confirm would refuse must not be offered as a cut
                JournalTruncation.requireCuttable(one.dir(), found, afterSequence);
                last = found.lastGoodSequence();
                end = JournalTruncation.lastWritten(found);
                // behind damage, the records up to the high-water mark were acknowledged even though none reads
                acknowledged = found.damage().isPresent() ? found.highWaterMark()
                        : Math.min(found.highWaterMark(), last);
                if (found.damage().isPresent() && end > afterSequence) {
                    err.println("note: the journal cannot be read past seq " + last + " ("
                            + found.damage().get().getMessage() + "); the records behind the damage, up to seq " + end
                            + ", are cut with the rest");
                }
            }
            // a damaged manifest line is named here, once: the cut, which drops it, names it again
            List<String> damaged = new ArrayList<>();
            List<SnapshotInfo> above = new SnapshotStore(one.dir()).list(damaged).stream()
                    .filter(snapshot -> snapshot.lastSequence() > afterSequence).toList();
            damaged.forEach(note -> err.println("note: " + note));
            summary.put("last-sequence", last)
                    .put("after-seq", afterSequence)
                    .put("records-cut", Math.max(0, end - afterSequence))
                    // a journal written before the high-water mark existed cannot tell, as repair says
                    .put("acknowledged-cut", acknowledged < 0 && end > afterSequence ? "unknown"
                            : Math.max(0, acknowledged - afterSequence))
                    .put("snapshots-removed", above.size());
            if (end <= afterSequence && above.isEmpty()) {
                // at or past the last record, with no snapshot above it: there is nothing to cut, with --confirm or not
                summary.put("result", "nothing-to-cut").print(out, output.json);
                return 0;
            }
            if (!confirm) {
                summary.put("result", "not-cut").print(out, output.json);
                err.println("purestock truncate: nothing was cut; add --confirm to cut "
                        + Math.max(0, end - afterSequence) + " records after seq " + afterSequence
                        + " (moved to " + one.dir().resolve("truncated-<time>") + ")");
                return PurestockCli.FAILED;
            }
            JournalTruncation.Result result = JournalTruncation.truncateAfter(one.dir(), afterSequence);
            result.notes().stream().filter(note -> !damaged.contains(note))
                    .forEach(note -> err.println("note: " + note));
            summary.put("result", "truncated").print(out, output.json);
            return 0;
        }
    }
}
