package dev.streamtune.kafka.process;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/** Prints the end of every broker log a failed test's instance holds (fields of type KafkaProcess or the cluster). */
final class PrintLogsOnFailure implements TestWatcher {

    private static final int LINES = 200;

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        context.getTestInstance().ifPresent(instance -> {
            for (KafkaProcess node : processes(instance)) {
                System.out.printf("==== %s, %s ====%n%s%n", node, node.logFile(), node.logTail(LINES));
            }
        });
    }

    private static List<KafkaProcess> processes(Object instance) {
        var processes = new ArrayList<KafkaProcess>();
        for (Field field : instance.getClass().getDeclaredFields()) {
            try {
                field.setAccessible(true);
                Object value = field.get(instance);
                if (value instanceof KafkaProcess node) {
                    processes.add(node);
                } else if (value instanceof KafkaProcessCluster cluster) {
                    processes.addAll(cluster.nodes());
                }
            } catch (IllegalAccessException e) {
                System.out.println("cannot read " + field + ": " + e);
            }
        }
        return processes;
    }
}
