package dev.streamtune.trainer.rest;

import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.trainer.TrainerService;
import dev.streamtune.trainer.dataset.DatasetStats;
import dev.streamtune.trainer.publish.RegistryWriteException;
import dev.streamtune.trainer.security.RestSecurity;
import dev.streamtune.trainer.trigger.TrainerState;
import dev.streamtune.trainer.trigger.TrainerStateStore;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Status, model versions, manual training and promotion/rollback. Reading needs the viewer (or operator) role, every
 * change the operator role (role names: {@code streamtune.security.roles.*}); each change is audited under the
 * caller's token subject.
 */
@Path("/trainer")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "trainer")
public class TrainerResource {

    @Inject
    TrainerService trainer;

    @Inject
    SecurityIdentity identity;

    /**
     * Why (optional). {@code requestedBy} is only recorded where authentication is off: otherwise the caller is the
     * token's subject.
     */
    public record Request(String requestedBy, String reason) {}

    public record DatasetStatus(
            long examples,
            Map<String, Long> perSplit,
            Map<String, Map<String, Long>> perSplitAndLabel,
            long changes,
            long unseenChanges,
            long rejected) {}

    public record ModelSummary(
            long version,
            RegistryStatus status,
            boolean live,
            boolean rollback,
            String uri,
            List<String> labels,
            Double validationMacroF1,
            Double validationAccuracy,
            Double testMacroF1,
            Double testAccuracy,
            List<String> reasons,
            Instant createdAt,
            Instant ts) {}

    public record Status(
            String model,
            boolean ready,
            DatasetStatus dataset,
            TrainerState.Run running,
            Object progress,
            TrainerState.Trigger pending,
            TrainerState.Run lastRun,
            String nextRun,
            ModelSummary champion) {}

    @GET
    @Path("/status")
    @RolesAllowed({"${streamtune.security.roles.viewer}", "${streamtune.security.roles.operator}"})
    @Operation(summary = "Dataset size per split and label, the current or last run, the next run and the champion")
    public Status status() {
        if (!trainer.ready()) {
            return new Status(trainer.model(), false, null, null, null, null, null, "not ready", null);
        }
        DatasetStats stats = trainer.datasetStats();
        TrainerState state = trainer.scheduler().state();
        Map<String, Long> perSplit = new java.util.LinkedHashMap<>();
        stats.labelCounts().keySet().forEach(split -> perSplit.put(split, stats.total(split)));
        var dataset = new DatasetStatus(
                stats.total(),
                perSplit,
                stats.labelCounts(),
                stats.changeCount(),
                stats.changeCount() - state.changeCountAtLastRun(),
                stats.rejected());
        var running = trainer.scheduler().active().map(a -> a.run()).orElse(null);
        return new Status(
                trainer.model(),
                true,
                dataset,
                running,
                running == null ? null : trainer.progress().orElse(null),
                state.pending(),
                state.lastRun(),
                trainer.scheduler().nextRun(),
                trainer.champion().map(c -> summary(c, true)).orElse(null));
    }

    @GET
    @Path("/models")
    @RolesAllowed({"${streamtune.security.roles.viewer}", "${streamtune.security.roles.operator}"})
    @Operation(summary = "Every version of the model, published or rejected, with its metrics")
    public List<ModelSummary> models() {
        Long live = trainer.champion().map(ModelRegistryEvent::version).orElse(null);
        return trainer.versions().stream()
                .map(v -> summary(v, live != null && live == v.version()))
                .toList();
    }

    @POST
    @Path("/train")
    @RolesAllowed("${streamtune.security.roles.operator}")
    @Operation(
            summary = "Ask for a training run; it starts when no other run is in progress (remembered across restarts)")
    public RestResponse<TrainerState.Trigger> train(Request request) {
        Request r = request == null ? new Request(null, null) : request;
        return RestResponse.accepted(
                trainer.requestTraining(r.reason() == null ? "REST request" : r.reason(), actor(r)));
    }

    @POST
    @Path("/models/{version}/promote")
    @RolesAllowed("${streamtune.security.roles.operator}")
    @Operation(summary = "Make a published version live (a rollback when it is older than the live one)")
    public ModelSummary promote(@PathParam("version") long version, Request request) throws IOException {
        Request r = request == null ? new Request(null, null) : request;
        return summary(trainer.promote(version, actor(r), r.reason()), true);
    }

