/**
 * The snapshot-stall harness: how long the decision stage stops while a snapshot of a large state is cut.
 */
package dev.purestock.benchmarks.snapshot;
