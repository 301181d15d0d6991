package dev.streamtune.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * A Strimzi {@code KafkaUser}'s simple authorization as the Kafka ACL bindings Strimzi's user operator creates: one
 * binding per entry and operation, for the principal {@code User:<metadata.name>} (SCRAM-SHA-512 users). Anything this
 * mapping does not know fails, rather than being granted or dropped silently.
 */
final class StrimziAcls {

    /** One binding and the {@code spec.authorization.acls} entry it comes from. */
    record Grant(String user, int entry, AclBinding binding) {

        String operation() {
            return binding.entry().operation().name();
        }

        @Override
        public String toString() {
            ResourcePattern p = binding.pattern();
            return user + " acls[" + entry + "] " + binding.entry().permissionType() + " " + operation() + " on "
                    + p.resourceType() + " " + (p.patternType() == PatternType.PREFIXED ? "prefix " : "") + p.name();
        }
    }

    private static final Set<String> ENTRY_FIELDS = Set.of("resource", "operations", "operation", "host", "type");
    private static final Set<String> RESOURCE_FIELDS = Set.of("type", "name", "patternType");

    private StrimziAcls() {}

    /** The principal Strimzi's user operator authorizes a SCRAM-SHA-512 {@code KafkaUser} as. */
    static String principal(ObjectNode kafkaUser) {
        String authentication = kafkaUser.at("/spec/authentication/type").asText();
        if (!authentication.equals("scram-sha-512")) {
            throw new IllegalArgumentException(
                    name(kafkaUser) + ": authentication " + authentication + " is not mapped (scram-sha-512 only)");
        }
        return "User:" + name(kafkaUser);
    }

    static String name(ObjectNode kafkaUser) {
        return kafkaUser.at("/metadata/name").asText();
    }

    /** Every binding of the user's {@code spec.authorization} (type simple), in the order of its entries. */
    static List<Grant> grants(ObjectNode kafkaUser) {
        String principal = principal(kafkaUser);
        JsonNode authorization = kafkaUser.at("/spec/authorization");
        if (!authorization.path("type").asText().equals("simple")) {
            throw new IllegalArgumentException(name(kafkaUser) + ": authorization type "
                    + authorization.path("type").asText() + " is not mapped (simple only)");
        }
        var grants = new ArrayList<Grant>();
        JsonNode acls = authorization.path("acls");
        for (int i = 0; i < acls.size(); i++) {
            JsonNode acl = acls.get(i);
            requireKnown(acl, ENTRY_FIELDS, name(kafkaUser) + " acls[" + i + "]");
            JsonNode resource = acl.path("resource");
            requireKnown(resource, RESOURCE_FIELDS, name(kafkaUser) + " acls[" + i + "].resource");
            ResourcePattern pattern = pattern(resource);
            String host = acl.path("host").asText("*");
            AclPermissionType permission = permission(acl.path("type").asText("allow"));
            List<String> operations = new ArrayList<>();
            acl.path("operations").forEach(op -> operations.add(op.asText()));
            if (acl.has("operation")) {
                operations.add(acl.get("operation").asText());
            }
            if (operations.isEmpty()) {
                throw new IllegalArgumentException(name(kafkaUser) + " acls[" + i + "] has no operations");
            }
            for (String operation : operations) {
                grants.add(new Grant(
                        name(kafkaUser),
                        i,
                        new AclBinding(
                                pattern, new AccessControlEntry(principal, host, operation(operation), permission))));
            }
        }
        return grants;
    }

    static List<AclBinding> bindings(List<Grant> grants) {
        return grants.stream().map(Grant::binding).toList();
    }

    private static ResourcePattern pattern(JsonNode resource) {
        String type = resource.path("type").asText();
        ResourceType resourceType =
                switch (type) {
                    case "topic" -> ResourceType.TOPIC;
                    case "group" -> ResourceType.GROUP;
                    case "transactionalId" -> ResourceType.TRANSACTIONAL_ID;
                    case "cluster" -> ResourceType.CLUSTER;
                    default -> throw new IllegalArgumentException("resource type " + type + " is not mapped");
                };
        if (resourceType == ResourceType.CLUSTER) {
            // Strimzi: a cluster resource has neither name nor pattern; Kafka's is the literal "kafka-cluster"
            return new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL);
        }
        String name = resource.path("name").asText("");
        if (name.isEmpty()) {
            throw new IllegalArgumentException(type + " resource without a name");
        }
        String patternType = resource.path("patternType").asText("literal");
        PatternType kafkaPattern =
                switch (patternType) {
                    case "literal" -> PatternType.LITERAL;
                    case "prefix" -> PatternType.PREFIXED;
                    default -> throw new IllegalArgumentException("patternType " + patternType + " is not mapped");
                };
        return new ResourcePattern(resourceType, name, kafkaPattern);
    }

    /** Strimzi's operation names (Read, IdempotentWrite, All, ...) to Kafka's. */
    static AclOperation operation(String strimzi) {
        String kafka = strimzi.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
        AclOperation operation = AclOperation.fromString(kafka);
        if (operation == AclOperation.UNKNOWN || operation == AclOperation.ANY) {
            throw new IllegalArgumentException("operation " + strimzi + " is not mapped");
        }
        return operation;
    }

    private static AclPermissionType permission(String type) {
        return switch (type) {
            case "allow" -> AclPermissionType.ALLOW;
            case "deny" -> AclPermissionType.DENY;
            default -> throw new IllegalArgumentException("ACL type " + type + " is not mapped");
        };
    }

    private static void requireKnown(JsonNode node, Set<String> known, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!known.contains(field)) {
                throw new IllegalArgumentException(where + ": field " + field + " is not mapped");
            }
        }
    }
}
