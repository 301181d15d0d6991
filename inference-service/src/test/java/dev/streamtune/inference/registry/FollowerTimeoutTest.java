package dev.streamtune.inference.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TestManifests;
import dev.streamtune.inference.support.TestModels;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker does not answer the follower's start-up reads in time (where the models topic ends, where the consumer
 * stands): the real consumer's calls throw {@link TimeoutException} the first times. The follower asks again, loads the
 * live version and still swaps to the next one. Before, the first timeout ended the follower: the service kept the
 * model it had and never loaded another. An interrupt while it waits stops it.
 */
@WithEmbeddedKafka(createTopics = false)
class FollowerTimeoutTest {

    private static final String MODEL = ServiceHarness.MODEL;

    @Test
    void shouldKeepFollowingWhenItsStartUpReadsTimeOut(EmbeddedKafkaBroker kafka, @TempDir Path tmp) throws Exception {
        KafkaTestSupport.createTopics(kafka.admin(), 1);
        Map<String, Object> client = kafka.clientProperties();
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        try (ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small());
                KafkaProducer<String, ModelRegistryEvent> registry =
                        new KafkaProducer<>(client, new StringSerializer(), JsonSerde.of(ModelRegistryEvent.class))) {
            publish(service, registry, TestModels.Spec.valid(MODEL, 1));
            RegistryFollower follower = service.follower(
                            service.monitoring("follower-timeout-test"),
                            Optional.empty(),
                            real -> timingOut(real, calls, Map.of("endOffsets", 2, "position", 3)))
                    .start();

            await().pollInterval(Duration.ofMillis(200))
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> !follower.isAlive() || Long.valueOf(1).equals(service.holder.version()));
            assertThat(follower.failure()).as("the follower's failure").isEmpty();
            assertThat(calls.get("endOffsets").get())
                    .as("end offsets asked again")
                    .isGreaterThanOrEqualTo(3);

            publish(service, registry, TestModels.Spec.valid(MODEL, 2));
            await().pollInterval(Duration.ofMillis(200))
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> Long.valueOf(2).equals(service.holder.version()));
            assertThat(follower.isAlive()).isTrue();
            assertThat(follower.caughtUp()).isTrue();
        }
    }

    /**
     * An interrupt (a shutdown hook, an executor shut down now) stops the follower while it waits for a broker that does
     * not answer, and says so: liveness turns DOWN. Before, its one-second sleeps returned at once on the interrupt
     * flag and it spun through them for ever, alive and following nothing.
     */
    @Test
    void shouldStopWhenInterruptedWhileWaitingForTheBroker(EmbeddedKafkaBroker kafka, @TempDir Path tmp)
            throws Exception {
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        try (ServiceHarness service =
                new ServiceHarness(kafka.clientProperties(), tmp, ServiceHarness.Options.small())) {
            Set<Thread> before = followerThreads();
            RegistryFollower follower = service.follower(
                            service.monitoring("follower-interrupt-test"),
                            Optional.empty(),
                            real -> timingOut(real, calls, Map.of("partitionsFor", Integer.MAX_VALUE)))
                    .start();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> calls.getOrDefault("partitionsFor", new AtomicInteger())
                                    .get()
                            >= 2);
            Set<Thread> started = followerThreads();
            started.removeAll(before);
            assertThat(started).as("the follower's thread").hasSize(1);

            started.iterator().next().interrupt();

            await().atMost(Duration.ofSeconds(10)).until(() -> !follower.isAlive());
            int asked = calls.get("partitionsFor").get();
            Thread.sleep(1_500);
            assertThat(calls.get("partitionsFor").get())
                    .as("the broker is not asked any more")
                    .isEqualTo(asked);
        }
    }

    private static Set<Thread> followerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("streamtune-registry-follower"))
                .collect(Collectors.toCollection(HashSet::new));
    }

    /** The real consumer, except that the first {@code failures.get(m)} calls of each method {@code m} time out. */
    @SuppressWarnings("unchecked")
    private static Consumer<String, byte[]> timingOut(
            Consumer<String, byte[]> real, Map<String, AtomicInteger> calls, Map<String, Integer> failures) {
        return (Consumer<String, byte[]>) Proxy.newProxyInstance(
                FollowerTimeoutTest.class.getClassLoader(), new Class<?>[] {Consumer.class}, (proxy, method, args) -> {
                    int n = calls.computeIfAbsent(method.getName(), k -> new AtomicInteger())
                            .incrementAndGet();
                    if (n <= failures.getOrDefault(method.getName(), 0)) {
                        throw new TimeoutException("injected: " + method.getName() + " timed out");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static void publish(
            ServiceHarness service, KafkaProducer<String, ModelRegistryEvent> registry, TestModels.Spec spec) {
        ModelRegistryEvent record = TestModels.publish(service.store, service.workDir, spec, false);
        registry.send(new ProducerRecord<>(
                StreamtuneTopics.MODELS_NAME,
                ModelRegistryEvent.versionKey(spec.name(), spec.version()),
                TestManifests.published(record.manifest(), record.uri(), record.manifestSha256())));
        registry.send(
                new ProducerRecord<>(StreamtuneTopics.MODELS_NAME, ModelRegistryEvent.liveKey(record.name()), record));
        registry.flush();
    }
}
