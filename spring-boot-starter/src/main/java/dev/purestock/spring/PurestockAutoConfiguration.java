package dev.purestock.spring;

import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ReadModel;
import dev.purestock.engine.StoreCapacity;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.RecoveredState;
import dev.purestock.journal.ReplayProgress;
import dev.purestock.journal.RetentionPolicy;
import dev.purestock.journal.ShardCountMismatchException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.util.ResourceUtils;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Starts a {@link JournaledEngine} on {@code purestock.journal.directory} with the settings of
 * {@link PurestockProperties} and every {@link PurestockEngineCustomizer}, and exposes:
 * <ul>
 *   <li>the {@link JournaledEngine} (closed with the context: intake stops, everything submitted is answered,
 *       the journal is closed and its directory lock released);</li>
 *   <li>its {@link PurestockEngine}, to submit commands to;</li>
 *   <li>its {@link ReadModel}, to query stock and order statuses from any thread.</li>
 * </ul>
 * The health indicator comes from {@link PurestockHealthAutoConfiguration}, the engine's Micrometer meters from
 * {@link PurestockMetricsAutoConfiguration}.
 * Each bean backs off when the application defines its own of that type: with an engine of the application's own
 * (an in-memory one in tests) no journaled engine is started, no journal directory is needed, and the read model
 * and health indicator follow that engine. With several engines of the application's own (and none of them
 * {@code @Primary}) there is no single one to follow: the engine, read model, health and metrics beans back off.
 * An optional {@link ReplayProgress} bean hears the recovery's progress.
 * {@code purestock.enabled=false} turns the whole configuration off.
 */
