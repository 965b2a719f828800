package dev.purestock.spring;

import dev.purestock.engine.ProducerMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Values refused at startup: a shard count past the engine's bound names its property, and a customizer's setting
 * the engine refuses stops the application before the journal directory is created.
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
}
