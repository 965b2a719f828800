package dev.purestock.cli;

import dev.purestock.domain.StateDigest;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.RecoveredState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** {@code purestock replay}: rebuilds the state as a restart would and prints its digest. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Rebuilds the state from the newest good snapshot and the journal tail, as a restart does, "
                + "and prints the replay rate and the state-hash (equal to the live run's).")
final class ReplayCommand implements Callable<Integer> {
    @Mixin
    JournalDirOption journal;

    @Option(names = "--full", description = "Ignore snapshots and replay the whole journal.")
    boolean full;

    @Mixin
    JsonOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        boolean anyCycle = Cli.requireJournal(journal.dir);
        long start = System.nanoTime();
        // a journal with no cycle file yet recovers, with or without snapshots, to the empty state
        RecoveredState recovered = full && anyCycle
                ? JournalRecovery.recoverWithoutSnapshots(journal.dir, PrimitiveInventoryStore::new,
                        new ProgressBar(spec.commandLine().getErr(), "replay"))
                : JournalRecovery.recover(journal.dir, PrimitiveInventoryStore::new,
                        new ProgressBar(spec.commandLine().getErr(), "replay"));
        long nanos = Math.max(1, System.nanoTime() - start);
        recovered.notes().forEach(note -> spec.commandLine().getErr().println("note: " + note));
        new Summary()
                .put("journal", journal.dir)
                .put("recovered-from", recovered.recoveredFrom())
                .put("records", recovered.replayedRecords())
                .put("events", recovered.replayedEvents())
                .put("elapsed-ms", nanos / 1_000_000)
                .put("records-per-second", recovered.replayedRecords() * 1_000_000_000L / nanos)
                .put("events-per-second", recovered.replayedEvents() * 1_000_000_000L / nanos)
                .put("next-sequence", recovered.nextSequence())
                .put("state-hash", StateDigest.format(StateDigest.of(recovered.store())))
                .print(spec.commandLine().getOut(), output.json);
        return 0;
    }
}