@AutoConfiguration
@Conditional(OnPurestockEnabled.class)
@EnableConfigurationProperties(PurestockProperties.class)
public final class PurestockAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(PurestockAutoConfiguration.class);
    private static final String REPLICATION_PRIMARY = "dev.purestock.replication.Primary";

    /** Created by Spring Boot's auto-configuration. */
    public PurestockAutoConfiguration() {
    }

    /**
     * Started unless the application has a journaled engine, or an engine of its own (an in-memory one); closed
     * with the context within {@code purestock.shutdown-timeout}.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean({JournaledEngine.class, PurestockEngine.class})
    StartedEngine purestockStartedEngine(PurestockProperties properties,
                                         ObjectProvider<PurestockEngineCustomizer> customizers,
                                         ObjectProvider<ReplayProgress> progress,
                                         ConfigurableListableBeanFactory beans) {
        PurestockProperties.Journal journal = properties.getJournal();
        if (journal.getDirectory() == null) {
            throw new InvalidConfigurationPropertyValueException("purestock.journal.directory", null,
                    "purestock needs a journal directory: set purestock.journal.directory to where the engine "
                            + "keeps its journal and snapshots (created when missing; recovered from on every "
                            + "start), or purestock.enabled=false to run without the engine");
        }
        requireUsableDirectory(journal.getDirectory());
        requireOneShardToReplicate(properties.getShards(), beans);
        JournaledEngine.Builder builder = JournaledEngine.builder(journal.getDirectory());
        set("purestock.shards", properties.getShards(), () -> builder.shards(properties.getShards()));
        JournaledEngine started;
        try {
            started = builder
                    .durability(journal.getDurability())
                    .snapshotEvery(properties.getSnapshots().getEvery())
                    .retention(new RetentionPolicy(properties.getSnapshots().getKeep(), journal.isPruneCyclesOnStart()))
                    .engine(tuning(properties, customizers.orderedStream().toList()))
                    .progress(progress.getIfAvailable(() -> ReplayProgress.NONE))
                    .start();
        } catch (ShardCountMismatchException mismatch) {
            throw new InvalidConfigurationPropertyValueException("purestock.shards", properties.getShards(),
                    mismatch.getMessage() + ": set purestock.shards=" + mismatch.directoryShards());
        }
        for (int shard = 0; shard < started.layout().shards(); shard++) {
            RecoveredState recovered = started.recovered(shard);
            LOG.info("purestock engine started on journal {}, shard {} of {}: recovered from {}, {} records replayed, "
                            + "next sequence {}", journal.getDirectory(), shard, started.layout().shards(),
                    recovered.recoveredFrom(), recovered.replayedRecords(), recovered.nextSequence());
            // its notes the journaled engine has logged at WARN, once, as the shard's recovery ended
        }
        return new StartedEngine(started, properties.getShutdownTimeout());
    }

    /**
     * Refuses, by the property's name, a journal directory the engine could neither create nor write: a file standing
     * at it or at a directory above it, or a directory this process may not write in (where the directory, or the
     * nearest one above it that exists, is read-only to it). The journal's lock would otherwise fail the start from
     * deep inside, naming no property. Reads the file system only; nothing is created.
     */
    private static void requireUsableDirectory(Path directory) {
        Path existing = directory.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        String problem = null;
        if (existing != null && !Files.isDirectory(existing)) {
            problem = "a file stands at " + existing + ", where " + (existing.equals(directory.toAbsolutePath())
                    ? "the journal directory" : "a directory above it") + " would be";
        } else if (existing != null && !Files.isWritable(existing)) {
            problem = "this process may not write in " + existing;
        }
        if (problem != null) {
            throw new InvalidConfigurationPropertyValueException("purestock.journal.directory", directory, problem
                    + ": set purestock.journal.directory to a directory this process may create and write in (the "
                    + "engine keeps its journal and snapshots there)");
        }
    }

    /**
     * Refuses, by the property's name, {@code purestock.shards} other than 1 in an application with a replication
     * {@code Primary} bean: replication runs a one-shard engine, and the primary refused a sharded one from inside
     * its customizer, in words naming no property, or, without that customizer, would replicate nothing. Reads the
     * bean definitions only: no primary is created here.
     */
    private static void requireOneShardToReplicate(int shards, ConfigurableListableBeanFactory beans) {
        ClassLoader loader = beans.getBeanClassLoader();
        if (shards == 1 || !ClassUtils.isPresent(REPLICATION_PRIMARY, loader)) {
            return;
        }
        String[] primaries = beans.getBeanNamesForType(ClassUtils.resolveClassName(REPLICATION_PRIMARY, loader),
                true, false);
        if (primaries.length > 0) {
            throw new InvalidConfigurationPropertyValueException("purestock.shards", shards, "replication runs a "
                    + "one-shard engine, and this application has a replication Primary (bean '" + primaries[0]
                    + "'): set purestock.shards=1 to replicate the engine, or remove the Primary to run " + shards
                    + " shards without replication");
        }
    }

    /**
     * Keeps the engine this configuration starts out of {@code spring.main.lazy-initialization}: it starts with the
     * context, so a value it refuses, a damaged journal or a directory in use stops the start, recovery happens
     * before the first caller, another process is kept off the journal, and reservations expire from the start.
     */
    @Bean
    static LazyInitializationExcludeFilter purestockEngineStartsEagerly() {
        return LazyInitializationExcludeFilter.forBeanTypes(StartedEngine.class);
    }

    /**
     * Keeps a relative {@code purestock.journal.directory} the working directory's, as written (see
     * {@link JournalDirectoryAsWritten}).
     */
    @Bean
    static BeanPostProcessor purestockJournalDirectoryAsWritten(Environment environment) {
        return new JournalDirectoryAsWritten(environment);
    }

    /** The journaled engine this configuration started; {@link StartedEngine} closes it. */
    @Bean(destroyMethod = "")
    @ConditionalOnBean(StartedEngine.class)
    JournaledEngine purestockJournaledEngine(StartedEngine started) {
        return started.engine;
    }

    /** The engine the journaled engine runs; the journaled engine closes it. */
    @Bean(destroyMethod = "")
    @ConditionalOnMissingBean
    @ConditionalOnSingleCandidate(JournaledEngine.class)
    PurestockEngine purestockEngine(JournaledEngine journaledEngine) {
        return journaledEngine.engine();
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnSingleCandidate(PurestockEngine.class)
    ReadModel purestockReadModel(PurestockEngine purestockEngine) {
        return purestockEngine.readModel();
    }

    /**
     * The journaled engine the starter started, and how long closing the context may wait for it to drain. A
     * drain that does not finish in time answers the callers still waiting with an {@code EngineClosedException}
     * and keeps the journal directory locked until the process exits (its journal may still be writing); see
     * {@link JournaledEngine#close(Duration)}.
     */
    static final class StartedEngine implements AutoCloseable {
        private final JournaledEngine engine;
        private final Duration shutdownTimeout;

        StartedEngine(JournaledEngine engine, Duration shutdownTimeout) {
            this.engine = engine;
            this.shutdownTimeout = shutdownTimeout;
        }

        /**
         * Closes the engine within {@code purestock.shutdown-timeout}. On one of the engine's own threads (a callback
         * or consumer that closes the context) the engine refuses the close, which would wait for that very thread,
         * and closes nothing: the close is handed to a thread of its own, {@code purestock-close}, and this returns
         * without waiting for it. That thread is not a daemon, so the JVM waits for the journal to close.
         */
        @Override
        public void close() {
            try {
                closeEngine();
            } catch (IllegalStateException onAnEngineThread) {
                LOG.info("the context is closed on {}, one of the purestock engine's threads, where the engine "
                        + "cannot wait for its own threads to finish: thread purestock-close closes it",
                        Thread.currentThread().getName());
                Thread closer = new Thread(() -> {
                    try {
                        closeEngine();
                    } catch (RuntimeException failed) {
                        LOG.error("purestock engine failed to close", failed);
                    }
                }, "purestock-close");
                closer.setDaemon(false); // a thread made by a stage thread would be a daemon, as the stage threads are
                closer.start();
            }
        }

        private void closeEngine() {
            if (!engine.close(shutdownTimeout)) {
                LOG.warn("purestock engine did not finish closing within purestock.shutdown-timeout ({}): a caller "
                        + "not answered by then was answered with EngineClosedException (the engine logs how many, "
                        + "per shard), and the journal directory stays locked until the process exits, since a stage "
                        + "may still be writing", shutdownTimeout);
            }
        }
    }

    /**
     * Binds a relative {@code purestock.journal.directory} as the path it spells, relative to the working directory.
     * Spring converts text to a {@link Path} as a resource location first, so a relative path naming a directory on
     * the class path (a {@code data} folder among the application's resources, copied to {@code target/classes})
     * became that directory: the journal went into the build's output, which a clean build deletes with every
     * acknowledged purchase, while a packaged application given the same setting journaled in the working directory.
     * A URL ({@code file:}, {@code classpath:}) is left as Spring converted it.
     */
    static final class JournalDirectoryAsWritten implements BeanPostProcessor {
        private final Environment environment;

        JournalDirectoryAsWritten(Environment environment) {
            this.environment = environment;
        }

        @Override
        public Object postProcessAfterInitialization(Object bean, String beanName) {
            if (bean instanceof PurestockProperties properties) {
                String text = Binder.get(environment).bind("purestock.journal.directory", String.class)
                        .map(String::trim).orElse("");
                if (!text.isEmpty() && !ResourceUtils.isUrl(text) && !Path.of(text).isAbsolute()) {
                    properties.getJournal().setDirectory(Path.of(text));
                }
            }
            return bean;
        }
    }

    /**
     * The properties' engine settings, then the customizers. A value the engine refuses stops the start with the
     * property's name and the engine's reason, before the journal directory is touched.
     */
    static Consumer<PurestockEngine.Builder> tuning(PurestockProperties properties,
                                                    List<PurestockEngineCustomizer> customizers) {
        return builder -> {
            set("purestock.ring-size", properties.getRingSize(), () -> builder.ringSize(properties.getRingSize()));
            set("purestock.wait-strategy", properties.getWaitStrategy(),
                    () -> builder.waitStrategy(properties.getWaitStrategy()));
            set("purestock.expire-reservations-every", properties.getExpireReservationsEvery(),
                    () -> builder.expireReservationsEvery(properties.getExpireReservationsEvery()));
            set("purestock.retain-orders-for", properties.getRetainOrdersFor(),
                    () -> builder.retainOrdersFor(properties.getRetainOrdersFor()));
            PurestockProperties.StoreCapacity capacity = properties.getStoreCapacity();
            int orderLines = capacity.getOrderLines() == null ? capacity.getOrders() : capacity.getOrderLines();
            set("purestock.store-capacity", "positions=" + capacity.getPositions() + ", orders="
                            + capacity.getOrders() + ", customer-counts=" + capacity.getCustomerCounts()
                            + ", order-lines=" + orderLines,
                    () -> builder.storeCapacity(new StoreCapacity(capacity.getPositions(), capacity.getOrders(),
                            capacity.getCustomerCounts(), orderLines)));
            Integer backlogLimit = properties.getSnapshots().getBacklogLimit();
            if (backlogLimit != null) {
                set("purestock.snapshots.backlog-limit", backlogLimit,
                        () -> builder.snapshotBacklogLimit(backlogLimit));
            }
            customizers.forEach(customizer -> customizer.customize(builder));
        };
    }

    private static void set(String property, Object value, Runnable setting) {
        try {
            setting.run();
        } catch (IllegalArgumentException | NullPointerException refused) {
            throw new InvalidConfigurationPropertyValueException(property, value, refused.getMessage());
        }
    }
}
