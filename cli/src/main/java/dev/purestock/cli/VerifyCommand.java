package dev.purestock.cli;

import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.journal.JournalVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** {@code purestock verify}: re-decides every journaled command and compares. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Re-decides every journaled command with the pure domain, from the empty state (or from the "
                + "newest snapshot when older cycles were pruned), compares with the journaled events and checks "
                + "every checksum and sequence. Exit 0 only if everything matches.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    JournalDirOption journal;

    @Mixin
    JsonOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        JournalVerifier.Result result = Cli.requireJournal(journal.dir)
                ? JournalVerifier.verify(journal.dir, PrimitiveInventoryStore::new,
                        new ProgressBar(spec.commandLine().getErr(), "verify"))
                : new JournalVerifier.Result(0, "empty", null);
        Summary summary = new Summary()
                .put("journal", journal.dir)
                .put("started-at", result.startedAt())
                .put("records-verified", result.records())
                .put("result", result.matches() ? "ok" : "diverged");
        if (!result.matches() && output.json) {
            summary.put("divergence", result.divergence());
        }
        summary.print(spec.commandLine().getOut(), output.json);
        if (!result.matches()) {
            spec.commandLine().getErr().println("purestock verify: " + result.divergence());
            return PurestockCli.FAILED;
        }
        return 0;
    }
}
