package dev.purestock.cli;

import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalException;
import dev.purestock.journal.JournalLayout;
import dev.purestock.replication.ReplicationStatus;
import dev.purestock.replication.Standby;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code purestock standby}: runs a hot standby of a primary, journaling to a directory of its own. */
@Command(name = "standby", mixinStandardHelpOptions = true,
        description = "Runs a hot standby: says hello to the primary at --primary with the last sequence of the "
                + "journal in --journal (empty, or an older copy of the primary's), catches up from the primary's "
                + "journal, then follows it live, appending the primary's records byte for byte to its own journal and "
                + "applying them. Prints its status (role, last sequence, the primary's, the lag in records and "
                + "microseconds) every --status-every seconds, and runs until interrupted (or until --until-sequence). "
                + "It never decides; promoting it is a separate, manual step.")
final class StandbyCommand implements Callable<Integer> {
    @Mixin
    JournalDirOption journal;

    @Option(names = "--primary", paramLabel = "HOST:PORT", required = true,
            description = "Where the primary listens (Primary.Builder.listen; default port 40400 there).")
    String primary;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Where to receive records: an address the primary can reach (default: this machine's "
                    + "address on the route to the primary, and a free port).")
    String listen;

    @Option(names = "--sync", description = "Sync the journal at the end of every batch received, before "
            + "acknowledging it (survives power loss; default: page cache, survives a process crash).")
    boolean sync;

    @Option(names = "--snapshot-every", paramLabel = "N", defaultValue = "100000",
            description = "Cut a snapshot of the standby's state every N records, on a thread of its own, so that "
                    + "once promoted it replays only the journal after the newest; 0 for none (default: "
                    + "${DEFAULT-VALUE}).")
    long snapshotEvery;

    @Option(names = "--keep-snapshots", paramLabel = "N", defaultValue = "2",
            description = "Snapshots kept after each new one (default: ${DEFAULT-VALUE}).")
    int keepSnapshots;

    @Option(names = "--status-every", paramLabel = "SECONDS", defaultValue = "5",
            description = "Print the status this often (default: ${DEFAULT-VALUE}; 0: only at start and end).")
    int statusEvery;

    @Option(names = "--until-sequence", paramLabel = "SEQ",
            description = "Stop (exit 0) once the journal holds this sequence and a primary has confirmed that its "
                    + "history holds it (it sent the record, or checked the journal's last record on the standby's "
                    + "hello), instead of running until interrupted.")
    Long untilSequence;

    @Option(names = "--aeron-dir", paramLabel = "DIR",
            description = "Use the Aeron media driver running in DIR instead of an embedded one.")
    java.nio.file.Path aeronDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (statusEvery < 0) {
            throw new ParameterException(spec.commandLine(), "--status-every must be 0 or more, was " + statusEvery);
        }
        // checked here, in the words of the options, as demo and prune do: the builder names its own methods
        if (snapshotEvery < 0) {
            throw new ParameterException(spec.commandLine(), "--snapshot-every must be at least 0 (0: none), was "
                    + snapshotEvery);
        }
        if (keepSnapshots < 1) {
            throw new ParameterException(spec.commandLine(), "--keep-snapshots must be at least 1, was "
                    + keepSnapshots);
        }
        if (untilSequence != null && untilSequence < 0) {
            throw new ParameterException(spec.commandLine(), "--until-sequence must be a sequence, at least 0, was "
                    + untilSequence);
        }
        // judged as every writing subcommand judges it: a file or a directory of other files is no place to start
        Cli.requireJournalOrNew(journal.dir);
        if (Cli.layout(journal.dir).isSharded()) {
            throw new JournalException("journal directory " + journal.dir + " holds " + Cli.layout(journal.dir)
                    .shards() + " shards (" + JournalLayout.SHARDS_FILE + "); a standby keeps the one-shard journal "
                    + "of a one-shard primary: give it a directory of its own");
        }
        Standby.Builder builder;
        try {
            builder = Standby.builder(journal.dir).primary(primary)
                    .durability(sync ? Durability.SYNC_PER_BATCH : Durability.PAGE_CACHE)
                    .snapshotEvery(snapshotEvery).keepSnapshots(keepSnapshots);
            if (listen != null) {
                builder.listen(listen);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (aeronDir != null) {
            builder.externalDriver(aeronDir);
        }
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "purestock-standby-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Standby standby = builder.start()) {
            out.println("standby of " + primary + " on " + journal.dir + ", receiving on " + standby.endpoint());
            out.println(standby.status().describe());
            long every = TimeUnit.SECONDS.toNanos(statusEvery);
            long nextStatus = System.nanoTime() + every;
            while (true) {
                ReplicationStatus status = standby.status();
                if (status.failure() != null) {
                    throw new IllegalStateException("the standby stopped at seq " + status.lastSequence() + ": "
                            + status.failure());
                }
                if (untilSequence != null && standby.awaitSequence(untilSequence, Duration.ofMillis(100))) {
                    break;
                }
                if (statusEvery > 0 && System.nanoTime() - nextStatus >= 0) {
                    out.println(status.describe());
                    nextStatus += every;
                }
                if (stop.await(untilSequence == null ? 100 : 0, TimeUnit.MILLISECONDS)) {
                    break;
                }
            }
            out.println(standby.status().describe());
            return 0;
        } finally {
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs now, and waits for the close above
            }
        }
    }
}
