package dev.purestock.cli;

import dev.purestock.journal.JournalCorruptException;
import dev.purestock.journal.JournalDamagedException;
import dev.purestock.journal.JournalRepair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code purestock repair}: finds where a journal stops being readable and, when told to, cuts it there. */
@Command(name = "repair", mixinStandardHelpOptions = true,
        description = {"Reads the whole journal with every check and reports the first damage: the last good "
                + "record, the high-water mark (every acknowledged record is at or below it) and how many "
                + "acknowledged records lie behind the damage. Exits 1 when it finds damage. A sharded journal "
                + "is read shard by shard (or the one --shard names), each reported on its own.",
                "With --truncate (the journal's lock is taken: no engine may be running) it keeps every record "
                        + "up to the last good one, moves the damaged cycle files to DIR/damaged-<time>/ and sets "
                        + "the high-water mark there; in every damaged shard, and in none when one of them would "
                        + "lose acknowledged records. Cutting acknowledged records needs --accept-loss as well. A "
                        + "record written by a newer purestock is no damage: it is reported (result newer-version) "
                        + "and never cut; upgrade purestock to read it."})
final class RepairCommand implements Callable<Integer> {
    /** The result of a journal (or shard) that holds a record of a newer purestock. */
    private static final String NEWER = "newer-version";
    private static final String NEWER_ADVICE = "the journal holds records written by a newer purestock (see damage=); "
            + "nothing is damaged and nothing is cut: upgrade purestock to read it";

    /** What repair says of a journal (or shard) whose high-water mark is damaged, before the mark's own advice. */
    private static final String MARK_ADVICE = "the journal's high-water mark is damaged, not its records: nothing is "
            + "cut for it (a cut would drop every record, as none is read while the mark is damaged); ";
    private static final JournalRepair.Diagnosis EMPTY = new JournalRepair.Diagnosis(-1, 0, -1, Optional.empty());
    /** What to do about a journal whose cycle files are gone while its high-water mark is at a record. */
    private static final String CYCLES_GONE_ADVICE = "its cycle files are gone, so nothing is left to cut: restore "
            + "them from a copy or a standby; only to accept the loss of every record (its snapshots go too), "
            + "`purestock truncate --journal %s --after-seq -1 --confirm` starts it over at sequence 0";

    @Mixin
    JournalDirOption journal;

