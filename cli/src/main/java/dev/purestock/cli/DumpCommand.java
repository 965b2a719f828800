package dev.purestock.cli;

import dev.purestock.journal.JournalDamagedException;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournalRecord;
import dev.purestock.journal.JournalRecordCodec;
import dev.purestock.journal.RecordFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.io.PrintWriter;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code purestock dump}: prints journal records, one per line. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = {"Prints journal records, one per line (JSON Lines with --json). A record that fails its "
                + "checksum is printed as CORRUPT with its bytes in hex, and the exit code is 1.",
                "A sharded journal prints every shard's records merged by time (then by shard, then by sequence), "
                        + "each with its shard; --shard N prints one shard's, and --from and --to, which are "
                        + "sequences of one shard, need it."})
final class DumpCommand implements Callable<Integer> {
    /** How often a dump checks that whoever reads its output is still there ({@code dump | head}). */
    private static final long CHECK_EVERY = 1 << 10;

    @Mixin
    JournalDirOption journal;

    @Mixin
    ShardOption shard;

    @Option(names = "--from", paramLabel = "SEQ", description = "First sequence to print (default: the first).")
    Long from;

    @Option(names = "--to", paramLabel = "SEQ", description = "Last sequence to print (default: the last).")
    Long to;

    @Option(names = "--json", description = "Print JSON Lines.")
    boolean json;

    @Spec
    CommandSpec spec;

    private final JournalRecordCodec codec = new JournalRecordCodec();
    private long corrupt;
    private long undecodable;
    private long printed;

