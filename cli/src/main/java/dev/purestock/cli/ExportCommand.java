package dev.purestock.cli;

import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournalRecord;
import dev.purestock.journal.JournalRecordCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.concurrent.Callable;

/** {@code purestock export}: writes the journal's events as flat rows, CSV or JSON Lines, for analysis. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Writes the journal's events as flat rows, one fixed set of columns (docs/cli.md), as CSV or "
                + "JSON Lines, to load into a notebook, DuckDB or a spreadsheet. It streams: one record at a time, "
                + "whatever the journal's size, with a progress bar on standard error.",
                "A sharded journal's events are merged by time (as dump merges them), each row with its shard; "
                        + "--shard N exports one shard's, and --from and --to, sequences of one shard, need it. "
                        + "The journal must read clean: a record failing its checks stops the export (exit 1)."})
final class ExportCommand implements Callable<Integer> {
    private static final long PROGRESS_EVERY = 1 << 14;
    /** How often an export to standard output checks that the reader is still there. */
    private static final long CHECK_EVERY = 1 << 10;

    @Mixin
    JournalDirOption journal;

    @Mixin
    ShardOption shard;

    @Option(names = "--format", paramLabel = "FORMAT", required = true,
            description = "csv or jsonl.", converter = FormatConverter.class)
    RowWriter.Format format;

    @Option(names = "--from", paramLabel = "SEQ", description = "First sequence to export (default: the first).")
    Long from;

    @Option(names = "--to", paramLabel = "SEQ", description = "Last sequence to export (default: the last).")
    Long to;

    @Option(names = "--since", paramLabel = "TIME", converter = TimeConverter.class,
            description = "Only records stamped at or after this time: an ISO-8601 instant or epoch milliseconds.")
    Long since;

    @Option(names = "--until", paramLabel = "TIME", converter = TimeConverter.class,
            description = "Only records stamped at or before this time: an ISO-8601 instant or epoch milliseconds.")
    Long until;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Write to FILE (replaced once the export is complete; a failed export leaves it as it "
                    + "was) and print a summary; default: standard output, with no summary. Never a file in the "
                    + "journal directory.")
    Path output;

    @Mixin
    JsonOption summaryJson;

    @Spec
    CommandSpec spec;

    private long records;
    /** Records whose rows were written: {@link #records} less those before {@code --since}. */
    private long exported;
    private final EventRows.Reader eventRows = new EventRows.Reader();
    private long events;
    private long total;
    private ProgressBar bar;

    /** Reads {@code csv} and {@code jsonl}, whatever their case. */
    static final class FormatConverter implements ITypeConverter<RowWriter.Format> {
        @Override
        public RowWriter.Format convert(String value) {
            for (RowWriter.Format format : RowWriter.Format.values()) {
                if (format.toString().equalsIgnoreCase(value.strip())) {
                    return format;
                }
            }
            throw new TypeConversionException("'" + value + "' is not a format: csv or jsonl");
        }
    }

    @Override
    public Integer call() throws IOException {
        checkBounds();
        JournalTarget target = JournalTarget.openForReading(journal.dir, shard.index, spec);
        if (target.shards().size() > 1 && (from != null || to != null)) {
            throw new ParameterException(spec.commandLine(), "--from and --to are sequences of one shard, and journal "
                    + journal.dir + " holds " + target.shardCount() + " shards: name one with --shard N (0.."
                    + (target.shardCount() - 1) + "), or bound every shard with --since and --until");
        }
        if (output == null && summaryJson.json) {
            throw new ParameterException(spec.commandLine(), "--json prints the summary as JSON, and an export prints "
                    + "a summary only with --output FILE; for rows as JSON lines use --format jsonl");
        }
        Path file = output == null ? null : checkOutput(output.toAbsolutePath());
        requireFrom(target);
        bar = new ProgressBar(spec.commandLine().getErr(), "export");
        total = countRecords(target);
        if (file == null) {
            PrintWriter out = spec.commandLine().getOut();
            RowWriter rows = RowWriter.of(format, out);
            export(target, rows);
            rows.flush();
            return 0;
        }
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        // an export stopped midway (Ctrl-C, the SIGTERM of timeout or a scheduler) runs the JVM's exit, not the
        // cleanup below: its partial rows go then too; once renamed, nothing is left at that name to delete
        partial.toFile().deleteOnExit();
        RowWriter rows;
        try (Writer writer = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(partial),
                StandardCharsets.UTF_8), 1 << 16)) {
            rows = RowWriter.of(format, writer);
            export(target, rows);
            rows.flush();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        try {
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        Summary summary = new Summary().put("journal", journal.dir).put("output", output).put("format", format)
                .put("records", exported).put("events", events).put("rows", rows.rows());
        summary.print(spec.commandLine().getOut(), summaryJson.json);
        return 0;
    }

    /**
     * Refuses, before the journal is read, an {@code --output} the export cannot or must not replace: a directory (the
     * rename at the end could not replace it), or a file in the journal directory or under it, its links followed.
     * The rename would put the rows in place of a cycle file the engine appends to (its acknowledged records gone
     * with it), of the lock it holds (letting a second writer in) or of a snapshot, and a new {@code .cq4} file there
     * would stop every reader and engine start.
     *
     * @return {@code file}
     */
    private Path checkOutput(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new ParameterException(spec.commandLine(), "--output " + output + " is a directory; name a file");
        }
        Path parent = file.getParent();
        if (parent != null && Files.isDirectory(parent) && parent.toRealPath().startsWith(journal.dir.toRealPath())) {
            throw new ParameterException(spec.commandLine(), "--output " + output + " is inside journal directory "
                    + journal.dir + ", which holds the journal's own files: name a file outside it");
        }
        return file;
    }

    /**
     * Refuses, before anything is written (a CSV header on standard output, or {@code FILE.partial}), a {@code --from}
     * the journal does not hold: past its end, or before the first record of a pruned one.
     */
    private void requireFrom(JournalTarget target) {
        if (from == null) {
            return;
        }
        JournalTarget.Shard one = target.only();
        if (!one.hasCycles()) {
            Cli.requireNothingAcknowledged(one.dir());
            throw noSequence(from, one);
        }
        try (JournalReader reader = JournalReader.open(one.dir())) {
            if (!reader.seek(from)) {
                throw noSequence(from, one);
            }
        }
    }

    private void checkBounds() {
        if (from != null && from < 0) {
            throw new ParameterException(spec.commandLine(), "--from must be a sequence, at least 0, was " + from);
        }
        if (to != null && to < 0) {
            throw new ParameterException(spec.commandLine(), "--to must be a sequence, at least 0, was " + to);
        }
        if (from != null && to != null && to < from) {
            throw new ParameterException(spec.commandLine(), "--to " + to + " is before --from " + from);
        }
        if (since != null && until != null && until < since) {
            throw new ParameterException(spec.commandLine(), "--until " + Instant.ofEpochMilli(until)
                    + " is before --since " + Instant.ofEpochMilli(since));
        }
    }

    private void export(JournalTarget target, RowWriter rows) {
        if (target.shards().size() == 1) {
            exportOne(target.only(), rows);
        } else {
            MergedShards.read(target.shards(), true, MergedShards.checked(journal.dir), record -> {
                if (until != null && record.record().time() > until) {
                    return false;
                }
                return write(record.shard(), record.record(), rows);
            });
        }
        bar.onProgress(records, records);
    }

    /** One shard, read with every check of {@link JournalReader#read}: checksums, decoding, no sequence gap. */
    private void exportOne(JournalTarget.Shard one, RowWriter rows) {
        if (!one.hasCycles()) {
            Cli.requireNothingAcknowledged(one.dir());
            return;
        }
        long last = to != null ? to : Long.MAX_VALUE;
        try (JournalReader reader = JournalReader.open(one.dir())) {
            if (from != null && !reader.seek(from)) {
                throw noSequence(from, one);
            }
            reader.read((index, record) -> {
                if (record.sequence() > last || until != null && record.time() > until) {
                    return false;
                }
                return write(one.index(), record, rows) && record.sequence() < last;
            });
        }
    }

    /** Writes {@code record}'s rows; whether to go on: not once standard output is closed ({@code | head}). */
    private boolean write(int shardIndex, JournalRecord record, RowWriter rows) {
        if (since == null || record.time() >= since) {
            eventRows.rows(shardIndex, record, rows);
            events += record.events().size();
            exported++;
        } else {
            eventRows.remember(shardIndex, record); // not written, but the holds it makes are
        }
        if (++records % PROGRESS_EVERY == 0) {
            bar.onProgress(records, Math.max(records, total));
        }
        return records % CHECK_EVERY != 0 || !rows.closed();
    }

    /** How many records the export reads at most, for the progress bar. */
    private long countRecords(JournalTarget target) {
        long count = 0;
        for (JournalTarget.Shard one : target.shards()) {
            if (!one.hasCycles()) {
                continue;
            }
            try (JournalReader reader = JournalReader.open(one.dir())) {
                long[] first = {-1};
                reader.readRaw((index, bytes, offset, length) -> {
                    first[0] = JournalRecordCodec.sequenceOf(bytes, offset, length);
                    return false;
                });
                if (first[0] >= 0) {
                    long start = from != null ? Math.max(from, first[0]) : first[0];
                    long end = to != null ? Math.min(to, reader.lastSequence()) : reader.lastSequence();
                    count += Math.max(0, end - start + 1);
                }
            }
        }
        return count;
    }

    private IllegalArgumentException noSequence(long sequence, JournalTarget.Shard one) {
        return new IllegalArgumentException("the journal" + (shard.index != null ? " shard " + one.index() : "")
                + " holds no sequence " + sequence + "; see `purestock stats --journal " + journal.dir + "`");
    }
}
