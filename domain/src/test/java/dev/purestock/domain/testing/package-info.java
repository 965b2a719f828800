/**
 * Test support for the inventory domain, published in the domain's test-jar so that other modules test
 * against the same vocabulary: {@link dev.purestock.domain.testing.Scenario} is a small given / when / then
 * language over {@link dev.purestock.domain.Inventory#decide} and {@link dev.purestock.domain.Inventory#evolve},
 * {@link dev.purestock.domain.testing.Recording} runs a sequence of timed commands against a store and keeps
 * every outcome, and {@link dev.purestock.domain.testing.InventoryGenerators} generates such sequences, adversarial
 * ones included, for property tests written with QuickTheories.
 */
package dev.purestock.domain.testing;
