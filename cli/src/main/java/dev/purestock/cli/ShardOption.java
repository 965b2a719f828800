package dev.purestock.cli;

import picocli.CommandLine.Option;

/** The {@code --shard N} option of the subcommands that take a journal: one shard of a sharded journal. */
final class ShardOption {
    @Option(names = "--shard", paramLabel = "N",
            description = "Only shard N of a sharded journal directory (default: every shard; a one-shard directory "
                    + "is shard 0).")
    Integer index;
}
