package dev.streamtune.trainer.config;

import dev.streamtune.common.topic.StreamtuneTopics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Everything the trainer can be told, with every default in one place. Ranges are checked at start-up. */
@ConfigMapping(prefix = "streamtune.trainer")
public interface TrainerConfig {

    /** Model name: the key of its records on the models and monitoring topics. */
    @WithDefault("streamtune-classifier")
    @NotBlank
    String model();

    /** The instance name when neither it nor HOSTNAME is set: fine on one machine, refused in a Kubernetes cluster. */
    String DEFAULT_INSTANCE = "trainer-local";

    /**
     * This instance: its name in monitoring events and its Kafka Streams group instance id (static membership, so a
     * restarted trainer takes its partitions back at once). Stable across restarts and unique: the pod name of the
     * StatefulSet, which is the host name there.
     */
    @WithDefault("${HOSTNAME:" + DEFAULT_INSTANCE + "}")
    @NotBlank
    String instance();

    /** Scratch space: staging of artifacts and the champion cache. */
    @WithDefault("${java.io.tmpdir}/streamtune-trainer")
    Path workDir();

    /**
     * The longest a stop (SIGTERM) may take: past it, with Kafka Streams still closing against a broker that does not
     * answer, the process exits at once, as the kubelet would kill it at the end of the pod's grace period (60 s in
     * deploy/kubernetes) but with a log line saying why. Keep it under that grace period.
     */
    @WithDefault("PT45S")
    Duration shutdownTimeout();

    Topics topics();

    Dataset dataset();

    Triggers triggers();

    FastLane fastLane();

    Training training();

    Gate gate();

    Store store();

    Signing signing();

    Registry registry();

    Promotion promotion();

    interface Topics {
        @WithDefault(StreamtuneTopics.EXAMPLES_NAME)
        String examples();

        @WithDefault(StreamtuneTopics.MODELS_NAME)
        String models();

        @WithDefault(StreamtuneTopics.MONITORING_NAME)
        String monitoring();

        @WithDefault(StreamtuneTopics.COMMANDS_NAME)
        String commands();

        @WithDefault(StreamtuneTopics.DLQ_NAME)
        String dlq();

        /** Compacted topic of the trainer's own state (pending trigger, last run); created if missing. */
        @WithDefault("streamtune.trainer.state")
        String state();
    }

    interface Dataset {
        /** Fraction of ids hashed to the validation split. */
        @WithDefault("0.1")
        @DecimalMin("0.0")
        @DecimalMax("0.5")
        double validationFraction();

        /** Fraction of ids hashed to the test split: the examples the gate scores on, so never none. */
        @WithDefault("0.1")
        @DecimalMin(value = "0.0", inclusive = false)
        @DecimalMax("0.5")
        double testFraction();

        /** Salt of the split hash; changing it reshuffles the splits (existing examples keep theirs). */
        @WithDefault("streamtune")
        String splitSalt();

        /** Fewest examples per label in the training split for a run to start. */
        @WithDefault("2")
        @Min(1)
        int minExamplesPerLabel();

        /** Longest accepted text in UTF-8 bytes. */
        @WithDefault("65536")
        @Positive
        int maxTextBytes();
    }

    interface Triggers {
        /** New, changed or deleted examples since the last run that start a new one. */
        @WithDefault("100")
        @Min(1)
        long minChanges();

        /** Longest time between runs while there are unseen changes. */
        @WithDefault("PT24H")
        Duration maxInterval();

        /** Least time between two runs caused by drift alerts. */
        @WithDefault("PT6H")
        Duration driftCooldown();

        /** Commands and alerts older than this are history, not requests. */
        @WithDefault("PT1H")
        Duration maxSignalAge();

        /** How often the scheduler looks at the triggers. */
        @WithDefault("PT5S")
        Duration pollInterval();

        /** Off: only manual and drift triggers (and pending ones) start runs. */
        @WithDefault("true")
        boolean automatic();
    }

    /**
     * The fast lane: on dataset changes, the live champion's head refreshed on its frozen encoder (features cached per
     * example and encoder) and published through the same gate; the slow lane (full runs) keeps its own triggers.
     */
    interface FastLane {
        /** Off: only the slow lane's triggers start runs. Also off when automatic triggers are. */
        @WithDefault("true")
        boolean enabled();

        /** How long the dataset must be quiet before a fast-lane run starts (plus up to two scheduler polls). */
        @WithDefault("PT2S")
        Duration debounce();

        /** While changes keep coming, a fast-lane run starts at the latest this long after the first one. */
        @WithDefault("PT30S")
        Duration maxDelay();

        /** Changes since the last run of either lane that start one; a label the champion lacks starts one anyway. */
        @WithDefault("1")
        @Min(1)
        long minChanges();

        /**
         * Least time from the end of the last run (either lane) to a fast-lane run without a new label: each run
         * publishes a version, and a steady stream of corrections must not publish one every few seconds.
         */
        @WithDefault("PT5M")
        Duration minInterval();

        /** Bound of the encoder-feature cache in {@code work-dir/feature-cache} (files of other encoders go first). */
        @WithDefault("268435456")
        @Min(1048576)
        long featureCacheMaxBytes();
    }

