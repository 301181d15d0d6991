package dev.streamtune.deploy;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Command-line tools a check needs: missing ones skip it on a developer's machine and fail it in CI. */
final class Tools {

    private Tools() {}

    static void require(String... commands) {
        for (String command : commands) {
            if (!runs(command)) {
                String message = command + " is not installed";
                if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                    throw new AssertionError(message + ": CI must run this check");
                }
                Assumptions.abort(message);
            }
        }
    }

    private static boolean runs(String command) {
        try {
            Process p = new ProcessBuilder(command, "--version")
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
