package dev.streamtune.trainer.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.util.List;
import java.util.Map;
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
 * The trainer's state topic on a broker with the standard authorizer, as the trainer's SCRAM user: with the ACLs its
 * KafkaUser grants (Describe, Read, Write on the topic, no Create) an operator-created topic is used as it is; a
 * missing topic it may not create fails start-up with a message naming the operator's job.
 */
@WithEmbeddedKafka(
        sasl = true,
        brokerProperties = {
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            // the PLAINTEXT listener (inter-broker, controller, the test's admin) is the operator
            "super.users=User:ANONYMOUS"
        })
class TrainerStateStoreAuthorizationTest {

    private static final List<AclOperation> USE = List.of(AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE);

    @Test
    void shouldUseAnOperatorCreatedTopicWithoutCreatePermission(EmbeddedKafkaBroker kafka) throws Exception {
        String topic = "trainer.state.existing";
        kafka.admin()
                .createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())
                        .configs(Map.of("cleanup.policy", "compact"))))
                .all()
                .get();
        grant(kafka, topic, USE);

        try (var store = new TrainerStateStore(topic, trainerClient(kafka))) {
            store.ensureTopic();
            store.save(TrainerState.initial("m").withPending(manualTrigger()));

            assertThat(store.load("m").pending()).isNotNull();
        }
    }

    @Test
    void shouldAskTheOperatorToCreateAMissingTopicItMayNotCreate(EmbeddedKafkaBroker kafka) throws Exception {
        String topic = "trainer.state.missing";
        grant(kafka, topic, USE);

        try (var store = new TrainerStateStore(topic, trainerClient(kafka))) {
            assertThatThrownBy(store::ensureTopic)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("does not exist")
                    .hasMessageContaining("operator must create it")
                    .hasMessageContaining("KafkaTopic");
        }
        assertThat(kafka.admin().listTopics().names().get()).doesNotContain(topic);
    }

    @Test
    void shouldCreateAMissingTopicWhereAllowed(EmbeddedKafkaBroker kafka) throws Exception {
        String topic = "trainer.state.creatable";
        grant(kafka, topic, List.of(AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE));

        try (var store = new TrainerStateStore(topic, trainerClient(kafka))) {
            store.ensureTopic();
        }
        var description = kafka.admin()
                .describeTopics(List.of(topic))
                .allTopicNames()
                .get()
                .get(topic);
        assertThat(description.partitions()).hasSize(1);
    }

    private static Map<String, Object> trainerClient(EmbeddedKafkaBroker kafka) {
        return kafka.clientSecurityProperties();
    }

    private static void grant(EmbeddedKafkaBroker kafka, String topic, List<AclOperation> operations) throws Exception {
        String principal = "User:" + kafka.scramUsers().get(0).name();
        var bindings = operations.stream()
                .map(op -> new AclBinding(
                        new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                        new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)))
                .toList();
        kafka.admin().createAcls(bindings).all().get();
    }

    private static TrainerState.Trigger manualTrigger() {
        return new TrainerState.Trigger("MANUAL", "test", "tester", java.time.Instant.parse("2026-01-01T00:00:00Z"));
    }
}
