package dev.purestock.spring;

import dev.purestock.domain.Command;
import dev.purestock.domain.OrderStatus;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ReadModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.stereotype.Service;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Java examples of the starter's README ("Using it", "Properties"), as written there, compiled and run
 * in an application context on a temporary journal directory, so that an example that drifts from the API fails the
 * build. The replication example runs in {@link ReplicationHealthTest}, the metrics one in
 * {@link PurestockMetricsAutoConfigurationTest}.
 */
class DocsExamplesTest {
    @TempDir
    Path journal;

    /** "Using it": a service of the application's that buys through the engine and reads the stock left. */
    @Service
    static class Checkout {
        private final PurestockEngine engine;
        private final ReadModel stock;

        Checkout(PurestockEngine engine, ReadModel stock) {
            this.engine = engine;
            this.stock = stock;
        }

        CompletableFuture<Outcome> buy(long orderId, long customer, long sku, int warehouse) {
            return engine.submit(new Command.Purchase(orderId, customer, sku, warehouse, 1));
        }

        long left(long sku, int warehouse) {
            return stock.available(sku, warehouse);
        }
    }

    /** What the "Properties" example's customizer tells of every outcome. */
    static final class Notifier {
        final List<String> told = new CopyOnWriteArrayList<>();

        void tell(Command command, Outcome outcome) {
            told.add(command.getClass().getSimpleName() + (outcome.accepted() ? " accepted" : " rejected"));
        }
    }

    /** "Properties": a customizer adding a consumer of every outcome. */
    @Configuration(proxyBeanMethods = false)
    static class Notifications {
        @Bean
        Notifier notifier() {
            return new Notifier();
        }

        @Bean
        PurestockEngineCustomizer notifications(Notifier notifier) {
            return builder -> builder.consumer((command, outcome) -> notifier.tell(command, outcome));
        }
    }

    private ApplicationContextRunner application() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class))
                .withPropertyValues("purestock.journal.directory=" + journal, "purestock.expire-reservations-every=0");
    }

    @Test
    void theCheckoutBuysThroughTheEngineAndReadsTheStockLeft() {
        application().withUserConfiguration(Checkout.class).run(context -> {
            PurestockEngine engine = context.getBean(PurestockEngine.class);
            engine.submit(new Command.ListProduct(7, 2)).join();
            engine.submit(new Command.ReceiveStock(1, 7, 0, 5)).join();
            Checkout checkout = context.getBean(Checkout.class);

            assertThat(checkout.buy(42, 9, 7, 0).join().accepted()).isTrue();

            assertThat(checkout.left(7, 0)).isEqualTo(4);
        });
        application().run(context -> assertThat(context.getBean(ReadModel.class).orderStatus(42))
                .as("journaled, and recovered by the next start").isEqualTo(OrderStatus.PURCHASED));
    }

    @Test
    void theCustomizersConsumerHearsEveryOutcome() {
        application().withUserConfiguration(Notifications.class).run(context -> {
            PurestockEngine engine = context.getBean(PurestockEngine.class);
            engine.submit(new Command.ListProduct(7, 0)).join();
            engine.submit(new Command.Purchase(42, 9, 7, 0, 1)).join();
            Notifier notifier = context.getBean(Notifier.class);
            context.close(); // the engine drains: every consumer has run

            assertThat(notifier.told).containsExactly("ListProduct accepted",
                    "Purchase rejected");
        });
    }
}
