package dev.streamtune.kafka.process;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Ends every child process still registered when this JVM exits, so that a failed test leaves no broker behind:
 * SIGKILL by default, or SIGTERM first, with a grace period, for processes registered as stopped on exit. (A JVM
 * killed outright runs no hook: the brokers watch their parent's pid for that, see {@code --parent-pid}.)
 */
final class ChildProcesses {

    // process -> grace period after SIGTERM at JVM exit; zero: SIGKILL at once
    private static final Map<Process, Duration> RUNNING = new ConcurrentHashMap<>();
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::endAll, "kafka-process-reaper"));
    }

    private ChildProcesses() {}

    static void register(Process process, Duration graceOnExit) {
        RUNNING.put(process, graceOnExit);
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

    private static void endAll() {
        long longestGrace = 0;
        for (var entry : RUNNING.entrySet()) {
            if (!entry.getValue().isZero()) {
                entry.getKey().toHandle().destroy();
                Signals.resumeQuietly(entry.getKey().pid()); // a paused JVM handles SIGTERM only once continued
                longestGrace = Math.max(longestGrace, entry.getValue().toMillis());
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(longestGrace);
        for (var entry : RUNNING.entrySet()) {
            long left = deadline - System.nanoTime();
            if (!entry.getValue().isZero() && left > 0) {
                waitQuietly(entry.getKey(), left);
            }
        }
        for (Process process : RUNNING.keySet()) {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        // gone, ports released, before this JVM is
        long killDeadline = System.nanoTime() + KILL_WAIT.toNanos();
        for (Process process : RUNNING.keySet()) {
            waitQuietly(process, Math.max(0, killDeadline - System.nanoTime()));
        }
    }

    private static void waitQuietly(Process process, long nanos) {
        try {
            process.waitFor(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
