package dev.streamtune.trainer.support;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real browser for page tests: Debian's chromium, headless, driven from its command line (it renders the page, runs
 * its scripts and fetches with virtual time, then prints the DOM or saves a screenshot). Found through
 * {@code STREAMTUNE_CHROMIUM} or on the PATH; where none is installed a test is skipped with the reason, except under
 * {@code CI=true} ({@code .ci/run} installs it), where that is a failure.
 */
public final class HeadlessChromium {

    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome", "chrome");
    private static final long TIMEOUT_SECONDS = 120;

    private final Path binary;

    private HeadlessChromium(Path binary) {
        this.binary = binary;
    }

    /** The installed browser; skips the test (fails it under CI=true) when there is none. */
    public static HeadlessChromium require() {
        Optional<Path> found = find();
        if (found.isEmpty()) {
            String why = "no chromium found (STREAMTUNE_CHROMIUM or " + NAMES + " on the PATH): "
                    + "apt-get install chromium to run the console's browser test";
            if ("true".equals(System.getenv("CI"))) {
                fail(why);
            }
            Assumptions.abort(why);
        }
        return new HeadlessChromium(found.get());
    }

    static Optional<Path> find() {
        String configured = System.getenv("STREAMTUNE_CHROMIUM");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(java.io.File.pathSeparator))
                .filter(dir -> !dir.isBlank())
                .flatMap(dir -> NAMES.stream().map(name -> Path.of(dir, name)))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** The page's DOM after its scripts ran for up to {@code virtualMillis} of virtual time (fetches included). */
    public String dumpDom(String url, int virtualMillis) throws IOException, InterruptedException {
        return run(url, virtualMillis, List.of("--dump-dom"));
    }

    /** Saves a PNG of the page as rendered after {@code virtualMillis} of virtual time. */
    public void screenshot(String url, int virtualMillis, Path png) throws IOException, InterruptedException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        run(url, virtualMillis, List.of("--screenshot=" + png.toAbsolutePath(), "--hide-scrollbars"));
        if (!Files.isRegularFile(png)) {
            fail("chromium saved no screenshot at " + png);
        }
    }

    private String run(String url, int virtualMillis, List<String> what) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("chromium-profile");
        List<String> command = new ArrayList<>(List.of(
                binary.toString(),
                "--headless",
                "--no-sandbox", // tests may run as root (containers, CI)
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--user-data-dir=" + profile,
                "--window-size=1400,2600",
                "--virtual-time-budget=" + virtualMillis));
        command.addAll(what);
        command.add(url);
        Path out = Files.createTempFile("chromium", ".out");
        Path err = Files.createTempFile("chromium", ".err");
        Process process = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("chromium did not finish within " + TIMEOUT_SECONDS + " s: " + tail(err));
        }
        if (process.exitValue() != 0) {
            fail("chromium exited with " + process.exitValue() + ": " + tail(err));
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static String tail(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return text.length() <= 2000 ? text : text.substring(text.length() - 2000);
    }
}