    @POST
    @Path("/rollback")
    @RolesAllowed("${streamtune.security.roles.operator}")
    @Operation(summary = "Make the newest published version older than the live one live again")
    public ModelSummary rollback(Request request) throws IOException {
        Request r = request == null ? new Request(null, null) : request;
        return summary(trainer.rollback(actor(r), r.reason()), true);
    }

    /** The token's subject; where authentication is off, "anonymous" and what the request says about itself. */
    private String actor(Request r) {
        return RestSecurity.caller(identity)
                .orElse(
                        r.requestedBy() == null || r.requestedBy().isBlank()
                                ? "anonymous"
                                : "anonymous (says " + r.requestedBy() + ")");
    }

    @ServerExceptionMapper
    public RestResponse<Map<String, String>> notFound(NoSuchElementException e) {
        return RestResponse.status(Response.Status.NOT_FOUND, Map.of("error", e.getMessage()));
    }

    /**
     * A promotion or rollback whose registry write did not complete: 503 when nothing was written (ask again later),
     * 504 when the outcome is unknown (the broker stayed out of reach; {@code GET /models} says whether it happened).
     */
    @ServerExceptionMapper
    public RestResponse<Map<String, String>> registryWrite(RegistryWriteException e) {
        if (e.outcome() == RegistryWriteException.Outcome.UNKNOWN) {
            return RestResponse.status(
                    Response.Status.GATEWAY_TIMEOUT,
                    Map.of(
                            "error",
                            e.getMessage(),
                            "outcome",
                            "unknown: GET /models shows whether the change was made"));
        }
        return RestResponse.ResponseBuilder.<Map<String, String>>create(Response.Status.SERVICE_UNAVAILABLE)
                .entity(Map.of("error", e.getMessage(), "outcome", "not written"))
                .header("Retry-After", "30")
                .build();
    }

    /** A training request before the trainer has read its state (the broker out of reach at start-up). */
    @ServerExceptionMapper
    public RestResponse<Map<String, String>> notStarted(TrainerService.NotStartedException e) {
        return RestResponse.ResponseBuilder.<Map<String, String>>create(Response.Status.SERVICE_UNAVAILABLE)
                .entity(Map.of("error", e.getMessage()))
                .header("Retry-After", "10")
                .build();
    }

    /** A training request whose trigger could not be saved (the broker out of reach): nothing was asked for. */
    @ServerExceptionMapper
    public RestResponse<Map<String, String>> stateUnavailable(TrainerStateStore.UnavailableException e) {
        return RestResponse.ResponseBuilder.<Map<String, String>>create(Response.Status.SERVICE_UNAVAILABLE)
                .entity(Map.of("error", e.getMessage(), "outcome", "not requested: ask again"))
                .header("Retry-After", "10")
                .build();
    }

    /** The dataset and registry stores before Kafka Streams runs (start-up, a rebalance, the broker out of reach). */
    @ServerExceptionMapper
    public RestResponse<Map<String, String>> storesNotReady(InvalidStateStoreException e) {
        return RestResponse.ResponseBuilder.<Map<String, String>>create(Response.Status.SERVICE_UNAVAILABLE)
                .entity(Map.of("error", "the trainer's dataset is not readable yet: " + e.getMessage()))
                .header("Retry-After", "10")
                .build();
    }

    @ServerExceptionMapper
    public RestResponse<Map<String, String>> conflict(IllegalStateException e) {
        return RestResponse.status(Response.Status.CONFLICT, Map.of("error", e.getMessage()));
    }

    private static ModelSummary summary(ModelRegistryEvent e, boolean live) {
        ClassificationMetrics val = e.manifest() == null ? null : e.manifest().validationMetrics();
        ClassificationMetrics test = e.manifest() == null ? null : e.manifest().testMetrics();
        return new ModelSummary(
                e.version(),
                e.status(),
                live,
                e.rollback(),
                e.uri(),
                e.manifest() == null ? List.of() : e.manifest().labels(),
                val == null ? null : val.macroF1(),
                val == null ? null : val.accuracy(),
                test == null ? null : test.macroF1(),
                test == null ? null : test.accuracy(),
                e.reasons(),
                e.manifest() == null ? null : e.manifest().createdAt(),
                e.ts());
    }
}
