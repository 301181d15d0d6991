package dev.streamtune.trainer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.kafka.TopicAccess;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/**
 * The start-up topic check against the standard authorizer: a topic the user has no ACL for is reported as not
 * authorized (where Kafka Streams, waiting for its source topics, would take it for a missing one), a topic it may read
 * but that does not exist as missing.
 */
@WithEmbeddedKafka(
        sasl = true,
        brokerProperties = {
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            // the PLAINTEXT listener (inter-broker, controller, the test's admin) is the operator
            "super.users=User:ANONYMOUS"
        })
class TopicAccessAuthorizationTest {

    @Test
    void shouldTellATopicWithoutAnAclFromAMissingOne(EmbeddedKafkaBroker kafka) throws Exception {
        kafka.admin()
                .createTopics(List.of(
                        new NewTopic("access.granted", Optional.of(1), Optional.empty()),
                        new NewTopic("access.not-granted", Optional.of(1), Optional.empty())))
                .all()
                .get();
        String principal = "User:" + kafka.scramUsers().get(0).name();
        kafka.admin()
                .createAcls(List.of("access.granted", "access.missing").stream()
                        .map(t -> new AclBinding(
                                new ResourcePattern(ResourceType.TOPIC, t, PatternType.LITERAL),
                                new AccessControlEntry(principal, "*", AclOperation.READ, AclPermissionType.ALLOW)))
                        .toList())
                .all()
                .get();

        // the broker applies new ACLs from its metadata log a moment after they are created
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            TopicAccess.Report report = TopicAccess.check(
                    kafka.clientSecurityProperties(),
                    List.of("access.granted", "access.not-granted", "access.missing"),
                    Duration.ofSeconds(30));

            assertThat(report.unauthorized()).containsExactly("access.not-granted");
            assertThat(report.missing()).containsExactly("access.missing");
            assertThat(report.ok()).isFalse();
        });
    }
}
