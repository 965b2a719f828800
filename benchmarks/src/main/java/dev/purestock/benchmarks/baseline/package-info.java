/**
 * The naive alternatives the engine is measured against: what a team would write without a ring.
 */
package dev.purestock.benchmarks.baseline;
