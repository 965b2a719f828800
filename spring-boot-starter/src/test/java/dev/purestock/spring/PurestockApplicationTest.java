package dev.purestock.spring;

import dev.purestock.domain.Command;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.OrderStatus;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ReadModel;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.SnapshotInfo;
import dev.purestock.journal.SnapshotStore;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A whole Spring Boot application, started as a service starts: the starter is found on the class path. */
@ExtendWith(OutputCaptureExtension.class)
class PurestockApplicationTest {
    @TempDir
    Path journal;

    /** An application that declares nothing of purestock's: everything comes from the starter. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Shop {
    }

    /** Starts the application with {@code properties}, and the expiry timer off: the test counts commands. */
    private ConfigurableApplicationContext start(String... properties) {
        return new SpringApplicationBuilder(Shop.class).properties("purestock.expire-reservations-every=0")
                .properties(properties).run();
    }

    @Test
    void anApplicationGetsTheEngineItsHealthAndItsMetricsFromTheStarterAlone() {
        try (ConfigurableApplicationContext context = start("purestock.journal.directory=" + journal)) {
            PurestockEngine engine = context.getBean(PurestockEngine.class);
            engine.submit(new Command.ListProduct(7, 2)).join();
            engine.submit(new Command.ReceiveStock(1, 7, 0, 5)).join();
            assertThat(engine.submit(new Command.Purchase(42, 9, 7, 0, 2)).join().accepted()).isTrue();

            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.get("purestock.commands.accepted").tag("shard", "0").functionCounter().count())
                    .isEqualTo(3);
            assertThat(meters.get("purestock.shard.running").tag("shard", "0").gauge().value()).isEqualTo(1);

            HealthContributorRegistry registry = context.getBean(HealthContributorRegistry.class);
            assertThat(registry.getContributor("purestock")).isInstanceOf(PurestockHealthIndicator.class);
            assertThat(((HealthIndicator) registry.getContributor("purestock")).health().getStatus())
                    .isEqualTo(Status.UP);
        }
        try (ConfigurableApplicationContext restarted = start("purestock.journal.directory=" + journal)) {
            ReadModel readModel = restarted.getBean(ReadModel.class);
            assertThat(readModel.available(7, 0)).isEqualTo(3);
            assertThat(readModel.orderStatus(42)).isEqualTo(OrderStatus.PURCHASED);
        }
    }

    @Test
    void withoutAJournalDirectoryTheApplicationFailsToStartSayingWhatToSet(CapturedOutput output) {
        assertThatThrownBy(this::start).hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class);
        assertThat(output).contains("APPLICATION FAILED TO START").contains("purestock.journal.directory")
                .contains("purestock needs a journal directory");
    }

    /** A value of purestock.enabled other than true or false stops the start, reported by the property's name. */
    @Test
    void anEnabledValueOtherThanTrueOrFalseFailsTheStartSayingWhatToSet(CapturedOutput output) {
        assertThatThrownBy(() -> start("purestock.journal.directory=" + journal, "purestock.enabled=yes"))
                .hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class);
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Invalid value 'yes' for configuration property 'purestock.enabled'")
                .contains("purestock.enabled takes true or false");
    }

    @Test
    void aSecondApplicationOnTheSameJournalIsRefusedWhileTheFirstRuns() {
        try (ConfigurableApplicationContext first = start("purestock.journal.directory=" + journal)) {
            assertThatThrownBy(() -> start("purestock.journal.directory=" + journal))
                    .rootCause().hasMessageContaining("in use by another purestock process");
            assertThat(first.getBean(PurestockEngine.class).failure()).isEmpty();
        }
    }

    /**
     * What recovery did at start reaches the application's log once, at WARN: the journaled engine logs each note it
     * hands back, and neither the starter nor the snapshot store logs it again.
     */
    @Test
    void eachNoteOfTheRecoveryAtStartIsLoggedOnce(CapturedOutput output) throws Exception {
        try (ConfigurableApplicationContext context = start("purestock.journal.directory=" + journal)) {
            context.getBean(PurestockEngine.class).submit(new Command.ListProduct(7, 2)).join();
        }
        SnapshotInfo ahead = new SnapshotStore(journal).writeSnapshot(100, 1, new MapInventoryStore());
        List<String> notes;
        try (ConfigurableApplicationContext restarted = start("purestock.journal.directory=" + journal)) {
            notes = restarted.getBean(JournaledEngine.class).recovered().notes();
        }
        assertThat(notes).anyMatch(note -> note.startsWith("moved " + ahead.file().getFileName() + " to "));
        for (String note : notes) {
            assertThat(output.getAll().lines().filter(line -> line.contains(note)))
                    .as("the log lines naming %s in%n%s", note, output.getAll())
                    .singleElement().asString().contains("WARN");
        }
    }
}
