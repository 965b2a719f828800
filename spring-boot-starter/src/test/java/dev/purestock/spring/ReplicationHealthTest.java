package dev.purestock.spring;

import dev.purestock.engine.PurestockEngine;
import dev.purestock.replication.Primary;
import dev.purestock.replication.ReplicationMode;
import dev.purestock.replication.ReplicationRole;
import dev.purestock.replication.ReplicationStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@link Primary} the application runs beside the starter's engine shows in the {@code purestock} health: where its
 * standby stands under {@code replication}, and {@code DOWN} once it is fenced, even while its engine has not taken
 * the command that would stop it; a standby away or refused is shown while the engine answers.
 */
class ReplicationHealthTest {
    @TempDir
    Path journal;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class,
                        PurestockHealthAutoConfiguration.class))
                .withPropertyValues("purestock.journal.directory=" + journal, "purestock.expire-reservations-every=0");
    }

    @Test
    void aPrimaryWithoutAStandbyShowsItDisconnectedWhileTheEngineTakesCommands() {
        runner().withUserConfiguration(PrimaryConfiguration.class).run(context -> {
            assertThat(context).hasNotFailed();
            Health health = context.getBean(PurestockHealthIndicator.class).health();

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(replication(health)).containsEntry("role", "primary").containsEntry("mode", "async")
                    .containsEntry("connected", false).containsEntry("acknowledged", -1L)
                    .containsEntry("degraded", false).doesNotContainKey("failure");
        });
    }

    /**
     * A primary the engine was never configured with (the customizer forgotten) replicates nothing the engine decides:
     * a {@code SYNC} primary's callers are answered without waiting for any standby. Its status alone showed no failure
     * and no lag (it is handed nothing); the details now say it replicates nothing.
     */
    @Test
    void aPrimaryTheEngineDoesNotReplicateToSaysSoWhileTheEngineAnswers() {
        runner().withUserConfiguration(PrimaryOnly.class).run(context -> {
            assertThat(context).hasNotFailed();
            Health health = context.getBean(PurestockHealthIndicator.class).health();

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat((String) replication(health).get("failure")).contains("replicates nothing")
                    .contains("primary::configure");
        });
    }

    @Test
    void withoutReplicationOnTheClassPathTheHealthHasNoReplicationDetails() {
        runner().withClassLoader(new FilteredClassLoader(Primary.class)).run(context -> {
            Health health = context.getBean(PurestockHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsOnlyKeys("shards");
        });
    }

    @Test
    void aFencedPrimaryIsDownWhileItsEngineStillRuns() {
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build()) {
            String fenced = "the standby's journal holds records of epoch 2, newer than this primary's 1";
            ReplicationStatus status = status(fenced);
            PurestockHealthIndicator indicator = new PurestockHealthIndicator(engine,
                    new PrimaryHealth(() -> status, () -> fenced));

            Health health = indicator.health();

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat((String) health.getDetails().get("failure")).contains("fenced").contains(fenced);
            assertThat(replication(health)).containsEntry("failure", fenced).containsEntry("lastSequence", 41L)
                    .containsEntry("acknowledged", 40L).containsEntry("lagRecords", 1L);
            assertThat(shardStatus(health)).isEqualTo("running");
        }
    }

    @Test
    void aRefusedStandbyIsShownWhileTheEngineStillAnswers() {
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build()) {
            String refused = "the standby's journal ends at seq 50, past this primary's last seq 41";
            ReplicationStatus status = status(refused);
            PurestockHealthIndicator indicator = new PurestockHealthIndicator(engine,
                    new PrimaryHealth(() -> status, () -> null));

            Health health = indicator.health();

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).doesNotContainKey("failure");
            assertThat(replication(health)).containsEntry("failure", refused).containsEntry("connected", false);
        }
    }

    private static ReplicationStatus status(String failure) {
        return new ReplicationStatus(ReplicationRole.PRIMARY, ReplicationMode.ASYNC, 1, false, 41, 40, 1, 0, false, 0,
                0, 0, failure, -1, null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> replication(Health health) {
        return (Map<String, Object>) health.getDetails().get("replication");
    }

    @SuppressWarnings("unchecked")
    private static Object shardStatus(Health health) {
        return ((Map<String, Map<String, Object>>) health.getDetails().get("shards")).get("0").get("status");
    }

    /** A primary on the starter's directory, without the customizer that would configure the engine with it. */
    @Configuration(proxyBeanMethods = false)
    static class PrimaryOnly {
        @Bean(destroyMethod = "close")
        Primary primary(PurestockProperties properties) {
            return Primary.builder(properties.getJournal().getDirectory()).listen("localhost:0")
                    .termLength(1 << 16).liveBufferBytes(1 << 16).start();
        }
    }

    /** The README's replication set-up: a primary on the starter's directory, and the customizer it configures. */
    @Configuration(proxyBeanMethods = false)
    static class PrimaryConfiguration {
        @Bean(destroyMethod = "close")
        Primary primary(PurestockProperties properties) {
            return Primary.builder(properties.getJournal().getDirectory()).listen("localhost:0")
                    .termLength(1 << 16).liveBufferBytes(1 << 16).start();
        }

        @Bean
        PurestockEngineCustomizer replication(Primary primary) {
            return primary::configure;
        }
    }
}
