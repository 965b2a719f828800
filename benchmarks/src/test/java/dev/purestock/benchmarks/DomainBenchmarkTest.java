package dev.purestock.benchmarks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code DomainBenchmark}: an iteration that ran out of generated traffic is not counted. */
class DomainBenchmarkTest {
    @Test
    void anIterationThatAppliesMoreCommandsThanWereGeneratedFailsInsteadOfCountingRepeats() {
        DomainBenchmark benchmark = smallBenchmark();
        for (int i = 0; i < 1_500; i++) {
            benchmark.decideAndEvolve();
        }

        IllegalStateException failed = assertThrows(IllegalStateException.class, benchmark::reportMix);

        assertTrue(failed.getMessage().contains("-p commands"), failed.getMessage());
    }

    @Test
    void anIterationWithinTheGeneratedTrafficAndOneThatOnlyDecidesPass() {
        DomainBenchmark benchmark = smallBenchmark();
        for (int i = 0; i < 1_000; i++) {
            benchmark.decideAndEvolve();
        }
        benchmark.reportMix();

        benchmark.stockStore();
        for (int i = 0; i < 1_500; i++) {
            benchmark.decideOnly(); // decides against the stocked store, applies nothing: a repeat costs the same
        }
        benchmark.reportMix();
    }

    private static DomainBenchmark smallBenchmark() {
        DomainBenchmark benchmark = new DomainBenchmark();
        benchmark.storeKind = "primitive";
        benchmark.skus = 1_000;
        benchmark.orderIds = "counter";
        benchmark.unlimitedSkus = "counted";
        benchmark.commands = 1_000;
        benchmark.generateTraffic();
        benchmark.stockStore();
        return benchmark;
    }
}
