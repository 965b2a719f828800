package dev.purestock.benchmarks.latency;

import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/**
 * The machine's own hiccups, with nothing of purestock running: one thread parks for {@code --park-us} again
 * and again and records how much later than asked it woke. What a parked stage thread pays to wake on this
 * machine (the timer slack, the scheduler, a virtual machine's host), and the floor under any latency the
 * engine can show here: a tail of the engine's latency near these figures is the machine's, not the engine's.
 */
@CommandLine.Command(name = "machine-hiccups", mixinStandardHelpOptions = true,
        description = "How late a parked thread wakes on this machine, with nothing else running.")
public final class MachineHiccups implements Callable<Integer> {
    @Option(names = "--seconds", defaultValue = "10", description = "How long to measure (default: ${DEFAULT-VALUE}).")
    private double seconds;

    @Option(names = "--park-us", defaultValue = "20", description = "How long each park asks for, in µs (default: ${DEFAULT-VALUE}).")
    private long parkMicros;

    /** Runs the measurement from the command line. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new MachineHiccups()).execute(args));
    }

    @Override
    public Integer call() {
        Histogram late = new Histogram(60_000_000_000L, 3);
        long park = parkMicros * 1_000;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            long before = System.nanoTime();
            LockSupport.parkNanos(park);
            late.recordValue(Math.max(0, System.nanoTime() - before - park));
        }
        System.out.printf(Locale.ROOT, "parks=%d asked=%d µs; woke late by p50=%.0f µs p90=%.0f µs p99=%.0f µs "
                        + "p99.9=%.0f µs max=%.0f µs%n", late.getTotalCount(), parkMicros,
                late.getValueAtPercentile(50) / 1e3, late.getValueAtPercentile(90) / 1e3,
                late.getValueAtPercentile(99) / 1e3, late.getValueAtPercentile(99.9) / 1e3, late.getMaxValue() / 1e3);
        return 0;
    }
}
