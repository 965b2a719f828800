package dev.purestock.spring;

import dev.purestock.engine.ProducerMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.validation.BeanPropertyBindingResult;
import org.springframework.validation.Errors;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Values refused at startup: a shard count past the engine's bound names its property, and a customizer's setting
 * the engine refuses stops the application before the journal directory is created, and rings or state sized past
 * what the heap can hold are refused by name instead of running out of memory as the engine allocates them.
 */
class RefusedSettingsTest {
    @TempDir
    Path journal;

    @Test
    void tooManyShardsIsReportedWithThePropertysName() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class))
                .withPropertyValues("purestock.journal.directory=" + journal.resolve("j"),
                        "purestock.expire-reservations-every=0", "purestock.shards=70000")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                            .hasMessageContaining("purestock.shards");
                });
    }

    @Test
    void aCustomizerValueTheEngineRefusesStopsStartupBeforeTheJournalIsTouched() {
        Path untouched = journal.resolve("never-created");
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class))
                .withPropertyValues("purestock.journal.directory=" + untouched, "purestock.shards=2")
                .withBean(PurestockEngineCustomizer.class, () -> builder -> builder.producerMode(ProducerMode.SINGLE))
                .run(context -> assertThat(context).hasFailed());
        assertThat(untouched).doesNotExist();
    }

    @Test
    void aRingTooLargeForTheHeapIsRefusedByNameBeforeTheJournalIsTouched() {
        Path untouched = journal.resolve("never-created");
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class))
                .withPropertyValues("purestock.journal.directory=" + untouched, "purestock.expire-reservations-every=0",
                        "purestock.ring-size=1073741824")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().isNotInstanceOf(OutOfMemoryError.class)
                            .hasMessageContaining("purestock.ring-size").hasMessageContaining("maximum heap");
                });
        assertThat(untouched).doesNotExist();
    }

    @Test
    void aStoreCapacityTooLargeForTheHeapIsRefusedByName() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class))
                .withPropertyValues("purestock.journal.directory=" + journal.resolve("j"),
                        "purestock.expire-reservations-every=0", "purestock.store-capacity.orders=2000000000")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().isNotInstanceOf(OutOfMemoryError.class)
                            .hasMessageContaining("purestock.store-capacity.orders").hasMessageContaining("maximum heap");
                });
    }

    @Test
    void settingsThatFitOneShardButNotTheirShardCountAreRefusedAsTheShardCount() {
        PurestockProperties properties = new PurestockProperties();
        properties.getStoreCapacity().setPositions(1 << 20);
        long heap = 512L << 20;
        assertThat(errors(properties, heap).hasErrors()).as("one shard of a million positions fits 512 MiB").isFalse();

        properties.setShards(8);
        Errors errors = errors(properties, heap);

        assertThat(errors.getFieldError("shards")).isNotNull();
        assertThat(errors.getFieldError("shards").getDefaultMessage()).contains("8 shards").contains("512 MiB")
                .contains("purestock.store-capacity.positions");
    }

    @Test
    void theDefaultsFitASmallHeap() {
        assertThat(errors(new PurestockProperties(), 64L << 20).hasErrors()).isFalse();
    }

    private static Errors errors(PurestockProperties properties, long maxHeap) {
        Errors errors = new BeanPropertyBindingResult(properties, "purestock");
        properties.validate(properties, errors, maxHeap);
        return errors;
    }
}
