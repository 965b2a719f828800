/**
 * Replication measured: the standby each replicated benchmark runs in a JVM of its own ({@link
 * dev.purestock.benchmarks.replication.StandbyProcess}), as it runs in production, and the catch-up harness
 * ({@link dev.purestock.benchmarks.replication.CatchUpHarness}). The throughput rows are {@code
 * ReplicationBenchmark}; the open-loop latency of a replicated engine is {@code LatencyHarness --replication}.
 */
package dev.purestock.benchmarks.replication;
