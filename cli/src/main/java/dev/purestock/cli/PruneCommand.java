package dev.purestock.cli;

import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalPruner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** {@code purestock prune}: deletes snapshots and journal cycles recovery no longer needs. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Removes snapshots ahead of the journal, keeps the newest snapshots and deletes older ones, "
                + "then deletes every journal cycle file whose records the oldest kept usable snapshot covers (never "
                + "the current cycle; nothing without a usable snapshot). Takes the directory's lock: it refuses to "
                + "run while an engine writes to the directory.")
final class PruneCommand implements Callable<Integer> {
    @Mixin
    JournalDirOption journal;

    @Mixin
    JsonOption output;

    @Option(names = "--keep-snapshots", paramLabel = "N", defaultValue = "2",
            description = "Snapshots to keep (at least 1; default: ${DEFAULT-VALUE}).")
    int keep;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (keep < 1) {
            throw new ParameterException(spec.commandLine(), "--keep-snapshots must be at least 1, was " + keep);
        }
        if (!Cli.requireJournal(journal.dir)) {
            new Summary().put("snapshots-kept", 0).put("cycles-deleted", 0).put("first-sequence", -1)
                    .print(spec.commandLine().getOut(), output.json);
            return 0;
        }
        try (JournalLock lock = JournalLock.acquire(journal.dir)) {
            JournalPruner.Result result = JournalPruner.prune(journal.dir, keep);
            result.notes().forEach(note -> spec.commandLine().getErr().println("note: " + note));
            new Summary()
                    .put("snapshots-kept", result.snapshotsKept().size())
                    .put("cycles-deleted", result.cyclesDeleted().size())
                    .put("first-sequence", result.firstSequence())
                    .print(spec.commandLine().getOut(), output.json);
            return 0;
        }
    }
}
