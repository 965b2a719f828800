package dev.purestock.cli;

import picocli.CommandLine.Option;

/** The {@code --json} option of every subcommand that prints a summary. */
final class JsonOption {
    @Option(names = "--json", description = "Print the summary as one JSON object on one line.")
    boolean json;
}
