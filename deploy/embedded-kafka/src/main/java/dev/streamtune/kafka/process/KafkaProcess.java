package dev.streamtune.kafka.process;

import dev.streamtune.kafka.EmbeddedKafkaException;
import dev.streamtune.kafka.standalone.StreamtuneKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.utils.Utils;

/**
 * One KRaft node (combined broker and controller) in a child JVM that a test can stop, kill, pause and start again:
 * the standalone broker {@link StreamtuneKafka} on this JVM's classpath, with ports and a data directory that stay
 * the same across restarts. What the child prints goes to one {@linkplain #logFile() log file}, a header line per
 * start.
 *
 * <h2>API</h2>
 *
 * <ul>
 *   <li>{@link #start(Path)} (or {@link #builder()} … {@link Builder#start()}): a node started and ready;
 *       {@link #bootstrapServers()}, {@link #clientProperties()}, {@link #port()}, {@link #dataDir()}, {@link #pid()}
 *   <li>{@link #stop()}: SIGTERM, waits for a clean shutdown; {@link #kill()}: SIGKILL; {@link #restart()}: stop, start,
 *       await ready; {@link #start()} + {@link #awaitReady()}: start again after a stop or kill, same ports and data
 *   <li>{@link #pause()} / {@link #resume()}: SIGSTOP / SIGCONT: the sockets stay open, nothing answers
 *   <li>{@link #close()}: kills it and deletes a temporary data directory
 * </ul>
 *
 * <h2>No node outlives the JVM that started it</h2>
 *
 * Closing it kills the process; so does the exit of this JVM (a shutdown hook; {@link Builder#optStopOnExit(boolean)}
 * makes it a clean stop instead), and the child halts by itself within moments when this JVM dies without running its
 * shutdown hooks (SIGKILL, a crashed or timed-out surefire fork): it is started with {@code --parent-pid} and watches
 * that process.
 *
 * <h2>Timing</h2>
 *
 * Nodes run with {@link #QUICK_SESSION_SETTINGS} ({@code broker.session.timeout.ms} 4 s instead of Kafka's 9 s): a
 * controller fences a node that stopped heartbeating, and so moves its partition leaders and coordinators, after that
 * long, and a node started again within that time of its last heartbeat is refused ({@code
 * DUPLICATE_BROKER_REGISTRATION}) until the old session expires. So a start right after {@link #kill()} (or, in a
 * cluster, after {@link #stop()}) takes about 4 s plus the start itself. Override with {@link
 * Builder#optBrokerProperty(String, String)}.
 *
 * <h2>From another module's tests</h2>
 *
 * The classes are in the module's main jar: depend on {@code dev.streamtune:streamtune-embedded-kafka} with {@code
 * <scope>test</scope>} (as inference-service does); no test-jar. The child JVM runs with this JVM's {@code
 * java.class.path} (surefire and failsafe set it to the test classpath), so the module and Kafka must be on it.
 *
 * <pre>{@code
 * try (var kafka = KafkaProcess.builder().optCreateTopics(false).start()) {
 *     // ... produce to kafka.bootstrapServers() ...
 *     kafka.kill();        // SIGKILL
 *     kafka.start();
 *     kafka.awaitReady();  // same ports, same data
 *     kafka.pause();       // SIGSTOP: requests time out
 *     kafka.resume();
 *     kafka.restart();     // SIGTERM, start, await ready
 * }
 * }</pre>
 *
 * @see KafkaProcessCluster
 */
public final class KafkaProcess implements AutoCloseable {

    /** Interface every listener binds to. */
    public static final String HOST = "127.0.0.1";

    /** A small broker heap, a single-threaded collector and C1 only: quick to start, enough for tests. */
    public static final List<String> DEFAULT_JVM_OPTIONS =
            List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    /**
     * Broker session and heartbeat of every node unless overridden: a dead or frozen node is fenced after 4 s of
     * silence (Kafka's default: 9 s), which is what bounds a failover and a start right after a kill.
     */
    public static final Map<String, String> QUICK_SESSION_SETTINGS =
            Map.of("broker.session.timeout.ms", "4000", "broker.heartbeat.interval.ms", "500");

    private static final Pattern READY =
            Pattern.compile(Pattern.quote(StreamtuneKafka.READY_MESSAGE) + "\\d+ ms: .* cluster id (\\S+),");
    private static final String BIND_FAILURE = "Address already in use";
    private static final int TAIL_LINES = 80;

    private final int nodeId;
    private final int port;
    private final int controllerPort;
    private final Path dataDir;
    private final boolean temporaryDataDir;
    private final ConsoleLog log;
    private final List<String> command;
    private final Duration startTimeout;
    private final Duration stopTimeout;
    private final boolean stopOnExit;

