package dev.streamtune.kafka.process;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Kills every child process still registered when this JVM exits, so a failed test leaves no broker behind. */
final class ChildProcesses {

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::killAll, "kafka-process-reaper"));
    }

    private ChildProcesses() {}

    static void register(Process process) {
        RUNNING.add(process);
    }

    static void unregister(Process process) {
        RUNNING.remove(process);
    }

    /** SIGKILL to the process and everything it started; returns once it has exited. */
    static void killTree(Process process) throws InterruptedException {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor();
    }

    private static void killAll() {
        for (Process process : RUNNING) {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
