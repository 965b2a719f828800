/**
 * The open-loop latency harness: offers commands to a journaled engine at fixed rates, measures each
 * command from the moment it was <em>scheduled</em> to be sent (so a stalled engine cannot hide its stall by
 * slowing the sender: coordinated omission is corrected), and records the latencies in HdrHistogram.
 */
package dev.purestock.benchmarks.latency;
