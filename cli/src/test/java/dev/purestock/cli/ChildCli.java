package dev.purestock.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of a child JVM running the purestock command, for tests that stop or kill one midway. */
final class ChildCli {
    private ChildCli() {
    }

    /**
     * {@code java}, this JVM's module flags and Chronicle settings (the child needs the same), a small heap, this class
     * path, and {@code arguments} for {@link PurestockCli}.
     */
    static List<String> command(String... arguments) {
        List<String> line = new ArrayList<>();
        line.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("--") || argument.startsWith("-Dchronicle")) {
                line.add(argument);
            }
        }
        line.addAll(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                PurestockCli.class.getName()));
        line.addAll(List.of(arguments));
        return line;
    }
}
