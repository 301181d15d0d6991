package dev.streamtune.kafka.junit;

import dev.streamtune.kafka.EmbeddedKafkaBroker;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts one in-process KRaft broker for the annotated test class (shared by its tests and nested classes), creates the
 * Streamtune topics and closes it after the class. Test methods, constructors and lifecycle methods take it as a
 * parameter:
 *
 * <pre>{@code
 * @WithEmbeddedKafka
 * class SomeTest {
 *     @Test
 *     void shouldDoIt(EmbeddedKafkaBroker kafka) { ... kafka.bootstrapServers() ... }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(EmbeddedKafkaExtension.class)
public @interface WithEmbeddedKafka {

    /** Whether the Streamtune topics are created at start. */
    boolean createTopics() default true;

    /** Topic renames, each {@code defaultName=deploymentName}. */
    String[] topicNames() default {};

    /**
     * Adds a SASL_SSL listener with SCRAM-SHA-512 user {@value EmbeddedKafkaBroker#DEFAULT_SCRAM_USER} (random
     * password; see {@link EmbeddedKafkaBroker#clientSecurityProperties()}).
     */
    boolean sasl() default false;

    /** Broker settings overriding the embedded defaults, each {@code key=value}. */
    String[] brokerProperties() default {};
}
