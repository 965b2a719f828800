/**
 * The snapshot stall harness: fills a journaled engine with a million skus, keeps offering purchases at a
 * fixed rate while snapshots are cut, and measures how long the decision stage and the answers stop meanwhile.
 */
package dev.purestock.benchmarks.snapshot;
