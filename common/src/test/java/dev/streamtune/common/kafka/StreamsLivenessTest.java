package dev.streamtune.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StreamsLivenessTest {

    /** Waiting for the broker or topics (CREATED) and rebalancing are not reasons to restart. */
    @ParameterizedTest
    @EnumSource(
            value = KafkaStreams.State.class,
            names = {"CREATED", "REBALANCING", "RUNNING"})
    void shouldBeAliveWhileWaitingRebalancingOrRunning(KafkaStreams.State state) {
        assertThat(StreamsLiveness.problem(state)).isEmpty();
        assertThat(StreamsLiveness.response(state).getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    }

    @ParameterizedTest
    @EnumSource(
            value = KafkaStreams.State.class,
            names = {"PENDING_ERROR", "ERROR", "PENDING_SHUTDOWN", "NOT_RUNNING"})
    void shouldAskForARestartOnceFailedOrStopped(KafkaStreams.State state) {
        assertThat(StreamsLiveness.problem(state))
                .hasValueSatisfying(reason -> assertThat(reason).contains(state.name()));
        HealthCheckResponse response = StreamsLiveness.response(state);
        assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(response.getData())
                .hasValueSatisfying(data ->
                        assertThat(data).containsEntry("state", state.name()).containsKey("reason"));
    }
}