    @Mixin
    ShardOption shard;

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
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (acceptLoss && !truncate) {
            // alone it would read as consent given, while nothing is cut: say so before diagnosing anything
            throw new ParameterException(spec.commandLine(), "--accept-loss goes with --truncate: without it nothing "
                    + "is cut, so there is no loss to accept");
        }
        JournalTarget target = JournalTarget.openUnchecked(journal.dir, shard.index, spec);
        try (JournalTarget.Locks locks = truncate ? target.lock() : null) {
            target.requireCycleHeaders();
            if (!target.sharded() && !target.only().hasCycles()) {
                JournalRepair.Diagnosis gone = withoutCycles(target.only().dir());
                if (gone.damage().isEmpty()) {
                    new Summary().put("journal", journal.dir).put("records", 0).put("result", "ok").print(out,
                            output.json);
                    return 0;
                }
                describe(new Summary().put("journal", journal.dir), gone).put("result", "damaged").print(out,
                        output.json);
                err.println("purestock repair: " + CYCLES_GONE_ADVICE.formatted(journal.dir));
                return PurestockCli.FAILED;
            }
            List<JournalRepair.Diagnosis> diagnoses = target.each(err, "repair",
                    (one, progress) -> one.hasCycles() ? JournalRepair.diagnose(one.dir()) : withoutCycles(one.dir()));
            if (!target.sharded()) {
                return repairOne(diagnoses.getFirst(), out, err);
            }
            return repairShards(target, diagnoses, out, err);
        }
    }

    private int repairOne(JournalRepair.Diagnosis diagnosis, PrintWriter out, PrintWriter err) {
        Summary summary = describe(new Summary().put("journal", journal.dir), diagnosis);
        if (diagnosis.damage().isEmpty()) {
            summary.put("result", "ok").print(out, output.json);
            return 0;
        }
        if (diagnosis.writtenByNewer()) {
            summary.put("result", NEWER).print(out, output.json);
            err.println("purestock repair: " + NEWER_ADVICE);
            return PurestockCli.FAILED;
        }
        if (diagnosis.markDamaged()) {
            summary.put("result", truncate ? "refused" : "damaged").print(out, output.json);
            err.println("purestock repair: " + MARK_ADVICE + diagnosis.damage().get().getMessage());
            return PurestockCli.FAILED;
        }
        if (!truncate) {
            summary.put("result", "damaged").print(out, output.json);
            err.println("purestock repair: the journal is damaged; `purestock repair --journal " + journal.dir
                    + " --truncate` keeps the " + diagnosis.records() + " good records and moves the rest aside");
            return PurestockCli.FAILED;
        }
        if (diagnosis.losesAcknowledged() && !acceptLoss) {
            summary.put("result", "refused").print(out, output.json);
            err.println("purestock repair: " + refusal(diagnosis));
            return PurestockCli.FAILED;
        }
        List<String> done = JournalRepair.truncateAfter(journal.dir, diagnosis.lastGoodSequence());
        done.forEach(line -> err.println("note: " + line));
        summary.put("result", "truncated").print(out, output.json);
        return 0;
    }

    /**
     * Reports every shard and, with {@code --truncate}, cuts every damaged one; when one of them would lose
     * acknowledged records without {@code --accept-loss}, it cuts none.
     */
    private int repairShards(JournalTarget target, List<JournalRepair.Diagnosis> diagnoses, PrintWriter out,
                             PrintWriter err) {
        List<Integer> damaged = new ArrayList<>();
        boolean refused = false;
        long records = 0;
        for (int i = 0; i < diagnoses.size(); i++) {
            JournalRepair.Diagnosis diagnosis = diagnoses.get(i);
            records += diagnosis.records();
            if (diagnosis.damage().isPresent()) {
                damaged.add(i);
                // a shard whose cycle files are gone has nothing to cut
                refused |= truncate && (diagnosis.writtenByNewer() || diagnosis.markDamaged()
                        || diagnosis.losesAcknowledged() && !acceptLoss || !target.shards().get(i).hasCycles());
            }
        }
        boolean cut = truncate && !refused && !damaged.isEmpty();
        List<Summary> perShard = new ArrayList<>();
        for (int i = 0; i < diagnoses.size(); i++) {
            JournalRepair.Diagnosis diagnosis = diagnoses.get(i);
            JournalTarget.Shard one = target.shards().get(i);
            String result = "ok";
            if (diagnosis.writtenByNewer()) {
                result = NEWER;
            } else if (diagnosis.damage().isPresent()) {
                result = cut ? "truncated" : truncate && (diagnosis.markDamaged()
                        || diagnosis.losesAcknowledged() && !acceptLoss || !one.hasCycles()) ? "refused" : "damaged";
            }
            if (cut && diagnosis.damage().isPresent()) {
                JournalRepair.truncateAfter(one.dir(), diagnosis.lastGoodSequence())
                        .forEach(line -> err.println("note: shard " + one.index() + ": " + line));
            }
            perShard.add(describe(new Summary().put("shard", one.index()), diagnosis).put("result", result));
        }
        boolean newer = diagnoses.stream().anyMatch(JournalRepair.Diagnosis::writtenByNewer);
        String result = damaged.isEmpty() ? "ok" : newer ? NEWER : cut ? "truncated" : refused ? "refused"
                : "damaged";
        new Summary()
                .put("journal", journal.dir)
                .put("shard-count", target.shardCount())
                .putShards(perShard)
                .put("records", records)
                .put("result", result)
                .print(out, output.json);
        if (damaged.isEmpty() || cut) {
            return 0;
        }
        for (int i : damaged) {
            JournalRepair.Diagnosis diagnosis = diagnoses.get(i);
            int index = target.shards().get(i).index();
            if (diagnosis.writtenByNewer()) {
                err.println("purestock repair: shard " + index + ": " + NEWER_ADVICE
                        + (truncate ? "; no shard was cut" : ""));
            } else if (diagnosis.markDamaged()) {
                err.println("purestock repair: shard " + index + ": " + MARK_ADVICE
                        + diagnosis.damage().get().getMessage() + (truncate ? "; no shard was cut" : ""));
            } else if (!target.shards().get(i).hasCycles()) {
                err.println("purestock repair: shard " + index + ": " + CYCLES_GONE_ADVICE.formatted(
                        target.shards().get(i).dir()) + (truncate ? "; no shard was cut" : ""));
            } else if (!truncate) {
                err.println("purestock repair: shard " + index + " is damaged; `purestock repair --journal "
                        + journal.dir + " --truncate` keeps its " + diagnosis.records()
                        + " good records and moves the rest aside");
            } else if (diagnosis.losesAcknowledged() && !acceptLoss) {
                err.println("purestock repair: shard " + index + ": " + refusal(diagnosis) + "; no shard was cut");
            }
        }
        return PurestockCli.FAILED;
    }

    /**
     * A journal (or shard) with no cycle file: empty, or, when its high-water mark says records were acknowledged,
     * damaged with every one of them unreachable ({@link Cli#requireNothingAcknowledged}).
     */
    private static JournalRepair.Diagnosis withoutCycles(Path dir) {
        try {
            Cli.requireNothingAcknowledged(dir);
            return EMPTY;
        } catch (JournalDamagedException e) {
            return new JournalRepair.Diagnosis(-1, 0, e.highWaterMark(), Optional.of(e));
        }
    }

    private static Summary describe(Summary summary, JournalRepair.Diagnosis diagnosis) {
        long lost = lost(diagnosis);
        return summary
                .put("records", diagnosis.records())
                .put("last-good-sequence", diagnosis.lastGoodSequence())
                .put("high-water-mark", diagnosis.highWaterMark())
                .put("damage", diagnosis.damage().map(JournalCorruptException::getMessage).orElse("none"))
                .put("acknowledged-behind-damage", lost < 0 ? "unknown" : lost);
    }

    /** Acknowledged records behind the damage; {@code -1}: unknown, the journal keeps no high-water mark. */
    private static long lost(JournalRepair.Diagnosis diagnosis) {
        return !diagnosis.losesAcknowledged() ? 0 : diagnosis.highWaterMark() < 0 ? -1
                : diagnosis.highWaterMark() - diagnosis.lastGoodSequence();
    }

    private static String refusal(JournalRepair.Diagnosis diagnosis) {
        long lost = lost(diagnosis);
        return "cutting after seq " + diagnosis.lastGoodSequence() + " would drop "
                + (lost < 0 ? "records that may have been" : lost + " records that were")
                + " acknowledged; restore the journal from a copy or a standby, or add --accept-loss";
    }
}
