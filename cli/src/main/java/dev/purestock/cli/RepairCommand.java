package dev.purestock.cli;

import dev.purestock.journal.JournalCorruptException;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalRepair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code purestock repair}: finds where a journal stops being readable and, when told to, cuts it there. */
@Command(name = "repair", mixinStandardHelpOptions = true,
        description = {"Reads the whole journal with every check and reports the first damage: the last good "
                + "record, the high-water mark (every acknowledged record is at or below it) and how many "
                + "acknowledged records lie behind the damage. Exits 1 when it finds damage.",
                "With --truncate (the journal's lock is taken: no engine may be running) it keeps every record "
                        + "up to the last good one, moves the damaged cycle files to DIR/damaged-<time>/ and sets "
                        + "the high-water mark there. Cutting acknowledged records needs --accept-loss as well."})
final class RepairCommand implements Callable<Integer> {
    @Mixin
    JournalDirOption journal;

    @Option(names = "--truncate", description = "Cut the journal after its last good record.")
    boolean truncate;

    @Option(names = "--accept-loss", description = "With --truncate: cut even when acknowledged records are "
            + "behind the damage (restore them from a copy or a standby instead, if you can).")
    boolean acceptLoss;

    @Mixin
    JsonOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Cli.requireJournal(journal.dir)) {
            new Summary().put("journal", journal.dir).put("records", 0).put("result", "ok").print(out, output.json);
            return 0;
        }
        try (JournalLock lock = truncate ? JournalLock.acquire(journal.dir) : null) {
            JournalRepair.Diagnosis diagnosis = JournalRepair.diagnose(journal.dir);
            long lost = !diagnosis.losesAcknowledged() ? 0 : diagnosis.highWaterMark() < 0 ? -1
                    : diagnosis.highWaterMark() - diagnosis.lastGoodSequence();
            Summary summary = new Summary()
                    .put("journal", journal.dir)
                    .put("records", diagnosis.records())
                    .put("last-good-sequence", diagnosis.lastGoodSequence())
                    .put("high-water-mark", diagnosis.highWaterMark())
                    .put("damage", diagnosis.damage().map(JournalCorruptException::getMessage).orElse("none"))
                    .put("acknowledged-behind-damage", lost < 0 ? "unknown" : lost);
            if (diagnosis.damage().isEmpty()) {
                summary.put("result", "ok").print(out, output.json);
                return 0;
            }
            if (!truncate) {
                summary.put("result", "damaged").print(out, output.json);
                err.println("purestock repair: the journal is damaged; `purestock repair --journal " + journal.dir
                        + " --truncate` keeps the " + diagnosis.records() + " good records and moves the rest aside");
                return PurestockCli.FAILED;
            }
            if (diagnosis.losesAcknowledged() && !acceptLoss) {
                summary.put("result", "refused").print(out, output.json);
                err.println("purestock repair: cutting after seq " + diagnosis.lastGoodSequence() + " would drop "
                        + (lost < 0 ? "records that may have been" : lost + " records that were")
                        + " acknowledged; restore the journal from a copy or a standby, or add --accept-loss");
                return PurestockCli.FAILED;
            }
            List<String> done = JournalRepair.truncateAfter(journal.dir, diagnosis.lastGoodSequence());
            done.forEach(line -> err.println("note: " + line));
            summary.put("result", "truncated").print(out, output.json);
            return 0;
        }
    }
}
