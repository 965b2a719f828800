package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalException;
import dev.purestock.journal.JournalLayout;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.RecordFormat;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code purestock submit}: sequences a file of commands, JSON Lines as {@link CommandJson} reads them, through a
 * journaled engine, and prints one outcome per line in input order.
 *
 * <p>Lines are read, parsed and submitted one at a time, with at most {@link #WINDOW} outcomes awaited at once,
 * so a file of any length (or standard input) streams through in constant memory. A line that cannot be read
 * stops the run: the lines before it are submitted and their outcomes printed, none after it is, and the exit
 * code is 1; with {@code --keep-going} the line is reported on standard error and skipped.
 */
@picocli.CommandLine.Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Sequences a file of commands (JSON Lines: one command per line, or a `dump --json` record "
                + "line, whose command is taken; `-` reads standard input) through a journaled engine on --journal, "
                + "and prints one outcome per line, in input order, as `dump --json` prints a record (without "
                + "index, version and epoch). Rejections are outcomes: the exit code is 0 when every line was "
                + "submitted.",
                "A line that is not a command stops the run with an error naming the line: the lines before it "
                        + "are submitted, none after it (--keep-going: report it and go on). Commands are stamped "
                        + "with the wall clock (--time: a fixed time); the engine sends no time command of its own."})
final class SubmitCommand implements Callable<Integer> {
    /** The most outcomes awaited at once: the engine's default ring size. */
    static final int WINDOW = 1024;
    private static final int MAX_SHARDS = 64;

    @Mixin
    JournalDirOption journal;

    @Parameters(index = "0", paramLabel = "FILE",
            description = "The commands, JSON Lines; `-` for standard input.")
    String file;

    @Option(names = "--keep-going",
            description = "Report a line that is not a command on standard error, with its number, and go on with "
                    + "the next (the exit code is then 1).")
    boolean keepGoing;

    @Option(names = "--shards", paramLabel = "N",
            description = "Shards of a new journal directory (default: 1); an existing one keeps its own count, and "
                    + "another count is refused.")
    Integer shards;

    @Option(names = "--time", paramLabel = "MILLIS",
            description = "Stamp every command with this time (epoch milliseconds, at least 0) instead of the wall "
                    + "clock, never earlier than the journal's last: the same input on a new directory gives the "
                    + "same state.")
    Long time;

    @Option(names = "--json", description = "Accepted as every subcommand accepts it: submit always prints JSON "
            + "Lines.")
    boolean json;

    @Option(names = "--durability", paramLabel = "MODE", defaultValue = "PAGE_CACHE",
            description = "PAGE_CACHE or SYNC_PER_BATCH (default: ${DEFAULT-VALUE}).")
    Durability durability;

    @ParentCommand
    PurestockCli parent;

    @Spec
    CommandSpec spec;

    private long skipped;

    @Override
    public Integer call() throws Exception {
        if (time != null && time < 0) {
            throw new ParameterException(spec.commandLine(), "--time must be epoch milliseconds, at least 0, was "
                    + time);
        }
        if (shards != null && (shards < 1 || shards > MAX_SHARDS)) {
            throw new ParameterException(spec.commandLine(), "--shards must be between 1 and " + MAX_SHARDS
                    + ", was " + shards);
        }
        Path input = file.equals("-") ? null : Path.of(file);
        if (input != null && !Files.isRegularFile(input)) {
            throw new IllegalArgumentException("cannot read " + file + ": " + (Files.exists(input)
                    ? "not a file" : "no such file"));
        }
        Cli.requireJournalOrNew(journal.dir);
        int shardCount = shardCount();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Long fixed = time;
        try (Utf8Lines lines = open(input);
             JournaledEngine journaled = JournaledEngine.builder(journal.dir)
                     .shards(shardCount)
                     .durability(durability)
                     .logRecoveryNotes(false) // printed below, as note: lines
                     .engine(builder -> {
                         builder.expireReservationsEvery(Duration.ZERO);
                         if (fixed != null) {
                             builder.clock(() -> fixed);
                         }
                     })
                     .progress(new ProgressBar(err, "recover"))
                     .start()) {
            for (int shard = 0; shard < shardCount; shard++) {
                String prefix = shardCount > 1 ? "shard " + shard + ": " : "";
                journaled.recovered(shard).notes().forEach(note -> err.println("note: " + prefix + note));
            }
            submitAll(lines, journaled.engine(), shardCount > 1, out, err);
        }
        if (skipped > 0) {
            err.println("purestock submit: " + skipped + " line(s) skipped (not commands); the others were submitted");
            return PurestockCli.FAILED;
        }
        return 0;
    }

