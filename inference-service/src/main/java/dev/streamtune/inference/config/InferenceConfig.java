package dev.streamtune.inference.config;

import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.validation.InputLimits;
import dev.streamtune.inference.model.OnnxRuntimes;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every setting of the inference service; defaults live here, ranges are checked at start-up. */
@ConfigMapping(prefix = "streamtune")
public interface InferenceConfig {

    /** The instance name when none is set: fine on one machine, refused in a cluster. */
    String DEFAULT_INSTANCE = "inference-local";

    /**
     * This instance in monitoring events, the transactional id and the group instance id: unique per running instance
     * and stable across its restarts (the pod name of a StatefulSet).
     */
    @WithDefault(DEFAULT_INSTANCE)
    @NotBlank
    String instance();

    /**
     * The longest a stop (SIGTERM) may take: past it, with Kafka Streams (drift) still closing against a broker that
     * does not answer, the process exits at once, as the kubelet would kill it at the end of the pod's grace period (90 s
     * in deploy/kubernetes) but with a log line saying why. Keep it under that grace period.
     */
    @WithDefault("PT75S")
    Duration shutdownTimeout();

    Topics topics();

    Model model();

    Signing signing();

    Batch batch();

    Onnx onnx();

    Stream stream();

    Rest rest();

    Drift drift();

    Limits limits();

    Store store();

    Security security();

    interface Topics {
        @WithDefault(StreamtuneTopics.TEXTS_NAME)
        String texts();

        @WithDefault(StreamtuneTopics.PREDICTIONS_NAME)
        String predictions();

        @WithDefault(StreamtuneTopics.REVIEW_NAME)
        String review();

        @WithDefault(StreamtuneTopics.MODELS_NAME)
        String models();

        @WithDefault(StreamtuneTopics.MONITORING_NAME)
        String monitoring();

        @WithDefault(StreamtuneTopics.DLQ_NAME)
        String dlq();
    }

    interface Model {
        /** The model name this service serves: the key of its LIVE record on the models topic. */
        @WithDefault("streamtune-classifier")
        @NotBlank
        String name();

        /** A sealed artifact directory to serve while the models topic has no live version yet. */
        Optional<Path> dir();

        /** Where fetched artifacts are unpacked while their model is loaded. */
        @WithDefault("${java.io.tmpdir}/streamtune-inference/models")
        Path cacheDir();

        /** Largest absolute difference allowed between a self-check's expected and computed probabilities. */
        @WithDefault("0.001")
        @DecimalMin("0.0")
        @DecimalMax("0.5")
        double selfCheckTolerance();

        /**
         * Attempts at a version whose artifact cannot be fetched (store unreachable, not yet visible) before it is
         * given up; each failed attempt is reported on the monitoring topic.
         */
        @WithDefault("8")
        @Min(1)
        @Max(1000)
        int fetchAttempts();

        /** Wait before the second fetch attempt; it doubles after each, up to {@code fetch-retry-max}. */
        @WithDefault("1s")
        Duration fetchRetry();

        @WithDefault("60s")
        Duration fetchRetryMax();

        /**
         * An artifact's int8 graph is served when its test-split accuracy is at most this many percentage points below
         * the float graph's; else {@code model.onnx}. Negative: never serve int8.
         */
        @WithDefault("0.5")
        @DecimalMin("-1.0")
        @DecimalMax("100.0")
        double int8MaxAccuracyDropPoints();

        /** Inference runs on synthetic input before a new model goes live. */
        @WithDefault("2")
        @Min(0)
        @Max(100)
        int warmupRuns();

        /** A larger {@code manifest.json} is refused before it is parsed. */
        @WithDefault("1048576")
        @Min(1024)
        int maxManifestBytes();
    }

    interface Signing {
        /** {@code hmac} (shared secret) or {@code ed25519} (public key only), as the trainer signs. */
        @WithDefault("hmac")
        String algorithm();

        /** The key id the trainer signs with (its {@code streamtune.trainer.signing.key-id}). */
        @WithDefault("trainer")
        @NotBlank
        String keyId();

        /** HMAC secret (at least 32 bytes of UTF-8). */
        Optional<String> secret();

        /** Ed25519 public key, Base64 X.509. */
        Optional<String> publicKey();
    }

    interface Batch {
        /** Most texts in one ONNX Runtime call. */
        @WithDefault("32")
        @Min(1)
        @Max(4096)
        int maxSize();

        /** How long the first record of a batch waits for more to arrive. */
        @WithDefault("20ms")
        Duration maxWait();

        /** Token-length bucket ceilings: texts of one bucket are padded together. */
        @WithDefault("16,32,64,128,256,512")
        @NotEmpty
        List<@Min(2) @Max(8192) Integer> lengthBuckets();