    private volatile Process process;
    private volatile boolean paused;
    private volatile boolean ready;
    private volatile boolean bindFailed;
    private volatile long startedAt;
    private volatile Duration startupTime = Duration.ZERO;
    private volatile String clusterId;
    private int starts;

    private KafkaProcess(Builder options, int port, int controllerPort, Path dataDir, boolean temporaryDataDir) {
        this.nodeId = options.nodeId;
        this.port = port;
        this.controllerPort = controllerPort;
        this.dataDir = dataDir;
        this.temporaryDataDir = temporaryDataDir;
        this.log = new ConsoleLog(options.logFile != null ? options.logFile : dataDir.resolve("console.log"));
        this.command = options.command(port, controllerPort, dataDir);
        this.startTimeout = options.startTimeout;
        this.stopTimeout = options.stopTimeout;
        this.stopOnExit = options.stopOnExit;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A node with its data in {@code dataDir} (formatted on the first start, kept after close), free ports and the
     * Streamtune topics, started and ready. For other settings use {@link #builder()}.
     */
    public static KafkaProcess start(Path dataDir) {
        return builder().optDataDir(dataDir).start();
    }

    /**
     * Launches the child JVM and returns at once; {@link #awaitReady()} waits until it serves clients.
     *
     * @throws IllegalStateException if it is running
     */
    public synchronized void start() {
        if (isAlive()) {
            throw new IllegalStateException(this + " is already running");
        }
        starts++;
        log.markStart(Instant.now() + " start " + starts + " of node " + nodeId + ": " + printableCommand());
        paused = false;
        ready = false;
        bindFailed = false;
        startedAt = System.nanoTime();
        try {
            Process started = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(log.file().toFile()))
                    .start();
            started.getOutputStream().close();
            ChildProcesses.register(started, stopOnExit ? stopTimeout : Duration.ZERO);
            process = started;
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot start " + this, e);
        }
    }

    /** Waits up to the builder's start timeout for the node to serve clients; see {@link #awaitReady(Duration)}. */
    public void awaitReady() {
        awaitReady(startTimeout);
    }

    /**
     * Waits until the node of the current start serves clients (its storage recovered, its broker registered and
     * unfenced).
     *
     * @throws EmbeddedKafkaException if it exits or is not ready in time; the message holds the end of its log
     */
    public void awaitReady(Duration timeout) {
        Process current = requireStarted();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready) {
            for (String line : log.readNewLines()) {
                bindFailed |= line.contains(BIND_FAILURE);
                Matcher matcher = READY.matcher(line);
                if (matcher.find()) {
                    clusterId = matcher.group(1);
                    startupTime = Duration.ofNanos(System.nanoTime() - startedAt);
                    ready = true;
                }
            }
            if (ready) {
                return;
            }
            if (!current.isAlive()) {
                throw new EmbeddedKafkaException(
                        this + " exited with " + current.exitValue() + " before it was ready" + logTailMessage());
            }
            if (paused) {
                throw new IllegalStateException(this + " is paused: it cannot become ready");
            }
            if (System.nanoTime() > deadline) {
                throw new EmbeddedKafkaException(this + " not ready after " + timeout + logTailMessage());
            }
            sleep(50);
        }
    }

    /**
     * Stops the node cleanly (SIGTERM; SIGCONT after it when paused) and waits until it has exited. Nothing happens if
     * it is not running.
     *
     * @throws EmbeddedKafkaException if it did not stop within the stop timeout (it is killed then) or exited without
     *     completing its shutdown
     */
    public synchronized void stop() {
        Process current = process;
        if (current == null || !current.isAlive()) {
            return;
        }
        current.toHandle().destroy();
        if (paused) {
            resume();
        }
        boolean exited = waitFor(current, stopTimeout);
        ready = false;
        if (!exited) {
            killTree(current);
            throw new EmbeddedKafkaException(
                    this + " did not stop within " + stopTimeout + " of SIGTERM and was killed" + logTailMessage());
        }
        ChildProcesses.unregister(current);
        boolean clean = log.readNewLines().stream().anyMatch(l -> l.contains(StreamtuneKafka.STOPPED_MESSAGE));
        if (!clean) {
            throw new EmbeddedKafkaException(
                    this + " exited with " + current.exitValue() + " without a clean shutdown" + logTailMessage());
        }
    }

    /** Kills the node (SIGKILL, paused or not) and waits until it has exited. Nothing happens if it is not running. */
    public synchronized void kill() {
        Process current = process;
        if (current == null) {
            return;
        }
        killTree(current);
        paused = false;
        ready = false;
    }

