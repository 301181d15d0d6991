package dev.streamtune.kafka.quarkus;

import dev.streamtune.kafka.EmbeddedKafkaBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Quarkus test resource running an in-process KRaft broker with the Streamtune topics, and pointing the Kafka client,
 * SmallRye Kafka and Kafka Streams at it (Dev Services off: no Docker needed).
 *
 * <pre>{@code
 * @QuarkusTest
 * @WithTestResource(EmbeddedKafkaTestResource.class)
 * class SomeTest {
 *     @InjectEmbeddedKafka
 *     EmbeddedKafkaBroker kafka;
 * }
 * }</pre>
 *
 * Init args ({@code @ResourceArg}): {@value #SASL} = {@code true} points every client at a SASL_SSL listener as SCRAM
 * user {@value EmbeddedKafkaBroker#DEFAULT_SCRAM_USER}; {@value #CREATE_TOPICS} = {@code false} skips the topics;
 * {@code topic.<default name>} = another name renames a topic; {@code broker.<key>} = value sets a broker property.
 */
public class EmbeddedKafkaTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String SASL = "sasl";
    public static final String CREATE_TOPICS = "create-topics";
    public static final String TOPIC_PREFIX = "topic.";
    public static final String BROKER_PREFIX = "broker.";

    private Map<String, String> args = Map.of();
    private EmbeddedKafkaBroker broker;

    @Override
    public void init(Map<String, String> initArgs) {
        args = Map.copyOf(initArgs);
    }

    @Override
    public Map<String, String> start() {
        boolean sasl = Boolean.parseBoolean(args.getOrDefault(SASL, "false"));
        var topicNames = new LinkedHashMap<String, String>();
        var builder = EmbeddedKafkaBroker.builder()
                .optSasl(sasl)
                .optCreateTopics(Boolean.parseBoolean(args.getOrDefault(CREATE_TOPICS, "true")));
        args.forEach((key, value) -> {
            if (key.startsWith(TOPIC_PREFIX)) {
                topicNames.put(key.substring(TOPIC_PREFIX.length()), value);
            } else if (key.startsWith(BROKER_PREFIX)) {
                builder.optBrokerProperty(key.substring(BROKER_PREFIX.length()), value);
            }
        });
        broker = builder.optTopicNames(topicNames).start();
        return quarkusConfig(broker, sasl);
    }

    /** The Quarkus configuration that connects an application's Kafka clients and Kafka Streams to {@code broker}. */
    public static Map<String, String> quarkusConfig(EmbeddedKafkaBroker broker, boolean sasl) {
        var config = new HashMap<String, String>();
        config.put("quarkus.kafka.devservices.enabled", "false");
        if (!sasl) {
            config.put("kafka.bootstrap.servers", broker.bootstrapServers());
            config.put("quarkus.kafka-streams.bootstrap-servers", broker.bootstrapServers());
            return config;
        }
        // kafka.* feeds the default Kafka client config (SmallRye Kafka, the kafka-client extension)
        broker.clientSecurityProperties().forEach((key, value) -> config.put("kafka." + key, value.toString()));
        // Kafka Streams has its own typed keys
        var security = broker.clientSecurityProperties();
        config.put("quarkus.kafka-streams.bootstrap-servers", (String) security.get("bootstrap.servers"));
        config.put("quarkus.kafka-streams.security.protocol", (String) security.get("security.protocol"));
        config.put("quarkus.kafka-streams.sasl.mechanism", (String) security.get("sasl.mechanism"));
        config.put("quarkus.kafka-streams.sasl.jaas-config", (String) security.get("sasl.jaas.config"));
        config.put("quarkus.kafka-streams.ssl.truststore.type", (String) security.get("ssl.truststore.type"));
        config.put("quarkus.kafka-streams.ssl.truststore.location", (String) security.get("ssl.truststore.location"));
        config.put("quarkus.kafka-streams.ssl.truststore.password", (String) security.get("ssl.truststore.password"));
        return config;
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(
                broker, new TestInjector.AnnotatedAndMatchesType(InjectEmbeddedKafka.class, EmbeddedKafkaBroker.class));
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }
}
