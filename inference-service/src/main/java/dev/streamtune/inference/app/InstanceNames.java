package dev.streamtune.inference.app;

import dev.streamtune.inference.config.InferenceConfig;
import java.util.Map;

/** The instance name makes the transactional id and the group instance id: it must be unique per replica. */
public final class InstanceNames {

    private InstanceNames() {}

    /**
     * Refuses the default (or a blank) name inside a Kubernetes cluster: two replicas with the same name share a
     * transactional id and a group instance id, and fence each other.
     *
     * @param environment the process environment ({@code KUBERNETES_SERVICE_HOST} says it runs in a cluster)
     */
    public static void requireUnique(String instance, Map<String, String> environment) {
        boolean inCluster = environment.containsKey("KUBERNETES_SERVICE_HOST");
        if (inCluster && (instance.isBlank() || InferenceConfig.DEFAULT_INSTANCE.equals(instance))) {
            throw new IllegalStateException("streamtune.instance is '" + instance + "' in a Kubernetes cluster: every"
                    + " replica needs its own (it makes the transactional id and the group instance id). Set it from"
                    + " the pod name (HOSTNAME in a StatefulSet).");
        }
    }
}