    @Override
    public Integer call() {
        if (from != null && from < 0) {
            throw new ParameterException(spec.commandLine(), "--from must be a sequence, at least 0, was " + from);
        }
        if (to != null && to < 0) {
            throw new ParameterException(spec.commandLine(), "--to must be a sequence, at least 0, was " + to);
        }
        if (from != null && to != null && to < from) {
            throw new ParameterException(spec.commandLine(), "--to " + to + " is before --from " + from);
        }
        JournalTarget target = JournalTarget.openForReading(journal.dir, shard.index, spec);
        if (target.shards().size() > 1 && (from != null || to != null)) {
            throw new ParameterException(spec.commandLine(), "--from and --to are sequences of one shard, and journal "
                    + journal.dir + " holds " + target.shardCount() + " shards: name one with --shard N (0.."
                    + (target.shardCount() - 1) + ")");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (target.shards().size() == 1) {
            dumpOne(target.only(), target.sharded(), out);
        } else {
            dumpMerged(target.shards(), out);
        }
        out.flush();
        if (corrupt > 0 || undecodable > 0) {
            spec.commandLine().getErr().println("purestock dump: " + (corrupt > 0 ? corrupt
                    + " record(s) fail their checksum" + (undecodable > 0 ? ", " : "") : "") + (undecodable > 0
                    ? undecodable + " record(s) pass it but do not decode (written by a newer purestock, or damaged "
                    + "before their checksum was taken)" : ""));
            return 1;
        }
        return 0;
    }

    /** Prints one shard's records from {@code --from} to {@code --to}; each names its shard when {@code sharded}. */
    private void dumpOne(JournalTarget.Shard one, boolean sharded, PrintWriter out) {
        int label = sharded ? one.index() : -1;
        if (!one.hasCycles()) {
            Cli.requireNothingAcknowledged(one.dir());
            if (from != null) {
                throw noSequence(from, label);
            }
            return;
        }
        long last = to != null ? to : Long.MAX_VALUE;
        // damage found as the reader opens (in the last document, or zeros over the end of the data) stops every
        // other tool at once; dump shows what Chronicle Queue gives up to it, the damaged record as CORRUPT, and then
        // the damage as the opening found it
        try (JournalReader reader = JournalReader.openUpToDamage(one.dir())) {
            try {
                dumpFrom(reader, label, last, out);
            } catch (JournalDamagedException e) {
                throw reader.damageAtOpen().orElse(e);
            }
        }
    }

    /** Prints the records of {@code reader} from {@code --from} to {@code last}. */
    private void dumpFrom(JournalReader reader, int label, long last, PrintWriter out) {
        // no record reads as --from when its sequence is among a corrupt record's damaged bytes (verify names it
        // by its place, and says to dump it): it is the record after from - 1, if that one fails its checksum
        boolean[] atPlace = {false};
        if (from != null && !reader.seek(from)) {
            atPlace[0] = from > 0 && from <= reader.lastSequence() && reader.seek(from - 1)
                    && reader.readRaw((index, bytes, offset, length) -> false);
            if (!atPlace[0]) {
                throw noSequence(from, label);
            }
        }
        // a corrupt record's own sequence may be the damaged part: it stands where the record after the last
        // good one belongs, and the range is judged by that place
        long[] lastGood = {from != null ? from - 1 : -1};
        reader.readRaw((index, bytes, offset, length) -> {
            long sequence = JournalRecordCodec.sequenceOf(bytes, offset, length);
            if (atPlace[0]) {
                atPlace[0] = false;
                if (codec.checksumMatches(bytes, offset, length)) {
                    throw noSequence(from, label);
                }
            }
            if (!codec.checksumMatches(bytes, offset, length)) {
                if (lastGood[0] >= last) {
                    return false;
                }
                return print(out, corruptLine(label, sequence, index, bytes, offset, length));
            }
            if (sequence > last) {
                return false;
            }
            lastGood[0] = sequence;
            JournalRecord record;
            try {
                record = JournalRecordCodec.decode(bytes, offset, length);
            } catch (IllegalArgumentException | NullPointerException e) {
                return print(out, undecodableLine(label, sequence, index, bytes, offset, length, e))
                        && sequence < last;
            }
            return print(out, line(label, index, record)) && sequence < last;
        });
    }

    /** Prints the records of {@code shards} merged by time ({@link MergedShards}), each with its shard. */
    private void dumpMerged(List<JournalTarget.Shard> shards, PrintWriter out) {
        MergedShards.read(shards, true, (shardIndex, index, bytes, offset, length) -> {
            long sequence = JournalRecordCodec.sequenceOf(bytes, offset, length);
            if (!codec.checksumMatches(bytes, offset, length)) {
                return new MergedShards.Item<>(Long.MIN_VALUE, sequence,
                        corruptLine(shardIndex, sequence, index, bytes, offset, length));
            }
            JournalRecord record;
            try {
                record = JournalRecordCodec.decode(bytes, offset, length);
            } catch (IllegalArgumentException | NullPointerException e) {
                return new MergedShards.Item<>(Long.MIN_VALUE, sequence,
                        undecodableLine(shardIndex, sequence, index, bytes, offset, length, e));
            }
            return new MergedShards.Item<>(record.time(), sequence, line(shardIndex, index, record));
        }, line -> print(out, line));
    }

    /**
     * Prints one line; whether to go on: not once standard output is closed by its reader ({@code dump | head}),
     * which a {@link PrintWriter} keeps to itself, so the rest of a journal of any length is not read for nobody.
     */
    private boolean print(PrintWriter out, String line) {
        out.println(line);
        return ++printed % CHECK_EVERY != 0 || !out.checkError();
    }

    private String line(int shardLabel, long index, JournalRecord record) {
        if (shardLabel < 0) {
            return json ? RecordFormat.json(index, record) : RecordFormat.text(index, record);
        }
        return json ? "{\"shard\":" + shardLabel + "," + RecordFormat.json(index, record).substring(1)
                : "shard=" + shardLabel + " " + RecordFormat.text(index, record);
    }

    private String corruptLine(int shardLabel, long sequence, long index, byte[] bytes, int offset, int length) {
        corrupt++;
        return damagedLine(shardLabel, sequence, index, bytes, offset, length, "fails its checksum");
    }

    /**
     * A record whose checksum matched but which does not decode all the same: a schema version or tag newer than
     * this code reads, or bytes damaged before the checksum was taken.
     */
    private String undecodableLine(int shardLabel, long sequence, long index, byte[] bytes, int offset, int length,
                                   RuntimeException why) {
        undecodable++;
        return damagedLine(shardLabel, sequence, index, bytes, offset, length, "does not decode: " + why.getMessage());
    }

    /** A record that cannot be printed as one: its sequence, queue index, what is wrong, and its bytes in hex. */
    private String damagedLine(int shardLabel, long sequence, long index, byte[] bytes, int offset, int length,
                               String problem) {
        String hex = HexFormat.of().formatHex(bytes, offset, offset + length);
        if (json) {
            Summary summary = new Summary();
            if (shardLabel >= 0) {
                summary.put("shard", shardLabel);
            }
            return summary.put("corrupt", true).put("seq", sequence).put("index", "0x" + Long.toHexString(index))
                    .put("problem", problem).put("hex", hex).json();
        }
        return (shardLabel >= 0 ? "shard=" + shardLabel + " " : "") + "seq=" + sequence + " index=0x"
                + Long.toHexString(index) + " CORRUPT (" + problem + ") length=" + length + " hex=" + hex;
    }

    private IllegalArgumentException noSequence(long sequence, int shardLabel) {
        return new IllegalArgumentException((shardLabel < 0 ? "the journal" : "shard " + shardLabel + " of the journal")
                + " holds no sequence " + sequence + "; see `purestock stats --journal " + journal.dir
                + (shardLabel < 0 ? "" : " --shard " + shardLabel) + "`");
    }
}
