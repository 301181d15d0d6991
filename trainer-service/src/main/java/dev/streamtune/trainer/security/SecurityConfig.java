package dev.streamtune.trainer.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.NotBlank;

/**
 * Who may call the trainer's REST API. Tokens are verified by SmallRye JWT ({@code mp.jwt.verify.*}); their
 * {@code groups} claim carries the roles (map other group names with {@code quarkus.http.auth.roles-mapping.*}).
 */
@ConfigMapping(prefix = "streamtune.security")
public interface SecurityConfig {

    /** Off: every endpoint open to anyone (a warning at start-up). For local experiments only, never in production. */
    @WithDefault("true")
    boolean enabled();

    Roles roles();

    interface Roles {
        /** Train, promote, roll back. */
        @WithDefault("operator")
        @NotBlank
        String operator();

        /** Read status and model versions. */
        @WithDefault("viewer")
        @NotBlank
        String viewer();
    }
}