        /** A bucket with fewer texts than this joins the next longer one (tiny batches run slowly). */
        @WithDefault("4")
        @Min(1)
        @Max(4096)
        int minBucketSize();

        /** Liveness fails when one engine batch has run for longer than this (a hung runtime call). */
        @WithDefault("5m")
        Duration hangTimeout();
    }

    interface Onnx {
        /** Threads one ONNX Runtime call uses; 0 lets ONNX Runtime use every core. */
        @WithDefault("0")
        @Min(0)
        @Max(1024)
        int intraOpThreads();

        @WithDefault("1")
        @Min(0)
        @Max(1024)
        int interOpThreads();

        /** {@code djl}: DJL's OnnxRuntime engine Predictor; {@code raw}: the ORT session DJL's engine started. */
        @WithDefault("raw")
        OnnxRuntimes.Runtime runtime();

        /**
         * Whether ONNX Runtime's idle pool threads spin-wait for work (its default). Off, they sleep between calls and
         * leave the CPU to the Kafka clients; the {@code raw} runtime only.
         */
        @WithDefault("true")
        boolean allowSpinning();

        default OnnxRuntimes.Settings toSettings() {
            return new OnnxRuntimes.Settings(runtime(), intraOpThreads(), interOpThreads(), allowSpinning());
        }
    }

    interface Stream {
        /** Consume the texts topic (off: REST only). */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("streamtune-inference")
        @NotBlank
        String groupId();

        /** Prefixed to the instance name to make this instance's stable transactional id. */
        @WithDefault("streamtune-inference-")
        String transactionalIdPrefix();

        @WithDefault("100ms")
        Duration pollTimeout();

        /**
         * Most records per transaction (split into ONNX Runtime batches of {@code streamtune.batch.max-size}): fewer,
         * larger transactions cost less per record.
         */
        @WithDefault("128")
        @Min(1)
        @Max(100_000)
        int maxRecords();

        /**
         * Inference time one batch may take while the loop keeps up with its input: a batch is capped at the records
         * the engine classifies in this time (a moving average of the measured time per record), so that under a
         * moderate load records do not wait for large batches; while more records wait than a capped batch holds,
         * batches grow to {@code max-records} again (throughput at saturation). {@code 0s}: no cap, the default: on 2
         * shared cores it showed no gain (README, benchmark {@code --latency-pairs}).
         */
        @WithDefault("0s")
        Duration maxBatchLatency();

        /** Predictions less confident than this also go to the review topic. */
        @WithDefault("0.6")
        @DecimalMin("0.0")
        @DecimalMax("1.0")
        double reviewThreshold();

        @WithDefault("60s")
        Duration transactionTimeout();

        /** Longest wait for the engine on one batch before the transaction is aborted and retried. */
        @WithDefault("120s")
        Duration batchTimeout();

        /**
         * Join the group as a static member ({@code group.instance.id} = the instance name): a restarted instance
         * takes its partitions back at once instead of waiting for its predecessor's session to expire.
         */
        @WithDefault("true")
        boolean staticMembership();

        /**
         * Leave the group on a clean stop, so that its partitions move at once (a scale-down); off, a static member
         * keeps them until it is back or {@code session.timeout.ms} passes.
         */
        @WithDefault("true")
        boolean leaveGroupOnClose();

        /** Liveness fails when records wait and nothing has been committed for this long. */
        @WithDefault("5m")
        Duration stallTimeout();

        /**
         * The classify consumer's group protocol: {@code classic} (the assignor of {@code
         * kafka.partition.assignment.strategy}, e.g. CooperativeSticky) or {@code consumer} (KIP-848: the broker
         * assigns, Kafka 4.0+ brokers). Only the classify loop's consumer uses it; the drift topology (Kafka Streams)
         * keeps its own protocol, which is why this is not a {@code kafka.} setting.
         */
        @WithDefault("classic")
        GroupProtocol groupProtocol();
    }

    enum GroupProtocol {
        CLASSIC,
        CONSUMER
    }

    interface Rest {
        /** Most texts of REST requests waiting for the engine at once; more are refused with 503 and Retry-After. */
        @WithDefault("4096")
        @Min(1)
        int maxQueuedTexts();

        /** Most texts in one request. */
        @WithDefault("256")
        @Min(1)
        @Max(100_000)
        int maxTexts();

        /** Largest {@code POST /classify} body; a larger one is refused (413) before it is read. */
        @WithDefault("1048576")
        @Min(1024)
        int maxBodyBytes();

        @WithDefault("30s")
        Duration timeout();

        RateLimit rateLimit();

