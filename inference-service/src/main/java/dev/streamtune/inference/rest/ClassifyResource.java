package dev.streamtune.inference.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.common.validation.Validated;
import dev.streamtune.inference.config.InferenceConfig;
import dev.streamtune.inference.engine.BatchingEngine;
import dev.streamtune.inference.engine.Classification;
import dev.streamtune.inference.engine.ClassifyOutcome;
import dev.streamtune.inference.engine.EngineOverloadedException;
import dev.streamtune.inference.engine.EngineResult;
import dev.streamtune.inference.engine.InferenceException;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * Synchronous classification through the same batching engine as the stream, for callers with the client role
 * ({@code streamtune.security.roles.client}). Every refusal is a JSON {@link ClassifyError}: rate limit and declared
 * size in {@link ClassifyLimits}, the body's real size, its JSON, the number and validity of the texts here.
 */
@Path("/classify")
public class ClassifyResource {

    @Inject
    BatchingEngine engine;

    @Inject
    InputValidator validator;

    @Inject
    InferenceConfig config;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed("${streamtune.security.roles.client}")
    @Blocking // reads the body as a stream, to stop at the size cap; classification itself does not block
    @Operation(summary = "Classify one or many texts with the model in service")
    @RequestBody(content = @Content(schema = @Schema(implementation = ClassifyRequest.class)))
    @APIResponse(
            responseCode = "200",
            description = "Predictions in request order",
            content = @Content(schema = @Schema(implementation = ClassifyResponse.class)))
    @APIResponse(
            responseCode = "400",
            description = "No texts, too many, or an invalid text",
            content = @Content(schema = @Schema(implementation = ClassifyError.class)))
    @APIResponse(responseCode = "401", description = "No valid bearer token")
    @APIResponse(responseCode = "403", description = "The token lacks the client role")
    @APIResponse(
            responseCode = "413",
            description = "Body larger than streamtune.rest.max-body-bytes",
            content = @Content(schema = @Schema(implementation = ClassifyError.class)))
    @APIResponse(
            responseCode = "429",
            description = "Rate limit of this client exceeded; see Retry-After",
            content = @Content(schema = @Schema(implementation = ClassifyError.class)))
    @APIResponse(responseCode = "503", description = "No model loaded yet, or too many texts waiting (Retry-After)")
    @APIResponse(responseCode = "504", description = "Not classified in time")
    public CompletionStage<Response> classify(InputStream body) {
        int maxBytes = config.rest().maxBodyBytes();
        byte[] bytes;
        try {
            bytes = body.readNBytes(maxBytes + 1);
        } catch (IOException e) {
            return done(Response.Status.BAD_REQUEST, new ClassifyError("cannot read the body: " + e, List.of()));
        }
        if (bytes.length > maxBytes) {
            return CompletableFuture.completedFuture(tooLarge(maxBytes).toResponse());
        }
        ClassifyRequest request;
        try {
            request = bytes.length == 0 ? null : Json.mapper().readValue(bytes, ClassifyRequest.class);
        } catch (JsonProcessingException e) {
            return done(
                    Response.Status.BAD_REQUEST,
                    new ClassifyError("malformed JSON: " + e.getOriginalMessage(), List.of()));
        } catch (IOException e) {
            return done(Response.Status.BAD_REQUEST, new ClassifyError("cannot read the body: " + e, List.of()));
        }
        List<String> texts = request == null ? List.of() : request.all();
        if (texts.isEmpty()) {
            return done(Response.Status.BAD_REQUEST, new ClassifyError("give 'text' or 'texts'", List.of()));
        }
        if (texts.size() > config.rest().maxTexts()) {
            return done(
                    Response.Status.BAD_REQUEST,
                    new ClassifyError(
                            texts.size() + " texts, at most " + config.rest().maxTexts()
                                    + " per request (streamtune.rest.max-texts)",
                            List.of()));
        }
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            if (validator.checkTextValue(texts.get(i)) instanceof Validated.Invalid<String> invalid) {
                problems.add("texts[" + i + "]: " + invalid.rejection().reason());
            }
        }
        if (!problems.isEmpty()) {
            return done(Response.Status.BAD_REQUEST, new ClassifyError("invalid input", problems));
        }
        return engine.submit(texts, true)
                .orTimeout(config.rest().timeout().toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(ClassifyResource::ok)
                .exceptionally(ClassifyResource::failed);
    }

    private static Response ok(EngineResult result) {
        List<ClassifyResponse.Item> items = new ArrayList<>(result.outcomes().size());
        for (ClassifyOutcome outcome : result.outcomes()) {
            if (outcome instanceof ClassifyOutcome.Success success) {
                Classification c = success.classification();
                items.add(new ClassifyResponse.Item(
                        c.label(),
                        c.confidence(),
                        c.scores(result.labels()),
                        c.tokens(),
                        c.tokens() > c.keptTokens(),
                        null));
            } else {
                items.add(new ClassifyResponse.Item(
                        null, null, null, null, null, ((ClassifyOutcome.Failure) outcome).reason()));
            }
        }
        return Response.ok(new ClassifyResponse(result.model(), result.version(), items))
                .build();
    }

    private static Response failed(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof InferenceException inference && inference.isNoModel()) {
            return Response.status(Response.Status.SERVICE_UNAVAILABLE)
                    .entity(new ClassifyError("no model loaded yet", List.of()))
                    .build();
        }
        if (cause instanceof EngineOverloadedException overloaded) {
            return Response.status(Response.Status.SERVICE_UNAVAILABLE)
                    .header("Retry-After", "1")
                    .entity(new ClassifyError("too busy: " + overloaded.getMessage(), List.of()))
                    .build();
        }
        if (cause instanceof TimeoutException) {
            return Response.status(Response.Status.GATEWAY_TIMEOUT)
                    .entity(new ClassifyError("not classified in time", List.of()))
                    .build();
        }
        return Response.serverError()
                .entity(new ClassifyError("classification failed: " + cause.getMessage(), List.of()))
                .build();
    }

    /** 413 for a body over {@code maxBytes}. */
    static RestResponse<ClassifyError> tooLarge(int maxBytes) {
        return RestResponse.ResponseBuilder.create(
                        RestResponse.Status.PAYLOAD_TOO_LARGE,
                        new ClassifyError(
                                "request body larger than " + maxBytes + " bytes (streamtune.rest.max-body-bytes)",
                                List.of()))
                .type(MediaType.APPLICATION_JSON_TYPE)
                .build();
    }

    private static CompletionStage<Response> done(Response.Status status, ClassifyError error) {
        return CompletableFuture.completedFuture(
                Response.status(status).entity(error).build());
    }
}
