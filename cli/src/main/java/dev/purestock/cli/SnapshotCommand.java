package dev.purestock.cli;

import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.RecoveredState;
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

/** {@code purestock snapshot}: cuts a snapshot offline. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = "Cuts a snapshot of a journal that no engine is writing (it takes the directory's lock): "
                + "removes snapshots ahead of the journal, recovers the state (newest snapshot plus tail), writes it "
                + "as a snapshot at the last sequence and lists it in the manifest. A running "
                + "engine cuts its own snapshots through its ring (PurestockEngine.snapshot, snapshotEvery).")
final class SnapshotCommand implements Callable<Integer> {
    @Mixin
    JournalDirOption journal;

    @Mixin
    JsonOption output;

    @Option(names = "--keep", paramLabel = "N", defaultValue = "2",
            description = "Snapshots to keep afterwards (at least 1; default: ${DEFAULT-VALUE}).")
    int keep;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (keep < 1) {
            throw new ParameterException(spec.commandLine(), "--keep must be at least 1, was " + keep);
        }
        Cli.requireJournal(journal.dir);
        try (JournalLock lock = JournalLock.acquire(journal.dir)) {
            PrintWriter err = spec.commandLine().getErr();
            List<String> notes = new ArrayList<>(JournalRecovery.removeSnapshotsAheadOfJournal(journal.dir));
            RecoveredState recovered = JournalRecovery.recover(journal.dir, PrimitiveInventoryStore::new,
                    new ProgressBar(err, "replay"));
            notes.addAll(recovered.notes());
            notes.forEach(note -> err.println("note: " + note));
            if (recovered.nextSequence() == 0) {
                throw new IllegalStateException("the journal in " + journal.dir + " holds no command to snapshot");
            }
            SnapshotInfo info = new SnapshotStore(journal.dir, keep)
                    .writeSnapshot(recovered.nextSequence() - 1, recovered.lastTime(), recovered.store());
            new Summary()
                    .put("snapshot", info.file())
                    .put("last-sequence", info.lastSequence())
                    .put("bytes", info.bytes())
                    .print(spec.commandLine().getOut(), output.json);
            return 0;
        }
    }
}
