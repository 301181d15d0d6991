package dev.streamtune.trainer.rest;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * 401 and 403 as JSON {@code {"error"}} like the trainer's other refusals. Authentication runs when an endpoint's role
 * check asks for it ({@code quarkus.http.auth.proactive=false}), so its failures reach these mappers.
 */
public class AccessErrors {

    @ServerExceptionMapper({AuthenticationFailedException.class, UnauthorizedException.class})
    public RestResponse<Map<String, String>> unauthenticated() {
        return RestResponse.ResponseBuilder.create(
                        RestResponse.Status.UNAUTHORIZED,
                        Map.of(
                                "error",
                                "a valid bearer token is required (signed by the trusted key, right issuer and"
                                        + " audience, not expired)"))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .type(MediaType.APPLICATION_JSON_TYPE)
                .build();
    }

    @ServerExceptionMapper(ForbiddenException.class)
    public RestResponse<Map<String, String>> forbidden() {
        return RestResponse.ResponseBuilder.create(
                        RestResponse.Status.FORBIDDEN, Map.of("error", "the token lacks the role this endpoint needs"))
                .type(MediaType.APPLICATION_JSON_TYPE)
                .build();
    }
}