    /**
     * Freezes the node (SIGSTOP): its sockets stay open and connections are accepted, but nothing answers until
     * {@link #resume()}.
     */
    public synchronized void pause() {
        if (!isAlive()) {
            throw new IllegalStateException(this + " is not running");
        }
        if (!paused) {
            Signals.stop(pid());
            paused = true;
        }
    }

    /** Lets a paused node run on (SIGCONT). */
    public synchronized void resume() {
        if (paused) {
            Signals.resume(pid());
            paused = false;
        }
    }

    /** {@link #stop()}, {@link #start()} and {@link #awaitReady()}: a rolling restart of this node. */
    public void restart() {
        stop();
        start();
        awaitReady();
    }

    /** The process id of the current (or last) start. */
    public long pid() {
        return requireStarted().pid();
    }

    public boolean isAlive() {
        Process current = process;
        return current != null && current.isAlive();
    }

    public boolean isPaused() {
        return paused;
    }

    /** The KRaft node id. */
    public int nodeId() {
        return nodeId;
    }

    /** {@code host:port} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    /** Client settings for this node: add serializers, group id and the like. */
    public Map<String, Object> clientProperties() {
        return new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    /** The broker's data directory, kept across restarts (deleted on close only if the builder made it). */
    public Path dataDir() {
        return dataDir;
    }

    /** The cluster id the node reported when it was last ready; empty before. */
    public Optional<String> clusterId() {
        return Optional.ofNullable(clusterId);
    }

    /** From {@link #start()} to ready, for the last start that became ready. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Where the child's standard output and error go, all starts appended. */
    public Path logFile() {
        return log.file();
    }

    /** The last {@code lines} lines of the {@linkplain #logFile() log file}, to print when a test fails. */
    public String logTail(int lines) {
        return log.tail(lines);
    }

    /** Kills the node; deletes its data directory if the builder created a temporary one. */
    @Override
    public synchronized void close() {
        kill();
        if (temporaryDataDir) {
            try {
                Utils.delete(dataDir.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + dataDir, e);
            }
        }
    }

    @Override
    public String toString() {
        Process current = process;
        String state = current == null
                ? "not started"
                : current.isAlive() ? "pid " + current.pid() + (paused ? " paused" : "") : "exited";
        return "KafkaProcess[node " + nodeId + ", " + bootstrapServers() + ", " + state + "]";
    }

    /** Whether the last start failed because a port was taken (callers retry with other ports). */
    boolean failedToBind() {
        return bindFailed;
    }

    private Process requireStarted() {
        Process current = process;
        if (current == null) {
            throw new IllegalStateException(this + " was never started");
        }
        return current;
    }

    private String printableCommand() {
        // the classpath is long and the same every time
        var printable = new ArrayList<>(command);
        int classpath = printable.indexOf("-cp") + 1;
        if (classpath > 0) {
            printable.set(
                    classpath, "<classpath of pid " + ProcessHandle.current().pid() + ">");
        }
        return String.join(" ", printable);
    }

    private String logTailMessage() {
        return "; last lines of " + log.file() + ":" + System.lineSeparator() + log.tail(TAIL_LINES);
    }

    private static void killTree(Process process) {
        try {
            ChildProcesses.killTree(process);
            ChildProcesses.unregister(process);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while killing pid " + process.pid(), e);
        }
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while waiting for pid " + process.pid(), e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while waiting for Kafka", e);
        }
    }

    /**
     * Settings of a child-JVM node. Defaults: free ports picked once on 127.0.0.1, a temporary data directory deleted
     * on close, the Streamtune topics created under their default names, broker logs at WARN, {@link
     * #DEFAULT_JVM_OPTIONS}.
     */
    public static final class Builder {

        private static final int PORT_ATTEMPTS = 3;

        private int port;
        private int controllerPort;
        private Path dataDir;
        private Path logFile;
        private String topicPrefix = "";
        private boolean createTopics = true;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private List<String> jvmOptions = DEFAULT_JVM_OPTIONS;
        private boolean verbose;
        private Duration startTimeout = Duration.ofSeconds(120);
        private Duration stopTimeout = Duration.ofSeconds(60);
        private boolean stopOnExit;
        // set by KafkaProcessCluster for its voters
        int nodeId = 1;
        String quorumVoters;
        String clusterId;

        private Builder() {
            brokerProperties.putAll(QUICK_SESSION_SETTINGS);
        }

        /** Port of the PLAINTEXT listener; 0 (default) picks a free one when built. */
        public Builder optPort(int port) {
            this.port = checkPort(port);
            return this;
        }

        /** Port of the KRaft controller listener; 0 (default) picks a free one when built. */
        public Builder optControllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort);
            return this;
        }

        /** A data directory kept after close (formatted on the first start only); default: a temporary one. */
        public Builder optDataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** Where the child's console goes (appended); default: {@code console.log} in the data directory. */
        public Builder optLogFile(Path logFile) {
            this.logFile = logFile;
            return this;
        }

        /** Prefix for every Streamtune topic name. */
        public Builder optTopicPrefix(String topicPrefix) {
            this.topicPrefix = topicPrefix;
            return this;
        }

        /** Whether the node creates the Streamtune topics at every start (default true). */
        public Builder optCreateTopics(boolean createTopics) {
            this.createTopics = createTopics;
            return this;
        }

        /**
         * A broker setting ({@code server.properties} key) overriding the standalone broker's defaults and {@link
         * #QUICK_SESSION_SETTINGS}.
         */
        public Builder optBrokerProperty(String key, String value) {
            brokerProperties.put(key, value);
            return this;
        }

        /** Options of the child JVM, replacing {@link #DEFAULT_JVM_OPTIONS}. */
        public Builder optJvmOptions(List<String> jvmOptions) {
            this.jvmOptions = List.copyOf(jvmOptions);
            return this;
        }

        /** Broker logs at INFO instead of WARN. */
        public Builder optVerbose(boolean verbose) {
            this.verbose = verbose;
            return this;
        }

        /** How long {@link KafkaProcess#awaitReady()} waits (default 120 s: a busy 2-core machine). */
        public Builder optStartTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
            return this;
        }

        /** How long {@link KafkaProcess#stop()} waits after SIGTERM before it kills (default 60 s). */
        public Builder optStopTimeout(Duration stopTimeout) {
            this.stopTimeout = stopTimeout;
            return this;
        }

        /**
         * When this JVM exits with the node running: stop it cleanly (SIGTERM, up to the stop timeout) instead of
         * killing it (default false: tests want it gone at once, a long-running launcher wants a clean shutdown).
         */
        public Builder optStopOnExit(boolean stopOnExit) {
            this.stopOnExit = stopOnExit;
            return this;
        }

        /** Picks the ports and creates the data directory; the process is not started. */
        public KafkaProcess build() {
            boolean temporary = dataDir == null;
            try {
                Path dir = temporary
                        ? Files.createTempDirectory("streamtune-kafka-process-")
                        : Files.createDirectories(dataDir);
                return build(dir, temporary);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the broker's data dir", e);
            }
        }

        /**
         * Builds, starts and waits until ready. Ports picked here are picked again (up to 3 times) when another
         * process took one first.
         */
        public KafkaProcess start() {
            KafkaProcess node = build();
            for (int attempt = 1; ; attempt++) {
                node.start();
                try {
                    node.awaitReady();
                    return node;
                } catch (RuntimeException e) {
                    node.kill();
                    boolean retry =
                            (port == 0 || controllerPort == 0) && node.failedToBind() && attempt < PORT_ATTEMPTS;
                    if (!retry) {
                        node.close();
                        throw e;
                    }
                    node = build(node.dataDir(), node.temporaryDataDir);
                }
            }
        }

        KafkaProcess build(Path dir, boolean temporary) {
            List<Integer> free =
                    port == 0 || controllerPort == 0 ? FreePorts.pick(HOST, 2) : List.of(port, controllerPort);
            return new KafkaProcess(
                    this,
                    port != 0 ? port : free.get(0),
                    controllerPort != 0 ? controllerPort : free.get(1),
                    dir,
                    temporary);
        }

        private List<String> command(int port, int controllerPort, Path dir) {
            var command = new ArrayList<String>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            command.add("-Djava.util.logging.manager=org.jboss.logmanager.LogManager");
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(StreamtuneKafka.class.getName());
            command.addAll(List.of("--host", HOST, "--port", Integer.toString(port)));
            command.addAll(List.of("--controller-port", Integer.toString(controllerPort)));
            command.addAll(List.of("--data-dir", dir.toAbsolutePath().toString()));
            command.addAll(List.of("--node-id", Integer.toString(nodeId)));
            if (quorumVoters != null) {
                command.addAll(List.of("--quorum-voters", quorumVoters));
            }
            if (clusterId != null) {
                command.addAll(List.of("--cluster-id", clusterId));
            }
            if (!topicPrefix.isEmpty()) {
                command.addAll(List.of("--topic-prefix", topicPrefix));
            }
            command.add(createTopics ? "--create-topics" : "--no-create-topics");
            brokerProperties.forEach((key, value) -> command.addAll(List.of("--broker-property", key + "=" + value)));
            if (verbose) {
                command.add("--verbose");
            }
            command.addAll(List.of(
                    "--parent-pid", Long.toString(ProcessHandle.current().pid())));
            return command;
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            return port;
        }
    }
}
