package dev.streamtune.kafka.quarkus;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code DevTokenIssuer} field of a {@code @QuarkusTest} that {@link JwtTestResource} fills with an issuer
 * whose tokens the application under test trusts.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface InjectTokenIssuer {}
