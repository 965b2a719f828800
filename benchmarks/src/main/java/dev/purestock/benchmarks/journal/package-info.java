/** Fixtures for {@link dev.purestock.benchmarks.JournalBenchmark}: workloads, journals and states to measure. */
package dev.purestock.benchmarks.journal;