        /**
         * Requests per client (the token's subject; the remote address without a token) and period: a token bucket
         * of {@code requests} refilled over {@code period}; beyond it, 429 with Retry-After.
         */
        interface RateLimit {
            @WithDefault("true")
            boolean enabled();

            @WithDefault("20")
            @Min(1)
            int requests();

            @WithDefault("1s")
            Duration period();

            /** Clients tracked at once (the least recently seen are forgotten first). */
            @WithDefault("10000")
            @Min(1)
            int maxClients();
        }
    }

    interface Drift {
        @WithDefault("5m")
        Duration window();

        /** How late a prediction may arrive and still count in its window. */
        @WithDefault("30s")
        Duration grace();

        /**
         * Minimum sample per window: one with fewer predictions is reported but is no evidence either way (neither
         * breached nor clean) and breaks a run of consecutive windows.
         */
        @WithDefault("50")
        @Min(1)
        long minCount();

        @WithDefault("0.2")
        @DecimalMin("0.0")
        double labelPsiThreshold();

        @WithDefault("0.25")
        @DecimalMin("0.0")
        double tokenLengthPsiThreshold();

        /** Breach when mean confidence falls this far below the baseline. */
        @WithDefault("0.1")
        @DecimalMin("0.0")
        double confidenceDrop();

        /** Breach when mean entropy (nats) rises this far above the baseline. */
        @WithDefault("0.2")
        @DecimalMin("0.0")
        double entropyRise();

        /** Breach when the unknown-token rate rises this far above the baseline. */
        @WithDefault("0.05")
        @DecimalMin("0.0")
        double unknownTokenRateRise();

        /** Breach when more than this fraction of a window is under the review threshold. */
        @WithDefault("0.5")
        @DecimalMin("0.0")
        @DecimalMax("1.0")
        double lowConfidenceRate();

        /** Consecutive breached windows that raise an alert, and clean ones that clear it. */
        @WithDefault("3")
        @Min(1)
        @Max(1000)
        int consecutiveWindows();
    }

    /**
     * Where artifacts may be fetched from. A registry record's URI must name a directory under
     * {@code filesystem.root} ({@code file:}) or a key under {@code s3.prefix} in {@code s3.bucket} ({@code s3://});
     * anything else is refused. Both must match the trainer's {@code streamtune.trainer.store.*}.
     */
    interface Store {
        Filesystem filesystem();

        S3 s3();

        interface Filesystem {
            /** The trainer's {@code streamtune.trainer.store.filesystem.root} (the same default). */
            @WithDefault("${java.io.tmpdir}/streamtune-models")
            Path root();
        }

        interface S3 {
            /** The trainer's bucket; {@code s3://} URIs are refused while it is unset. */
            Optional<String> bucket();

            /** The trainer's key prefix (the same default). */
            @WithDefault("streamtune/models")
            String prefix();

            /** Endpoint of an S3-compatible server (MinIO, Ceph, ...); AWS's regional endpoint when absent. */
            Optional<java.net.URI> endpoint();

            @WithDefault("us-east-1")
            String region();

            /** Static credentials; the default AWS credential chain (environment, profile, IRSA) when absent. */
            Optional<String> accessKey();

            Optional<String> secretKey();

            @WithDefault("true")
            boolean pathStyle();
        }
    }

    /**
     * Who may call {@code POST /classify}. Tokens are verified by SmallRye JWT ({@code mp.jwt.verify.*}); their
     * {@code groups} claim carries the roles (map other group names with {@code quarkus.http.auth.roles-mapping.*}).
     */
    interface Security {
        /** Off: {@code /classify} open to anyone (a warning at start-up). Local experiments only, never production. */
        @WithDefault("true")
        boolean enabled();

        Roles roles();

        interface Roles {
            /** May classify. */
            @WithDefault("client")
            @NotBlank
            String client();
        }
    }

    interface Limits {
        @WithDefault("65536")
        @Min(1)
        int maxTextBytes();

        @WithDefault("256")
        @Min(1)
        int maxIdChars();

        @WithDefault("32")
        @Min(0)
        int maxAttributes();

        @WithDefault("1024")
        @Min(1)
        int maxAttributeChars();

        /**
         * Largest dead letter in bytes: keep it under the DLQ topic's {@code max.message.bytes} and the producer's
         * {@code max.request.size}. A larger refused record is dead-lettered with its value cut to fit, its full size
         * and SHA-256 in headers.
         */
        @WithDefault("1000000")
        @Min(DeadLetters.MIN_MAX_BYTES)
        int maxDeadLetterBytes();

        default InputLimits toInputLimits() {
            return new InputLimits(
                    maxTextBytes(),
                    maxIdChars(),
                    InputLimits.DEFAULTS.maxLabelChars(),
                    maxAttributes(),
                    maxAttributeChars());
        }
    }
}
