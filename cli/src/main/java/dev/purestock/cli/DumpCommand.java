package dev.purestock.cli;

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
import java.util.concurrent.Callable;

/** {@code purestock dump}: prints journal records, one per line. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Prints journal records, one per line (JSON Lines with --json). A record that fails its "
                + "checksum is printed as CORRUPT with its bytes in hex, and the exit code is 1.")
final class DumpCommand implements Callable<Integer> {
    @Mixin
    JournalDirOption journal;

    @Option(names = "--from", paramLabel = "SEQ", description = "First sequence to print (default: the first).")
    Long from;

    @Option(names = "--to", paramLabel = "SEQ", description = "Last sequence to print (default: the last).")
    Long to;

    @Option(names = "--json", description = "Print JSON Lines.")
    boolean json;

    @Spec
    CommandSpec spec;

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
        if (!Cli.requireJournal(journal.dir)) {
            if (from != null) {
                throw noSequence(from);
            }
            return 0;
        }
        PrintWriter out = spec.commandLine().getOut();
        JournalRecordCodec codec = new JournalRecordCodec();
        long last = to != null ? to : Long.MAX_VALUE;
        long[] corrupt = {0};
        try (JournalReader reader = JournalReader.open(journal.dir)) {
            if (from != null && !reader.seek(from)) {
                throw noSequence(from);
            }
            reader.readRaw((index, bytes, offset, length) -> {
                long sequence = JournalRecordCodec.sequenceOf(bytes, offset, length);
                if (!codec.checksumMatches(bytes, offset, length)) {
                    corrupt[0]++;
                    String hex = HexFormat.of().formatHex(bytes, offset, offset + length);
                    out.println((json ? new Summary().put("corrupt", true).put("seq", sequence)
                            .put("index", "0x" + Long.toHexString(index)).put("hex", hex).json()
                            : "seq=" + sequence + " index=0x" + Long.toHexString(index)
                            + " CORRUPT (fails its checksum) length=" + length + " hex=" + hex));
                    return sequence < last;
                }
                if (sequence > last) {
                    return false;
                }
                JournalRecord record = JournalRecordCodec.decode(bytes, offset, length);
                out.println(json ? RecordFormat.json(index, record) : RecordFormat.text(index, record));
                return sequence < last;
            });
        }
        out.flush();
        if (corrupt[0] > 0) {
            spec.commandLine().getErr().println("purestock dump: " + corrupt[0] + " record(s) fail their checksum");
            return 1;
        }
        return 0;
    }

    private IllegalArgumentException noSequence(long sequence) {
        return new IllegalArgumentException("the journal holds no sequence " + sequence
                + "; see `purestock stats --journal " + journal.dir + "`");
    }
}
