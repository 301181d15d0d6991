package dev.streamtune.kafka.junit;

import dev.streamtune.kafka.EmbeddedKafkaBroker;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * JUnit 5 extension behind {@link WithEmbeddedKafka}: one broker per test class, kept in the class's extension store
 * (which closes it after the class) and resolved as an {@link EmbeddedKafkaBroker} parameter. Nested classes reuse the
 * broker of their enclosing class.
 */
public class EmbeddedKafkaExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(EmbeddedKafkaExtension.class);
    private static final String BROKER = "broker";

    @Override
    public void beforeAll(ExtensionContext context) {
        broker(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == EmbeddedKafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        // a PER_CLASS test instance is built before beforeAll: start the broker on first need
        return broker(classContext(extensionContext));
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }

    private static synchronized EmbeddedKafkaBroker broker(ExtensionContext context) {
        // get() also searches the stores of enclosing classes: a nested class shares its parent's broker
        var store = context.getStore(NAMESPACE);
        EmbeddedKafkaBroker existing = store.get(BROKER, EmbeddedKafkaBroker.class);
        if (existing != null) {
            return existing;
        }
        WithEmbeddedKafka settings = AnnotationSupport.findAnnotation(
                        context.getRequiredTestClass(), WithEmbeddedKafka.class)
                .orElseThrow(() -> new ExtensionConfigurationException(
                        "EmbeddedKafkaExtension needs @WithEmbeddedKafka on " + context.getRequiredTestClass()));
        var builder = EmbeddedKafkaBroker.builder()
                .optCreateTopics(settings.createTopics())
                .optTopicNames(pairs(settings.topicNames(), "topicNames"))
                .optSasl(settings.sasl());
        pairs(settings.brokerProperties(), "brokerProperties").forEach(builder::optBrokerProperty);
        EmbeddedKafkaBroker broker = builder.start();
        // the store closes AutoCloseable values when the class's context ends
        store.put(BROKER, broker);
        return broker;
    }

    private static Map<String, String> pairs(String[] entries, String attribute) {
        var map = new LinkedHashMap<String, String>();
        for (String entry : entries) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new ExtensionConfigurationException(
                        "@WithEmbeddedKafka(" + attribute + ") entries are key=value, got: " + entry);
            }
            map.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
        }
        return map;
    }
}
