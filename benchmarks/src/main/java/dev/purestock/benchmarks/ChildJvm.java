package dev.purestock.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The start of a command line that runs another JVM as this one runs: its java, and the flags Chronicle needs. */
public final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * This JVM's {@code java} and the flags it was started with that the child needs too (module openings and
     * exports, native access, {@code sun.misc.Unsafe}'s memory access, Chronicle's settings), in a list the caller adds
     * to.
     */
    public static List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(arg -> arg.startsWith("--add-") || arg.startsWith("--enable-native-access")
                        || arg.startsWith("--sun-misc-unsafe") || arg.startsWith("-Dchronicle"))
                .forEach(command::add);
        return command;
    }
}
