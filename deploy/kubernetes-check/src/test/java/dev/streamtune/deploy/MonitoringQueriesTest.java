package dev.streamtune.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The metric names the alerts and dashboard read: the services' own (checked against their /q/metrics by
 * TrainerFlowTest and InferenceAppTest) and Kafka Exporter's.
 */
class MonitoringQueriesTest {

    /** Kafka Exporter's series the queries may use (its documented metrics; Strimzi deploys it). */
    private static final Set<String> KAFKA_EXPORTER =
            Set.of("kafka_consumergroup_lag", "kafka_topic_partition_current_offset");

    @Test
    void shouldFindTheMetricsOfAnExpression() {
        assertThat(MonitoringQueries.metricNames("(sum by (namespace) (rate(a_total{result=\"committed\"}[10m])) == 0)"
                        + " and on (namespace) (sum by (namespace, consumergroup) (delta(b{x=~\"c-.*\"}[5m])) > 0)"))
                .containsExactlyInAnyOrder("a_total", "b");
        assertThat(MonitoringQueries.metricNames(
                        "histogram_quantile(0.99, sum by (le) (rate(lat_seconds_bucket{ns=\"$namespace\"}[5m])))"))
                .containsExactly("lat_seconds_bucket");
        assertThat(MonitoringQueries.metricNames("time() - max by (job) (ts_seconds > 0) > 14 * 86400"))
                .containsExactly("ts_seconds");
    }

    @Test
    void shouldReadOnlyServiceAndKafkaExporterMetrics() {
        Set<String> names = MonitoringQueries.metricNames(Installations.kubernetesDir());

        assertThat(names)
                .allMatch(n -> n.startsWith("streamtune_trainer_")
                        || n.startsWith("streamtune_inference_")
                        || KAFKA_EXPORTER.contains(n))
                .contains("kafka_consumergroup_lag", "streamtune_trainer_drift_alerts_total");
        assertThat(MonitoringQueries.expressions(Installations.kubernetesDir())).hasSizeGreaterThan(20);
    }
}
