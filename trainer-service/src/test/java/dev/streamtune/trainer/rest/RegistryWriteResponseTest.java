package dev.streamtune.trainer.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.event.AuditEvent;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.trainer.audit.AuditTrail;
import dev.streamtune.trainer.publish.RegistryWriteException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jboss.resteasy.reactive.RestResponse;
import org.junit.jupiter.api.Test;

/**
 * A promotion whose registry write did not complete is not a conflict: the caller learns whether nothing was written
 * (503, ask again) or the outcome is unknown (504, the models list says), and the audit trail says the same.
 */
class RegistryWriteResponseTest {

    @Test
    void shouldAnswerUnknownOutcomeWith504AndNotWrittenWith503AndRetryAfter() {
        TrainerResource resource = new TrainerResource();

        RestResponse<?> unknown = resource.registryWrite(
                new RegistryWriteException("broker out of reach", RegistryWriteException.Outcome.UNKNOWN, false, null));
        assertThat(unknown.getStatus()).isEqualTo(504);
        assertThat(unknown.getEntity().toString())
                .contains("broker out of reach")
                .contains("GET /models");

        RestResponse<?> notWritten = resource.registryWrite(
                new RegistryWriteException("aborted", RegistryWriteException.Outcome.NOT_WRITTEN, false, null));
        assertThat(notWritten.getStatus()).isEqualTo(503);
        assertThat(notWritten.getHeaderString("Retry-After")).isEqualTo("30");
    }

    @Test
    void shouldAuditAnUnconfirmedChangeAsSuchAndReadItBack() {
        List<MonitoringEvent> events = new ArrayList<>();
        new AuditTrail("m", "trainer-0", events::add, Clock.systemUTC())
                .unconfirmed("alice", AuditTrail.PROMOTE, 3L, 2L, "hotfix", "outcome unknown");

        assertThat(events).singleElement().isInstanceOfSatisfying(AuditEvent.class, e -> {
            assertThat(e.outcome()).isEqualTo(AuditEvent.UNCONFIRMED);
            assertThat(e.actor()).isEqualTo("alice");
        });
        JsonSerde<MonitoringEvent> serde = JsonSerde.of(MonitoringEvent.class);
        byte[] json = serde.serialize("t", events.get(0));
        assertThat(serde.deserialize("t", json)).isEqualTo(events.get(0));
    }
}
