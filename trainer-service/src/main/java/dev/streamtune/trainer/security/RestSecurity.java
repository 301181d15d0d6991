package dev.streamtune.trainer.security;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.spi.runtime.AuthorizationController;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.util.List;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

/**
 * Switches Quarkus' authorization (the {@code @RolesAllowed} checks) by {@code streamtune.security.enabled}, and
 * refuses to start with authorization on but nothing to verify tokens with: every request would be a 401.
 */
@Alternative
@Priority(Interceptor.Priority.LIBRARY_AFTER)
@Singleton
public class RestSecurity extends AuthorizationController {

    private static final Logger LOG = Logger.getLogger(RestSecurity.class);

    /** Any of these verifies tokens: a SmallRye JWT key, or an OIDC provider where quarkus-oidc replaces it. */
    public static final List<String> VERIFICATION_KEYS = List.of(
            "mp.jwt.verify.publickey.location",
            "mp.jwt.verify.publickey",
            "smallrye.jwt.verify.key.location",
            "quarkus.oidc.auth-server-url",
            "quarkus.oidc.public-key");

    @Inject
    SecurityConfig config;

    @Inject
    Config mpConfig;

    @Override
    public boolean isAuthorizationEnabled() {
        return config.enabled();
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            LOG.warn("streamtune.security.enabled=false: the REST API is open to anyone (never in production)");
            return;
        }
        if (VERIFICATION_KEYS.stream()
                .noneMatch(key -> mpConfig.getOptionalValue(key, String.class).isPresent())) {
            throw new IllegalStateException("streamtune.security.enabled is true but no key verifies bearer tokens:"
                    + " set mp.jwt.verify.publickey.location (env MP_JWT_VERIFY_PUBLICKEY_LOCATION), see the README's"
                    + " Security section; only for local experiments: streamtune.security.enabled=false");
        }
        LOG.infof(
                "REST API: bearer tokens required (issuer %s, audience %s); roles %s (operator), %s (viewer)",
                mpConfig.getOptionalValue("mp.jwt.verify.issuer", String.class).orElse("any"),
                mpConfig.getOptionalValue("mp.jwt.verify.audiences", String.class)
                        .orElse("any"),
                config.roles().operator(),
                config.roles().viewer());
    }

    /** Who is calling: the token's subject (its principal name when it has none); empty when anonymous. */
    public static java.util.Optional<String> caller(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) {
            return java.util.Optional.empty();
        }
        if (identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getSubject() != null) {
            return java.util.Optional.of(jwt.getSubject());
        }
        return java.util.Optional.of(identity.getPrincipal().getName());
    }
}
