package dev.streamtune.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamtune.deploy.Installations;
import dev.streamtune.deploy.Kustomize;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;

/** One rendered installation ({@code kubectl kustomize deploy/kubernetes/<dir>}) and what the tests take from it. */
record Installation(String name, List<ObjectNode> objects) {

    static Installation render(String dir) {
        Kustomize.requireKubectl();
        Path path = Installations.kubernetesDir().resolve(dir);
        return new Installation(dir, Kustomize.render(path));
    }

    List<ObjectNode> ofKind(String kind) {
        return objects.stream()
                .filter(o -> o.path("kind").asText().equals(kind))
                .toList();
    }

    ObjectNode named(String kind, String name) {
        return ofKind(kind).stream()
                .filter(o -> o.at("/metadata/name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(this.name + ": no " + kind + " " + name));
    }

    /** The one StatefulSet whose pods carry {@code app.kubernetes.io/component=component}. */
    ObjectNode statefulSet(String component) {
        List<ObjectNode> found = ofKind("StatefulSet").stream()
                .filter(o -> component.equals(o.at("/spec/template/metadata/labels/app.kubernetes.io~1component")
                        .asText()))
                .toList();
        if (found.size() != 1) {
            throw new IllegalStateException(name + ": " + found.size() + " StatefulSets of component " + component);
        }
        return found.get(0);
    }

    /** The KafkaUser whose Secret a StatefulSet reads its SCRAM JAAS configuration from. */
    ObjectNode kafkaUserOf(ObjectNode statefulSet, String variable) {
        for (JsonNode container : statefulSet.at("/spec/template/spec/containers")) {
            for (JsonNode env : container.path("env")) {
                if (env.path("name").asText().equals(variable)) {
                    return named(
                            "KafkaUser", env.at("/valueFrom/secretKeyRef/name").asText());
                }
            }
        }
        throw new IllegalStateException(statefulSet.at("/metadata/name").asText() + " does not read " + variable);
    }

    /** The broker settings of the Kafka resource ({@code spec.kafka.config}), as strings. */
    Map<String, String> brokerConfig() {
        ObjectNode kafka = ofKind("Kafka").get(0);
        var config = new LinkedHashMap<String, String>();
        kafka.at("/spec/kafka/config")
                .fields()
                .forEachRemaining(f -> config.put(f.getKey(), f.getValue().asText()));
        return config;
    }

    /** Whether the Kafka resource turns on simple authorization (Kafka's StandardAuthorizer in KRaft). */
    boolean simpleAuthorization() {
        return ofKind("Kafka")
                .get(0)
                .at("/spec/kafka/authorization/type")
                .asText()
                .equals("simple");
    }

    /** Strimzi's {@code spec.kafka.authorization.superUsers}; none expected. */
    List<String> superUsers() {
        var users = new java.util.ArrayList<String>();
        ofKind("Kafka").get(0).at("/spec/kafka/authorization/superUsers").forEach(u -> users.add(u.asText()));
        return users;
    }

    /** Every KafkaTopic as the topic operator creates it. */
    List<NewTopic> topics() {
        return ofKind("KafkaTopic").stream().map(Installation::newTopic).toList();
    }

    private static NewTopic newTopic(ObjectNode topic) {
        String name = Optional.of(topic.at("/spec/topicName").asText())
                .filter(n -> !n.isEmpty())
                .orElse(topic.at("/metadata/name").asText());
        var config = new LinkedHashMap<String, String>();
        topic.at("/spec/config")
                .fields()
                .forEachRemaining(f -> config.put(f.getKey(), f.getValue().asText()));
        return new NewTopic(name, Optional.of(topic.at("/spec/partitions").asInt(1)), Optional.of((short)
                        topic.at("/spec/replicas").asInt(1)))
                .configs(config);
    }
}
