package dev.streamtune.inference.rest;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * 401 and 403 as JSON {@link ClassifyError}s like every other refusal. Authentication runs when an endpoint's role
 * check asks for it ({@code quarkus.http.auth.proactive=false}), so its failures reach these mappers.
 */
public class AccessErrors {

    @ServerExceptionMapper({AuthenticationFailedException.class, UnauthorizedException.class})
    public RestResponse<ClassifyError> unauthenticated() {
        return RestResponse.ResponseBuilder.create(
                        RestResponse.Status.UNAUTHORIZED,
                        new ClassifyError(
                                "a valid bearer token is required (signed by the trusted key, right issuer and"
                                        + " audience, not expired)",
                                List.of()))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .type(MediaType.APPLICATION_JSON_TYPE)
                .build();
    }

    @ServerExceptionMapper(ForbiddenException.class)
    public RestResponse<ClassifyError> forbidden() {
        return RestResponse.ResponseBuilder.create(
                        RestResponse.Status.FORBIDDEN,
                        new ClassifyError("the token lacks the role this endpoint needs", List.of()))
                .type(MediaType.APPLICATION_JSON_TYPE)
                .build();
    }
}
