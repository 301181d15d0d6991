package dev.streamtune.trainer.health;

import dev.streamtune.trainer.console.ConsoleHistoryService;
import dev.streamtune.trainer.console.MonitoringHistory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Down when the console's follower of the monitoring topic has stopped (an error ended its thread) or has failed to
 * read for longer than {@link #MAX_FAILING}: it retries on its own with a back-off up to a minute, so a failure that
 * outlasts several retries is one a restart should clear. Up before it has started.
 */
@Liveness
@ApplicationScoped
public class ConsoleHistoryLivenessCheck implements HealthCheck {

    /** Failing longer than this (several back-off rounds) counts as stuck. */
    public static final Duration MAX_FAILING = Duration.ofMinutes(5);

    static final String NAME = "trainer-console-history";

    @Inject
    ConsoleHistoryService console;

    @Inject
    Clock clock;

    @Override
    public HealthCheckResponse call() {
        return response(console.health(), clock.instant());
    }

    /** The check's answer for {@code health} at {@code now}. */
    public static HealthCheckResponse response(Optional<MonitoringHistory.Health> health, Instant now) {
        var response = HealthCheckResponse.named(NAME);
        Optional<String> problem = health.flatMap(h -> problem(h, now));
        return problem.isPresent()
                ? response.down().withData("reason", problem.get()).build()
                : response.up().build();
    }

    static Optional<String> problem(MonitoringHistory.Health health, Instant now) {
        String failure = health.lastFailure().orElse("unknown");
        if (health.stopped()) {
            return Optional.of("stopped following the monitoring topic: " + failure);
        }
        return health.failingSince()
                .filter(since -> Duration.between(since, now).compareTo(MAX_FAILING) > 0)
                .map(since -> "failing to read the monitoring topic since " + since + ": " + failure);
    }
}
