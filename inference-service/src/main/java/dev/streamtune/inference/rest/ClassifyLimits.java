package dev.streamtune.inference.rest;

import dev.streamtune.inference.config.InferenceConfig;
import dev.streamtune.inference.security.RestSecurity;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * What {@code POST /classify} refuses before its body is read, each with a JSON {@link ClassifyError}: more requests
 * than the caller's rate limit (429 with Retry-After; the caller is the token's subject, the remote address without a
 * token) and a declared body larger than {@code streamtune.rest.max-body-bytes} (413). A body sent without a length
 * is cut off at the same size while it is read ({@link ClassifyResource}).
 */
@ApplicationScoped
public class ClassifyLimits {

    @Inject
    InferenceConfig config;

    @Inject
    SecurityIdentity identity;

    @Inject
    ClientRateLimiter limiter;

    @ServerRequestFilter
    public Optional<RestResponse<ClassifyError>> refuse(HttpServerRequest request, SimpleResourceInfo resource) {
        if (resource.getResourceClass() != ClassifyResource.class) {
            return Optional.empty();
        }
        InferenceConfig.Rest.RateLimit rate = config.rest().rateLimit();
        if (rate.enabled()) {
            String client = RestSecurity.caller(identity)
                    .map(subject -> "sub:" + subject)
                    .orElseGet(() -> "addr:" + request.remoteAddress().hostAddress());
            OptionalLong wait = limiter.acquire(client);
            if (wait.isPresent()) {
                return Optional.of(RestResponse.ResponseBuilder.create(
                                RestResponse.Status.TOO_MANY_REQUESTS,
                                new ClassifyError(
                                        "rate limit: at most " + rate.requests() + " requests per " + rate.period()
                                                + " per client; retry in " + wait.getAsLong() + " s",
                                        List.of()))
                        .header(HttpHeaders.RETRY_AFTER, Long.toString(wait.getAsLong()))
                        .type(MediaType.APPLICATION_JSON_TYPE)
                        .build());
            }
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && tooLarge(length)) {
            return Optional.of(ClassifyResource.tooLarge(config.rest().maxBodyBytes()));
        }
        return Optional.empty();
    }

    private boolean tooLarge(String contentLength) {
        try {
            return Long.parseLong(contentLength.strip()) > config.rest().maxBodyBytes();
        } catch (NumberFormatException e) {
            return false; // Vert.x refuses a malformed length itself
        }
    }
}
