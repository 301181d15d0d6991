package dev.streamtune.kafka.quarkus;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an {@code EmbeddedKafkaBroker} field of a {@code @QuarkusTest} that {@link EmbeddedKafkaTestResource} fills
 * with the running broker.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface InjectEmbeddedKafka {}