    /**
     * Reads, submits and answers the lines in order, keeping at most {@link #WINDOW} outcomes in flight.
     *
     * @throws IllegalArgumentException at the first line that is not a command, without {@code --keep-going},
     *                                  once the outcomes of the lines before it are printed
     */
    private void submitAll(Utf8Lines lines, PurestockEngine engine, boolean sharded, PrintWriter out,
                           PrintWriter err) throws IOException {
        ArrayDeque<Submitted> inFlight = new ArrayDeque<>(WINDOW);
        long number = 0;
        while (true) {
            String line;
            try {
                line = lines.next();
            } catch (CharacterCodingException e) {
                badLine(++number, "not valid UTF-8 text", e, inFlight, sharded, out, err);
                continue;
            } catch (Utf8Lines.TooLong e) {
                badLine(++number, e.getMessage(), e, inFlight, sharded, out, err);
                continue;
            }
            if (line == null) {
                break;
            }
            number++;
            if (number == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (line.isBlank()) {
                continue;
            }
            Command command;
            try {
                command = CommandJson.parse(line);
            } catch (IllegalArgumentException e) {
                badLine(number, e.getMessage(), e, inFlight, sharded, out, err);
                continue;
            }
            inFlight.addLast(new Submitted(command, engine.submit(command)));
            drain(inFlight, WINDOW, sharded, out);
        }
        drain(inFlight, 0, sharded, out);
    }

    /**
     * A line that is not a command: the outcomes of the lines before it are printed first; then, without
     * {@code --keep-going}, the run stops, and with it the line is reported and skipped.
     *
     * @throws IllegalArgumentException without {@code --keep-going}
     */
    private void badLine(long number, String why, Exception cause, ArrayDeque<Submitted> inFlight, boolean sharded,
                         PrintWriter out, PrintWriter err) {
        String message = "line " + number + ": " + why;
        drain(inFlight, 0, sharded, out);
        if (!keepGoing) {
            throw new IllegalArgumentException(message + "; the lines before it were submitted, none after it "
                    + "(--keep-going skips such lines)", cause);
        }
        err.println("purestock submit: " + message + " (skipped)");
        err.flush();
        skipped++;
    }

    /** Prints the oldest outcomes, in order, until at most {@code keep} are awaited. */
    private static void drain(ArrayDeque<Submitted> inFlight, int keep, boolean sharded, PrintWriter out) {
        while (inFlight.size() > keep) {
            Submitted oldest = inFlight.removeFirst();
            Outcome outcome;
            try {
                outcome = oldest.outcome().join();
            } catch (CompletionException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new JournalException("the engine did not answer: " + cause.getMessage(), cause);
            }
            out.println(line(outcome, oldest.command(), sharded));
        }
        out.flush();
    }

    /** One outcome as {@code dump --json} prints a record, without {@code index} and {@code version}. */
    static String line(Outcome outcome, Command command, boolean sharded) {
        StringBuilder line = new StringBuilder(256).append('{');
        if (sharded) {
            line.append("\"shard\":").append(outcome.shard()).append(',');
        }
        return line.append("\"seq\":").append(outcome.sequence())
                .append(",\"time\":").append(outcome.time())
                .append(",\"command\":").append(CommandJson.write(command))
                .append(",\"events\":").append(RecordFormat.json(outcome.events()))
                .append('}').toString();
    }

    private Utf8Lines open(Path input) throws IOException {
        return new Utf8Lines(input == null ? (parent != null ? parent.in : System.in) : Files.newInputStream(input));
    }

    /**
     * The directory's recorded shard count ({@link JournalLayout#shards()}), or {@code --shards} for a new one.
     *
     * @throws JournalException when {@code --shards} names another count than the directory's
     */
    private int shardCount() {
        JournalLayout layout = JournalLayout.of(journal.dir);
        boolean existing = layout.isSharded() || Cli.inspect(journal.dir).isJournal();
        if (!existing) {
            return shards != null ? shards : 1;
        }
        if (shards != null && shards != layout.shards()) {
            throw new JournalException("journal directory " + journal.dir + " holds " + (layout.isSharded()
                    ? layout.shards() + " shards (" + JournalLayout.SHARDS_FILE + ")" : "a one-shard journal")
                    + "; --shards " + shards + " was given: resharding is not supported; leave --shards out, or "
                    + "give a new directory");
        }
        return layout.shards();
    }

    /** A submitted line's command and its outcome to come. */
    private record Submitted(Command command, CompletableFuture<Outcome> outcome) {
    }
}