    interface Training {
        /** {@code auto}, {@code full}, {@code freeze-bottom} or {@code head-only}. */
        @WithDefault("auto")
        String strategy();

        @WithDefault("3")
        @Min(1)
        @Max(100)
        int epochs();

        @WithDefault("16")
        @Min(1)
        @Max(4096)
        int batchSize();

        @WithDefault("5e-5")
        @DecimalMin("1e-8")
        @DecimalMax("1.0")
        double learningRate();

        @WithDefault("128")
        @Min(8)
        @Max(512)
        int maxLength();

        /**
         * Which tokens of a text longer than {@link #maxLength()} are kept: {@code head} (its beginning) or {@code
         * head-tail} (a quarter from the beginning, the rest from the end). Recorded in the manifest; serving follows.
         */
        @WithDefault("head")
        @Pattern(regexp = "head|head-tail")
        String truncation();

        /** Encoder layers kept from the base model (the bottom ones); all when absent. */
        Optional<@Min(1) @Max(48) Integer> layers();

        /**
         * Full fine-tuning keeps the mean of the weights at the ends of the last N epochs (checkpoint averaging)
         * unless it validates worse than the best epoch by more than one example; 1 keeps the best epoch's weights.
         * The fast lane's head always keeps its best epoch.
         */
        @WithDefault("1")
        @Min(1)
        @Max(100)
        int averageEpochs();

        /** {@code cpu}, {@code gpu}, {@code gpu:N} or {@code auto}. */
        @WithDefault("auto")
        String device();

        @WithDefault("42")
        long seed();

        /** Start from the champion's weights instead of the base model (off after a deletion it saw). */
        @WithDefault("false")
        boolean warmStart();

        /**
         * {@code minilm} or {@code bge-small} (jars the trainer ships), a Hugging Face checkpoint directory
         * ({@code hf:<dir>}) or a BERT ONNX export with its tokenizer beside it ({@code onnx:<file>}).
         */
        @WithDefault("minilm")
        String baseModel();

        /** Validation texts whose probabilities the manifest records for the serving side to reproduce. */
        @WithDefault("4")
        @Min(0)
        @Max(64)
        int selfChecks();

        /** Largest difference between training-side and ONNX-exported probabilities a published model may show. */
        @WithDefault("1e-3")
        @DecimalMin("0.0")
        double exportTolerance();
    }

    interface Gate {
        /** The candidate's validation macro-F1 may be at most this much below the champion's. */
        @WithDefault("0.01")
        @DecimalMin("0.0")
        @DecimalMax("1.0")
        double tolerance();

        /** Absolute floor of the candidate's validation macro-F1 (also the only rule for the first model). */
        @WithDefault("0.6")
        @DecimalMin("0.0")
        @DecimalMax("1.0")
        double minMacroF1();

        /** No class's recall may fall by more than this against the champion. */
        @WithDefault("0.2")
        @DecimalMin("0.0")
        @DecimalMax("1.0")
        double maxRecallDrop();

        /** No class with examples may have a recall below this. */
        @WithDefault("0.05")
        @DecimalMin("0.0")
        @DecimalMax("1.0")
        double minClassRecall();
    }

    interface Store {
        /** {@code filesystem} or {@code s3}. */
        @WithDefault("filesystem")
        String type();

        @WithName("filesystem.root")
        @WithDefault("${java.io.tmpdir}/streamtune-models")
        Path filesystemRoot();

        S3 s3();

        interface S3 {
            /** Endpoint of an S3-compatible server; AWS's regional endpoint when absent. */
            Optional<URI> endpoint();

            @WithDefault("us-east-1")
            String region();

            Optional<String> bucket();

            @WithDefault("streamtune/models")
            String prefix();

            /** Static credentials; the default AWS credential chain when absent. */
            Optional<String> accessKey();

            Optional<String> secretKey();

            @WithDefault("true")
            boolean pathStyle();
        }
    }

    interface Registry {
        /**
         * How long a write to the models topic keeps retrying (a commit that times out, a producer that cannot start),
         * and then how long it keeps trying to learn an unknown outcome before the run is reported UNCONFIRMED.
         */
        @WithDefault("PT2M")
        Duration writeTimeout();
    }

    /** What a promotion or rollback (REST or command) may make live again; new runs publish regardless. */
    interface Promotion {
        /** The oldest version that may go live again (1: any). */
        @WithDefault("1")
        @Min(1)
        long minVersion();

        /** Versions that may never go live again, e.g. found faulty after release. */
        Optional<List<@Min(1) Long>> revokedVersions();
    }

    interface Signing {
        /** {@code hmac} or {@code ed25519}. */
        @WithDefault("hmac")
        String algorithm();

        @WithDefault("trainer")
        String keyId();

        /** HMAC secret, at least 32 bytes. */
        Optional<String> hmacSecret();

        /** Ed25519 keys, Base64 (X.509 public, PKCS#8 private). */
        Optional<String> ed25519PublicKey();

        Optional<String> ed25519PrivateKey();
    }
}
