package dev.streamtune.trainer.rest;

import dev.streamtune.trainer.console.ConsoleHistoryService;
import dev.streamtune.trainer.console.MonitoringHistory;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The model console's data (the page itself is {@code /console/}): this model's history from the monitoring topic —
 * training curves per run, gate decisions with both models' metrics, swaps, drift windows, alerts, errors and audited
 * changes. Versions and status come from {@code /trainer/models} and {@code /trainer/status}. Viewer or operator role.
 */
@Path("/trainer/console")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "trainer")
public class ConsoleResource {

    @Inject
    ConsoleHistoryService history;

    public record History(String model, MonitoringHistory.Snapshot history) {}

    @GET
    @Path("/history")
    @RolesAllowed({"${streamtune.security.roles.viewer}", "${streamtune.security.roles.operator}"})
    @Operation(summary = "This model's history from the monitoring topic, for the console")
    public History history() {
        return new History(history.model(), history.snapshot());
    }
}
