package dev.streamtune.kafka.process;

import dev.streamtune.kafka.EmbeddedKafkaException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** POSIX signals Java cannot send itself: SIGSTOP and SIGCONT, through {@code kill(1)}. */
final class Signals {

    private Signals() {}

    static void stop(long pid) {
        send("STOP", pid);
    }

    static void resume(long pid) {
        send("CONT", pid);
    }

    /** SIGCONT, ignoring any failure (the process may be gone). */
    static void resumeQuietly(long pid) {
        try {
            resume(pid);
        } catch (RuntimeException e) {
            // best effort during JVM exit
        }
    }

    private static void send(String signal, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true)
                    .start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new EmbeddedKafkaException("kill -" + signal + " " + pid + " failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot run kill -" + signal + " " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while sending SIG" + signal + " to " + pid, e);
        }
    }
}
