package dev.streamtune.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.topic.Topic;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every installation agrees with the code it deploys: topics with the catalogue, KEDA with the inference service's
 * group and topic, ACLs with every Kafka name the services use, probes and scrape targets with the services' ports,
 * Secrets with the README, ConfigMap references with the ConfigMaps rendered, bearer-token verification with a
 * mounted public key and one issuer, the inference service's artifact confinement with its trainer's store, network
 * policies with the API and management ports, images with the release, pods with the hardening and thread sizing the
 * README promises.
 */
class ManifestCrossCheckTest {

    static List<String> installations() {
        return List.copyOf(Installations.rendered().keySet());
    }

    private static List<ObjectNode> objects(String installation) {
        return Installations.rendered().get(installation);
    }

    private static List<ObjectNode> ofKind(String installation, String kind) {
        return objects(installation).stream()
                .filter(o -> o.path("kind").asText().equals(kind))
                .toList();
    }

    private static ObjectNode named(String installation, String kind, String name) {
        return ofKind(installation, kind).stream()
                .filter(o -> o.at("/metadata/name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(installation + ": no " + kind + " " + name));
    }

    @ParameterizedTest
    @MethodSource("installations")
    void shouldCreateTheCatalogueTopicsWithTheirSettings(String installation) {
        Map<String, Topic<?, ?>> catalogue = new TreeMap<>();
        StreamtuneTopics.all().forEach(t -> catalogue.put(t.name(), t));
        var topics = new TreeMap<String, JsonNode>();
        ofKind(installation, "KafkaTopic")
                .forEach(t -> topics.put(t.at("/spec/topicName").asText(), t));

        assertThat(topics).containsKeys(catalogue.keySet().toArray(String[]::new));
        topics.forEach((name, resource) -> {
            // a second model's topics (streamtune.<model>.<topic>) take the catalogue topic's settings
            String catalogueName = !name.equals("streamtune.trainer.state") && name.split("\\.").length == 3
                    ? "streamtune." + name.split("\\.")[2]
                    : name;
            Map<String, String> config = new TreeMap<>();
            resource.at("/spec/config")
                    .fields()
                    .forEachRemaining(f -> config.put(f.getKey(), f.getValue().asText()));
            config.remove("min.insync.replicas");
            if (catalogueName.equals("streamtune.trainer.state")) {
                assertThat(config).as(name).containsEntry("cleanup.policy", "compact");
                assertThat(resource.at("/spec/partitions").asInt()).isEqualTo(1);
            } else {
                assertThat(catalogue)
                        .as(installation + ": " + name + " is no catalogue topic")
                        .containsKey(catalogueName);
                assertThat(config)
                        .as(name)
                        .isEqualTo(catalogue.get(catalogueName).creationConfigs());
                assertThat(resource.at("/spec/partitions").asInt())
                        .as(name + " partitions")
                        .isEqualTo(
                                topics.get(catalogueName).at("/spec/partitions").asInt());
            }
        });
        for (Workload w : workloads(installation)) {
            for (String topic : usedTopics(w)) {
                assertThat(topics)
                        .as(installation + ": " + w.name() + " uses " + topic)
                        .containsKey(topic);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("installations")
    void shouldScaleOnTheGroupAndTopicOfTheServiceItScales(String installation) {
        String namespace = named(installation, "Kafka", "streamtune")
                .at("/metadata/namespace")
                .asText();
        List<ObjectNode> scaledObjects = ofKind(installation, "ScaledObject");
        assertThat(scaledObjects).hasSameSizeAs(Workload.of(objects(installation), "inference"));
        for (ObjectNode scaled : scaledObjects) {
            assertThat(scaled.at("/spec/scaleTargetRef/kind").asText()).isEqualTo("StatefulSet");
            String target = scaled.at("/spec/scaleTargetRef/name").asText();
            Workload inference = Workload.of(objects(installation), "inference").stream()
                    .filter(w -> w.name().equals(target))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("ScaledObject targets no inference StatefulSet: " + target));
            JsonNode trigger = scaled.at("/spec/triggers/0/metadata");
            String texts = inference.config("streamtune.topics.texts").orElse(StreamtuneTopics.TEXTS_NAME);

            assertThat(trigger.path("consumerGroup").asText())
                    .isEqualTo(inference.config("streamtune.stream.group-id").orElseThrow());
            assertThat(trigger.path("topic").asText()).isEqualTo(texts);
            assertThat(trigger.path("bootstrapServers").asText())
                    .isEqualTo("streamtune-kafka-bootstrap." + namespace + ".svc:9093");
            assertThat(scaled.at("/spec/maxReplicaCount").asInt())
                    .as("max replicas <= partitions of " + texts)
                    .isLessThanOrEqualTo(
                            topic(installation, texts).at("/spec/partitions").asInt());
            String auth = scaled.at("/spec/triggers/0/authenticationRef/name").asText();
            ObjectNode authentication = named(installation, "TriggerAuthentication", auth);
            ObjectNode kedaUser = named(
                    installation,
                    "KafkaUser",
                    authentication.at("/spec/secretTargetRef/0/name").asText());
            assertThat(allows(kedaUser, "group", trigger.path("consumerGroup").asText(), "Describe"))
                    .isTrue();
            assertThat(allows(kedaUser, "topic", texts, "Describe")).isTrue();
            ObjectNode usernames = named(
                    installation,
                    "ConfigMap",
                    authentication.at("/spec/configMapTargetRef/0/name").asText());
            assertThat(usernames.at("/data/username").asText())
                    .isEqualTo(kedaUser.at("/metadata/name").asText());
        }
    }

    @ParameterizedTest
    @MethodSource("installations")
    void shouldGrantTheTrainerEveryAclItUses(String installation) {
        for (Workload trainer : Workload.of(objects(installation), "trainer")) {
            ObjectNode user = userOf(installation, trainer);
            String model = trainer.config("streamtune.trainer.model").orElseThrow();
            String applicationId = serviceProperty("trainer-service", "quarkus.kafka-streams.application-id")
                    .replace("${streamtune.trainer.model}", model);
            var needed = new ArrayList<String[]>();
            needed.add(
                    new String[] {"topic", topicOf(trainer, "streamtune.trainer.topics.examples", "examples"), "Read"});
            needed.add(
                    new String[] {"topic", topicOf(trainer, "streamtune.trainer.topics.commands", "commands"), "Read"});
            for (String op : List.of("Read", "Write")) {
                needed.add(new String[] {
                    "topic", topicOf(trainer, "streamtune.trainer.topics.monitoring", "monitoring"), op
                });
                needed.add(new String[] {"topic", topicOf(trainer, "streamtune.trainer.topics.models", "models"), op});
                needed.add(new String[] {"topic", "streamtune.trainer.state", op});
            }
            needed.add(new String[] {"topic", topicOf(trainer, "streamtune.trainer.topics.dlq", "dlq"), "Write"});
            // Kafka Streams: its group, changelog topics, transactional ids; the registry's transactional id
            needed.add(new String[] {"group", applicationId, "Read"});
            for (String op : List.of("Create", "Read", "Write")) {
                needed.add(new String[] {"topic", applicationId + "-dataset-store-changelog", op});
            }
            needed.add(new String[] {"transactionalId", applicationId + "-registry", "Write"});
            needed.add(new String[] {"transactionalId", applicationId + "-0f1e2d3c-1", "Write"});
            assertAllowed(installation, user, needed);
            assertThat(allows(user, "topic", "streamtune.trainer.state", "Create"))
                    .as("the state topic is the operator's (KafkaTopic), not the trainer's to create")
                    .isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource("installations")
    void shouldGrantTheServicesNothingBroad(String installation) {
        // least privilege (deploy/e2e KafkaAclEndToEndIT -Pacl-removal shows each remaining binding is needed): no
        // All, no cluster operation (an idempotent producer needs only Write on a topic), no wildcard, and no Describe
        // beside Read or Write on the same resource (they imply it)
        for (String component : List.of("trainer", "inference")) {
            for (Workload w : Workload.of(objects(installation), component)) {
                ObjectNode user = userOf(installation, w);
                for (JsonNode acl : user.at("/spec/authorization/acls")) {
                    String where = installation + " KafkaUser "
                            + user.at("/metadata/name").asText() + ": " + acl;
                    List<String> operations = new ArrayList<>();
                    acl.path("operations").forEach(o -> operations.add(o.asText()));
                    assertThat(operations).as(where).doesNotContain("All");
                    assertThat(acl.at("/resource/type").asText()).as(where).isNotEqualTo("cluster");
                    assertThat(acl.at("/resource/name").asText()).as(where).doesNotContain("*");
                    if (operations.contains("Read") || operations.contains("Write")) {
                        assertThat(operations).as(where).doesNotContain("Describe");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("installations")
    void shouldGrantTheInferenceServiceEveryAclItUses(String installation) {
        for (Workload inference : Workload.of(objects(installation), "inference")) {
            ObjectNode user = userOf(installation, inference);
            String group = inference.config("streamtune.stream.group-id").orElseThrow();
            String transactionalId = inference
                            .config("streamtune.stream.transactional-id-prefix")
                            .orElseThrow() + inference.name() + "-0";
            String drift =
                    inference.config("quarkus.kafka-streams.application-id").orElseThrow();
            var needed = new ArrayList<String[]>();
            needed.add(new String[] {"topic", topicOf(inference, "streamtune.topics.texts", "texts"), "Read"});
            needed.add(new String[] {"topic", topicOf(inference, "streamtune.topics.models", "models"), "Read"});
            needed.add(
                    new String[] {"topic", topicOf(inference, "streamtune.topics.predictions", "predictions"), "Read"});
            needed.add(
                    new String[] {"topic", topicOf(inference, "streamtune.topics.predictions", "predictions"), "Write"
                    });
            for (String t : List.of("review", "monitoring", "dlq")) {
                needed.add(new String[] {"topic", topicOf(inference, "streamtune.topics." + t, t), "Write"});
            }
            needed.add(new String[] {"group", group, "Read"});
            needed.add(new String[] {"transactionalId", transactionalId, "Write"});
            needed.add(new String[] {"group", drift, "Read"});
            needed.add(new String[] {"transactionalId", drift + "-0f1e2d3c-1", "Write"});
            for (String op : List.of("Create", "Read", "Write")) {
                needed.add(new String[] {"topic", drift + "-drift-windows-changelog", op});
            }
            assertAllowed(installation, user, needed);
        }
    }

    @ParameterizedTest
    @MethodSource("installations")
    void shouldHardenEveryPodAndSizeItsThreadsFromItsCpuRequest(String installation) {
        for (ObjectNode statefulSet : ofKind(installation, "StatefulSet")) {
            String name = installation + " " + statefulSet.at("/metadata/name").asText();
            JsonNode pod = statefulSet.at("/spec/template/spec");
            assertThat(pod.path("enableServiceLinks").asBoolean(true)).as(name).isFalse();
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true))
                    .as(name)
                    .isFalse();
            assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean())
                    .as(name)
                    .isTrue();
            assertThat(pod.at("/securityContext/seccompProfile/type").asText())
                    .as(name)
                    .isEqualTo("RuntimeDefault");
            for (JsonNode c : pod.path("containers")) {
                JsonNode security = c.path("securityContext");
                assertThat(security.path("allowPrivilegeEscalation").asBoolean(true))
                        .as(name)
                        .isFalse();
                assertThat(security.path("readOnlyRootFilesystem").asBoolean())
                        .as(name)
                        .isTrue();
                assertThat(security.at("/capabilities/drop").toString())
                        .as(name)
                        .contains("\"ALL\"");
                String image = c.path("image").asText();
                assertThat(image.contains("@sha256:")
                                || image.substring(image.lastIndexOf('/') + 1).contains(":"))
                        .as(name + " image " + image + " has a tag or digest")
                        .isTrue();
                assertThat(image).as(name).doesNotEndWith(":latest");
                var env = new TreeMap<String, JsonNode>();
                c.path("env").forEach(e -> env.put(e.path("name").asText(), e));
                // Quarkus turns KAFKA_* variables into Kafka client settings and QUARKUS_* into its own
                assertThat(env.keySet()).as(name).noneMatch(n -> n.startsWith("KAFKA_") || n.startsWith("QUARKUS_"));
                assertThat(env.get("CPU_REQUEST")
                                .at("/valueFrom/resourceFieldRef/resource")
                                .asText())
                        .isEqualTo("requests.cpu");
                assertThat(env.get("JAVA_TOOL_OPTIONS").path("value").asText())
                        .contains("-XX:ActiveProcessorCount=$(CPU_REQUEST)");
                assertThat(env.get("OMP_NUM_THREADS").path("value").asText()).isEqualTo("$(CPU_REQUEST)");
                assertThat(c.at("/resources/requests/cpu").asText()).as(name).isNotEmpty();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("installations")
    void shouldProbeAndScrapeTheManagementPortAndServeTheApiOnHttp(String installation) {
        for (ObjectNode statefulSet : ofKind(installation, "StatefulSet")) {
            JsonNode c = statefulSet.at("/spec/template/spec/containers/0");
            Map<String, Integer> ports = new TreeMap<>();
            c.path("ports")
                    .forEach(p -> ports.put(
                            p.path("name").asText(), p.path("containerPort").asInt()));
            assertThat(ports).containsEntry("http", 8080).containsEntry("management", 9000);
            for (String probe : List.of("startup", "readiness", "liveness")) {
                JsonNode get = c.at("/" + probe + "Probe/httpGet");
                assertThat(get.path("port").asText()).isEqualTo("management");
                assertThat(get.path("path").asText())
                        .isEqualTo("/q/health/"
                                + Map.of("startup", "started", "readiness", "ready", "liveness", "live")
                                        .get(probe));
            }
            Map<String, String> podLabels = labels(statefulSet.at("/spec/template/metadata/labels"));
            ObjectNode headless = named(
                    installation, "Service", statefulSet.at("/spec/serviceName").asText());
            assertThat(headless.at("/spec/clusterIP").asText()).isEqualTo("None");
            assertThat(podLabels).containsAllEntriesOf(labels(headless.at("/spec/selector")));
            assertThat(headless.at("/spec/ports/0/targetPort").asText()).isEqualTo("management");
            long scrapers = ofKind(installation, "ServiceMonitor").stream()
                    .filter(m -> labels(headless.at("/metadata/labels"))
                            .entrySet()
                            .containsAll(
                                    labels(m.at("/spec/selector/matchLabels")).entrySet()))
                    .peek(m -> {
                        assertThat(m.at("/spec/endpoints/0/port").asText()).isEqualTo("management");
                        assertThat(m.at("/spec/endpoints/0/path").asText()).isEqualTo("/q/metrics");
                    })
                    .count();
            assertThat(scrapers)
                    .as("ServiceMonitors of " + headless.at("/metadata/name"))
                    .isEqualTo(1);
            long apis = ofKind(installation, "Service").stream()
                    .filter(s -> !s.at("/spec/clusterIP").asText().equals("None"))
                    .filter(s -> podLabels
                            .entrySet()
                            .containsAll(labels(s.at("/spec/selector")).entrySet()))
                    .peek(s -> assertThat(s.at("/spec/ports/0/targetPort").asText())
                            .isEqualTo("http"))
                    .count();
            assertThat(apis).isEqualTo(1);
        }
        for (String service : List.of("trainer-service", "inference-service")) {
            // the management interface, where enabled, must be where the probes look
            if ("true".equals(serviceProperty(service, "quarkus.management.enabled"))) {
                assertThat(Optional.ofNullable(serviceProperty(service, "quarkus.management.port"))
                                .orElse("9000"))
                        .isEqualTo("9000");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("installations")
    void shouldReadOnlySecretsThatStrimziMakesOrTheReadmeDocuments(String installation) throws IOException {
        String readme = Files.readString(Installations.kubernetesDir().resolve("README.md"));
        var users = ofKind(installation, "KafkaUser").stream()
                .map(u -> u.at("/metadata/name").asText())
                .toList();
        for (ObjectNode statefulSet : ofKind(installation, "StatefulSet")) {
            for (String[] ref : secretReferences(statefulSet)) {
                boolean strimzi = users.contains(ref[0]) || ref[0].equals("streamtune-cluster-ca-cert");
                if (!strimzi) {
                    assertThat(readme)
                            .as(installation + ": Secret " + ref[0] + " documented")
                            .contains("`" + ref[0] + "`");
                    if (ref[1] != null) {
                        assertThat(readme)
                                .as(installation + ": Secret " + ref[0] + " key " + ref[1] + " documented")
                                .contains("`" + ref[1] + "`");
                    }
                }
            }
        }
    }

    /**
     * Every Secret a pod reads, with the key (null where it reads all of them): variables ({@code secretKeyRef},
     * {@code envFrom}) of every container, Secret volumes (their items, or the whole Secret), projected volumes.
     */
    static List<String[]> secretReferences(ObjectNode statefulSet) {
        var refs = new ArrayList<String[]>();
        JsonNode pod = statefulSet.at("/spec/template/spec");
        for (String containers : List.of("initContainers", "containers")) {
            for (JsonNode c : pod.path(containers)) {
                c.path("env").forEach(e -> {
                    JsonNode ref = e.at("/valueFrom/secretKeyRef");
                    if (!ref.isMissingNode()) {
                        refs.add(new String[] {
                            ref.path("name").asText(), ref.path("key").asText()
                        });
                    }
                });
                c.path("envFrom").forEach(e -> {
                    if (e.has("secretRef")) {
                        refs.add(new String[] {e.at("/secretRef/name").asText(), null});
                    }
                });
            }
        }
        for (JsonNode v : pod.path("volumes")) {
            var secrets = new ArrayList<JsonNode>();
            if (v.has("secret")) {
                secrets.add(v.path("secret"));
            }
            v.at("/projected/sources").forEach(source -> {
                if (source.has("secret")) {
                    secrets.add(source.path("secret"));
                }
            });
            for (JsonNode secret : secrets) {
                String name = secret.has("secretName")
                        ? secret.path("secretName").asText()
                        : secret.path("name").asText();
                if (secret.path("items").isEmpty()) {
                    refs.add(new String[] {name, null});
                }
                secret.path("items")
                        .forEach(i -> refs.add(new String[] {name, i.path("key").asText()}));
            }
        }
        return refs;
    }

    @ParameterizedTest
    @MethodSource("installations")
    void shouldReadOnlyConfigMapKeysTheInstallationRenders(String installation) {
        List<ObjectNode> objects = objects(installation);
        for (ObjectNode statefulSet : ofKind(installation, "StatefulSet")) {
            String name = installation + " " + statefulSet.at("/metadata/name").asText();
            JsonNode pod = statefulSet.at("/spec/template/spec");
            for (JsonNode c : pod.path("containers")) {
                c.path("env").forEach(e -> {
                    JsonNode ref = e.at("/valueFrom/configMapKeyRef");
                    if (!ref.isMissingNode() && !ref.path("optional").asBoolean(false)) {
                        assertThat(Workload.configMapValue(
                                        objects,
                                        ref.path("name").asText(),
                                        ref.path("key").asText()))
                                .as(name + ": " + e.path("name").asText() + " reads ConfigMap "
                                        + ref.path("name").asText() + " key "
                                        + ref.path("key").asText())
                                .isPresent();
                    }
                });
            }
            for (JsonNode v : pod.path("volumes")) {
                if (v.has("configMap")) {
                    ObjectNode configMap = named(
                            installation, "ConfigMap", v.at("/configMap/name").asText());
                    v.at("/configMap/items").forEach(i -> assertThat(
                                    configMap.path("data").has(i.path("key").asText()))
                            .as(name + ": ConfigMap item " + i.path("key").asText())
                            .isTrue());
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("installations")
    void shouldVerifyBearerTokensWithAPublicKeyFromASecretAndOneIssuer(String installation) {
        var issuers = new TreeMap<String, String>();
        var audiences = new TreeMap<String, String>();
        for (Workload w : workloads(installation)) {
            String name = installation + " " + w.name();
            assertThat(w.config("streamtune.security.enabled").orElse("true"))
                    .as(name + ": REST security stays on")
                    .isEqualTo("true");
            String location = w.config("mp.jwt.verify.publickey.location")
                    .orElseThrow(() -> new AssertionError(name + ": no mp.jwt.verify.publickey.location"));
            if (!location.startsWith("https://")) {
                assertThat(location)
                        .as(name + ": the key is a file or an https JWKS URL")
                        .startsWith("/");
                Workload.Mount mount = w.mountOf(location)
                        .orElseThrow(() -> new AssertionError(name + ": " + location + " is on no volume"));
                assertThat(mount.readOnly())
                        .as(name + ": " + mount.mountPath() + " read-only")
                        .isTrue();
                JsonNode secret = mount.volume().path("secret");
                assertThat(secret.isMissingNode())
                        .as(name + ": " + location + " comes from a Secret")
                        .isFalse();
                String file = location.substring(mount.mountPath().length()).replaceFirst("^/", "");
                JsonNode items = secret.path("items");
                if (items.isEmpty()) {
                    assertThat(file)
                            .as(name + ": the Secret's key is the file name")
                            .doesNotContain("/");
                } else {
                    assertThat(StreamSupport.stream(items.spliterator(), false)
                                    .map(i -> i.path("path").asText()))
                            .as(name + ": " + secret.path("secretName").asText() + " puts " + file + " there")
                            .contains(file);
                }
                assertThat(StreamSupport.stream(items.spliterator(), false)
                                .map(i -> i.path("key").asText()))
                        .as(name + ": only a public key in the pod")
                        .noneMatch(k -> k.contains("private"));
            }
            issuers.put(w.name(), w.config("mp.jwt.verify.issuer").orElse(""));
            audiences.put(w.name(), w.config("mp.jwt.verify.audiences").orElse(""));
        }
        assertThat(new HashSet<>(issuers.values()))
                .as(installation + ": one token issuer " + issuers)
                .hasSize(1)
                .doesNotContain("");
        assertThat(new HashSet<>(audiences.values()))
                .as(installation + ": one audience " + audiences)
                .hasSize(1)
                .doesNotContain("");
    }

    @ParameterizedTest
    @MethodSource("installations")
    void shouldConfineTheInferenceServiceToItsTrainersStore(String installation) {
        List<Workload> trainers = Workload.of(objects(installation), "trainer");
        for (Workload inference : Workload.of(objects(installation), "inference")) {
            String model = inference.config("streamtune.model.name").orElseThrow();
            Workload trainer = trainers.stream()
                    .filter(t ->
                            model.equals(t.config("streamtune.trainer.model").orElse(null)))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(installation + ": no trainer of model " + model));
            String name = installation + " " + inference.name();
            String type = trainer.config("streamtune.trainer.store.type").orElse("filesystem");
            if (type.equals("filesystem")) {
                String root = trainer.config("streamtune.trainer.store.filesystem.root")
                        .orElseThrow(() -> new AssertionError(name + ": the trainer's store root is its default"));
                assertThat(inference.config("streamtune.store.filesystem.root"))
                        .as(name + ": streamtune.store.filesystem.root = the trainer's")
                        .contains(root);
                Workload.Mount written = trainer.mountOf(root).orElseThrow();
                Workload.Mount read = inference.mountOf(root).orElseThrow();
                assertThat(written.mountPath())
                        .as(name + ": the trainer's root is its mount")
                        .isEqualTo(root);
                assertThat(read.mountPath())
                        .as(name + ": the root is the models mount")
                        .isEqualTo(root);
                assertThat(written.readOnly()).isFalse();
                assertThat(read.readOnly())
                        .as(name + " mounts the models read-only")
                        .isTrue();
                assertThat(read.volume().at("/persistentVolumeClaim/claimName").asText())
                        .as(name + ": the trainer's volume")
                        .isNotEmpty()
                        .isEqualTo(written.volume()
                                .at("/persistentVolumeClaim/claimName")
                                .asText());
            } else {
                assertThat(type).isEqualTo("s3");
                assertThat(inference.config("streamtune.store.s3.bucket"))
                        .as(name + ": streamtune.store.s3.bucket = the trainer's (s3:// URIs are refused without)")
                        .isPresent()
                        .isEqualTo(trainer.config("streamtune.trainer.store.s3.bucket"));
                assertThat(inference.config("streamtune.store.s3.prefix"))
                        .as(name + ": streamtune.store.s3.prefix = the trainer's")
                        .isEqualTo(trainer.config("streamtune.trainer.store.s3.prefix"));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("installations")
    void shouldOpenTheApiToCallersAndTheManagementPortToPrometheusOnly(String installation) {
        List<ObjectNode> policies = ofKind(installation, "NetworkPolicy");
        for (ObjectNode statefulSet : ofKind(installation, "StatefulSet")) {
            String name = installation + " " + statefulSet.at("/metadata/name").asText();
            Map<String, String> podLabels = labels(statefulSet.at("/spec/template/metadata/labels"));
            List<JsonNode> rules = policies.stream()
                    .filter(p -> podLabels
                            .entrySet()
                            .containsAll(labels(p.at("/spec/podSelector/matchLabels"))
                                    .entrySet()))
                    .flatMap(p -> StreamSupport.stream(p.at("/spec/ingress").spliterator(), false))
                    .toList();
            Predicate<JsonNode> api = rule -> opens(rule, 8080, "http");
            Predicate<JsonNode> management = rule -> opens(rule, 9000, "management");
            assertThat(rules).as(name + ": the API is open to someone").anyMatch(api);
            assertThat(rules)
                    .as(name + ": Prometheus reaches the management port")
                    .anyMatch(management);
            rules.stream().filter(management).forEach(rule -> assertThat(rule.path("from"))
                    .as(name + ": only Prometheus' namespaces reach 9000: " + rule)
                    .isNotEmpty()
                    .allMatch(peer -> !peer.has("ipBlock")
                            && !peer.has("podSelector")
                            && "allowed"
                                    .equals(peer.at("/namespaceSelector/matchLabels/streamtune.dev~1scrape")
                                            .asText())));
        }
    }

    /** Whether an ingress rule admits a port (by number or name; a rule without ports admits all). */
    private static boolean opens(JsonNode rule, int port, String portName) {
        if (!rule.has("ports") || rule.path("ports").isEmpty()) {
            return true;
        }
        return StreamSupport.stream(rule.path("ports").spliterator(), false)
                .map(p -> p.path("port").asText())
                .anyMatch(p -> p.equals(String.valueOf(port)) || p.equals(portName));
    }

    @ParameterizedTest
    @MethodSource("installations")
    void shouldRunTheImagesOfThisRelease(String installation) {
        String version = projectVersion();
        var images = new TreeMap<String, String>();
        for (ObjectNode statefulSet : ofKind(installation, "StatefulSet")) {
            String component = statefulSet
                    .at("/spec/template/metadata/labels/app.kubernetes.io~1component")
                    .asText();
            Workload w = Workload.of(objects(installation), component).stream()
                    .filter(x ->
                            x.name().equals(statefulSet.at("/metadata/name").asText()))
                    .findFirst()
                    .orElseThrow();
            String image = w.container().path("image").asText();
            String name = installation + " " + w.name() + " image " + image;
            String tag = image.contains("@sha256:") ? null : image.substring(image.lastIndexOf(':') + 1);
            List<String> variants;
            if (component.equals("trainer")) {
                String device = w.config("streamtune.trainer.training.device").orElse("auto");
                variants = device.equals("cpu")
                        ? List.of("cpu")
                        : device.startsWith("gpu") ? List.of("gpu") : List.of("cpu", "gpu");
            } else {
                variants = List.of("");
            }
            String variant = variants.stream()
                    .filter(v -> tag == null || tag.equals(v.isEmpty() ? version : version + "-" + v))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(name + ": the tag is not " + version + " with one of "
                            + variants + " (the release and the variant its settings need)"));
            // the image the service's own build makes (Jib, profile "images"): same repository name and tag form
            String module = component + "-service";
            String repository = image.contains("@sha256:")
                    ? image.substring(0, image.indexOf('@'))
                    : image.substring(0, image.lastIndexOf(':'));
            assertThat(repository)
                    .as(name + ": the repository " + module + " builds")
                    .endsWith("/" + module);
            String jibTarget = "/" + module + ":${image.tag}" + (variant.isEmpty() ? "" : "-${trainer.image.variant}");
            try {
                assertThat(Files.readString(Installations.repositoryRoot().resolve(module + "/pom.xml")))
                        .as(name + ": built by " + module + "/pom.xml (Jib)")
                        .contains(jibTarget + "</image>");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            String previous = images.putIfAbsent(component + variant, image);
            assertThat(previous == null || previous.equals(image))
                    .as(installation + ": every " + component + " " + variant + " runs one image: " + previous + ", "
                            + image)
                    .isTrue();
        }
    }

    /** The Maven project's version without -SNAPSHOT: the images' tag. */
    private static String projectVersion() {
        String version = System.getProperty("streamtune.project.version");
        if (version == null) {
            try {
                String pom = Files.readString(Installations.repositoryRoot().resolve("pom.xml"));
                var m = Pattern.compile("<artifactId>streamtune-parent</artifactId>\\s*<version>([^<]+)</version>")
                        .matcher(pom);
                assertThat(m.find()).as("the root pom's version").isTrue();
                version = m.group(1);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return version.replaceFirst("-SNAPSHOT$", "");
    }

    /** A PEM private key: its header and the start of its Base64 body (a mention of the header alone is no key). */
    private static final Pattern PRIVATE_KEY =
            Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----\\s*[A-Za-z0-9+/]{40}");

    @Test
    void shouldKeepPrivateKeysOutOfTheDeploymentFiles() throws IOException {
        Path deploy = Installations.repositoryRoot().resolve("deploy");
        try (var files = Files.walk(deploy)) {
            var leaks = files.filter(Files::isRegularFile)
                    .filter(f -> !deploy.relativize(f).toString().matches("(.*/)?(target|node_modules)/.*"))
                    .filter(f -> {
                        try {
                            String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                            return PRIVATE_KEY.matcher(text).find();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .map(deploy::relativize)
                    .toList();
            assertThat(leaks).as("private keys under deploy/").isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("installations")
    void shouldDenyByDefaultAndLetTheServicesReachKafkaAndDns(String installation) {
        List<ObjectNode> policies = ofKind(installation, "NetworkPolicy");
        assertThat(policies)
                .anyMatch(p -> p.at("/spec/podSelector").isEmpty()
                        && p.at("/spec/policyTypes").toString().contains("Ingress")
                        && p.at("/spec/policyTypes").toString().contains("Egress")
                        && p.at("/spec/ingress").isMissingNode()
                        && p.at("/spec/egress").isMissingNode());
        for (ObjectNode statefulSet : ofKind(installation, "StatefulSet")) {
            Map<String, String> podLabels = labels(statefulSet.at("/spec/template/metadata/labels"));
            Predicate<Integer> egress = port -> policies.stream()
                    .filter(p -> podLabels
                            .entrySet()
                            .containsAll(labels(p.at("/spec/podSelector/matchLabels"))
                                    .entrySet()))
                    .flatMap(p -> StreamSupport.stream(p.at("/spec/egress").spliterator(), false))
                    .anyMatch(rule -> rule.path("ports").toString().contains("\"port\":" + port));
            assertThat(egress.test(9093))
                    .as(statefulSet.at("/metadata/name") + " reaches Kafka")
                    .isTrue();
            assertThat(egress.test(53))
                    .as(statefulSet.at("/metadata/name") + " reaches DNS")
                    .isTrue();
        }
    }

    private static List<Workload> workloads(String installation) {
        var all = new ArrayList<>(Workload.of(objects(installation), "trainer"));
        all.addAll(Workload.of(objects(installation), "inference"));
        return all;
    }

    private static List<String> usedTopics(Workload w) {
        var topics = new ArrayList<String>();
        boolean trainer = w.literalEnv("STREAMTUNE_TRAINER_MODEL").isPresent();
        String prefix = trainer ? "streamtune.trainer.topics." : "streamtune.topics.";
        for (Topic<?, ?> t : StreamtuneTopics.all()) {
            String shortName = t.name().substring("streamtune.".length());
            topics.add(topicOf(w, prefix + shortName, shortName));
        }
        if (trainer) {
            topics.add(w.config("streamtune.trainer.topics.state").orElse("streamtune.trainer.state"));
        }
        return topics;
    }

    private static String topicOf(Workload w, String key, String shortName) {
        return w.config(key).orElse("streamtune." + shortName);
    }

    private static ObjectNode topic(String installation, String name) {
        return ofKind(installation, "KafkaTopic").stream()
                .filter(t -> t.at("/spec/topicName").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(installation + ": no KafkaTopic for " + name));
    }

    private static ObjectNode userOf(String installation, Workload w) {
        return named(installation, "KafkaUser", w.secretOf("SCRAM_JAAS_CONFIG").orElseThrow());
    }

    private static void assertAllowed(String installation, ObjectNode user, List<String[]> needed) {
        var missing = needed.stream()
                .filter(n -> !allows(user, n[0], n[1], n[2]))
                .map(n -> n[2] + " on " + n[0] + " " + n[1])
                .toList();
        assertThat(missing)
                .as(installation + ": ACLs missing for KafkaUser "
                        + user.at("/metadata/name").asText())
                .isEmpty();
    }

    /** Whether a KafkaUser's ACLs allow an operation on a resource (literal or prefix patterns, All included). */
    static boolean allows(ObjectNode user, String type, String name, String operation) {
        for (JsonNode acl : user.at("/spec/authorization/acls")) {
            JsonNode resource = acl.path("resource");
            if (!resource.path("type").asText().equals(type)) {
                continue;
            }
            String pattern = resource.path("name").asText();
            boolean prefix = resource.path("patternType").asText("literal").equals("prefix");
            boolean matches = prefix ? name.startsWith(pattern) : name.equals(pattern);
            String ops = acl.path("operations").toString();
            if (matches && (ops.contains("\"" + operation + "\"") || ops.contains("\"All\""))) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> labels(JsonNode node) {
        Map<String, String> labels = new TreeMap<>();
        node.fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
        return labels;
    }

    /** A key of a service's own application.properties (its defaults in every deployment). */
    private static String serviceProperty(String module, String key) {
        Path file = Installations.repositoryRoot().resolve(module + "/src/main/resources/application.properties");
        var properties = new Properties();
        try {
            properties.load(new StringReader(Files.readString(file)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return properties.getProperty(key);
    }
}
