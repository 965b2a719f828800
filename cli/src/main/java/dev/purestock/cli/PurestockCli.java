package dev.purestock.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * The {@code purestock} command. Exit codes: {@code 0} success, {@code 1} the operation failed (a missing
 * directory, a corrupt journal, a divergence found by verify, standard output that could not be written), {@code 2}
 * bad arguments (an unknown subcommand or option, a value out of range). Failures are one line on standard error,
 * on a line of its own even after a progress bar, never a stack trace.
 */
@Command(name = "purestock", mixinStandardHelpOptions = true, versionProvider = PurestockCli.Version.class,
        description = "Sells scarce stock without overselling; runs a demo and inspects journals.",
        subcommands = {DemoCommand.class, ReplayCommand.class, DumpCommand.class, VerifyCommand.class,
                SnapshotCommand.class, StatsCommand.class, PruneCommand.class, RepairCommand.class,
                QueryCommand.class, ExportCommand.class,
                SubmitCommand.class, StandbyCommand.class,
                PromoteCommand.class, TruncateCommand.class, StatusCommand.class,
                CommandLine.HelpCommand.class})
public final class PurestockCli implements Callable<Integer> {
    /** Exit code of a failed operation. */
    public static final int FAILED = 1;
    /** Exit code of bad arguments. */
    public static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    /** Standard input, as the subcommands that read it ({@code submit -}) see it. */
    final InputStream in;

    private PurestockCli(InputStream in) {
        this.in = in;
    }

    /** {@code purestock} with no subcommand: a usage error. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "name a subcommand; run `purestock --help`");
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(System.in, new StandardOutput(new FileOutputStream(FileDescriptor.out)), err, args));
    }

    /** Runs the command line with the given streams; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter errors, String... args) {
        return run(System.in, out, errors, args);
    }

    /** Runs the command line with the given streams, standard input included; returns the exit code. */
    static int run(InputStream in, PrintWriter out, PrintWriter errors, String... args) {
        return run(in, out, () -> null, errors, args);
    }

    /**
     * Runs the command line with {@code stdout} as standard output; returns the exit code. Output that could not be
     * written fails a run that would have succeeded (exit 1, one line naming why), as what it printed is
     * incomplete; a reader that has gone ({@code | head}) only stops it.
     */
    static int run(InputStream in, StandardOutput stdout, PrintWriter errors, String... args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), true);
        return run(in, out, stdout::lost, errors, args);
    }

    private static int run(InputStream in, PrintWriter out, Supplier<IOException> lost, PrintWriter errors,
                           String... args) {
        PrintWriter err = new PrintWriter(new StatusLineWriter(errors), true);
        CommandLine cli = new CommandLine(new PurestockCli(in));
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, arguments) -> {
            CommandLine failed = e.getCommandLine();
            if (failed.getParent() != null) {
                err.println("purestock " + failed.getCommandName() + ": " + e.getMessage()
                        + " (see `purestock " + failed.getCommandName() + " --help`)");
            } else if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()
                    && !unmatched.getUnmatched().getFirst().startsWith("-")) {
                err.println("purestock: unknown subcommand '" + unmatched.getUnmatched().getFirst()
                        + "'; run `purestock --help`");
            } else {
                err.println("purestock: " + e.getMessage());
            }
            err.flush();
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, failed, parsed) -> {
            err.println("purestock " + failed.getCommandName() + ": " + oneLine(e));
            err.flush();
            return FAILED;
        });
        int code = cli.execute(args);
        out.flush();
        IOException failure = lost.get();
        if (code == 0 && failure != null) {
            CommandLine.ParseResult parsed = cli.getParseResult();
            while (parsed.hasSubcommand()) {
                parsed = parsed.subcommand();
            }
            err.println("purestock" + (parsed.commandSpec().parent() == null ? "" : " " + parsed.commandSpec().name())
                    + ": cannot write standard output (" + oneLine(failure) + "): what it printed is incomplete");
            code = FAILED;
        }
        err.flush();
        return code;
    }

    static String oneLine(Throwable e) {
        if ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            return oneLine(e.getCause()); // a future's wrapper: its message is the cause's class and message
        }
        String message = e instanceof FileSystemException fileSystem ? fileProblem(fileSystem) : e.getMessage();
        if (e instanceof UncheckedIOException unchecked && unchecked.getCause() instanceof FileSystemException cause
                && (message == null || message.equals(cause.toString()))) {
            message = fileProblem(cause);
        }
        if (message == null || message.isBlank()) {
            message = e.getClass().getSimpleName() + (e.getCause() != null ? ": " + oneLine(e.getCause()) : "");
        }
        return message.replace('\n', ' ');
    }

    /**
     * What went wrong with a file: the JDK's message for these is the bare path ({@code NoSuchFileException}),
     * or the path and the operating system's reason, so the kind is named here.
     */
    private static String fileProblem(FileSystemException e) {
        String what = switch (e) {
            case NoSuchFileException missing -> "no such file or directory";
            case AccessDeniedException denied -> "permission denied";
            case FileAlreadyExistsException exists -> "already exists";
            case NotDirectoryException notDirectory -> "not a directory";
            case DirectoryNotEmptyException notEmpty -> "directory not empty";
            default -> e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
        };
        return (e.getFile() != null ? e.getFile() + ": " : "") + what
                + (e.getOtherFile() != null ? " (with " + e.getOtherFile() + ")" : "");
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = PurestockCli.class.getPackage().getImplementationVersion();
            return new String[]{"purestock " + (version != null ? version : "development build")};
        }
    }
}
