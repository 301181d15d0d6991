package dev.streamtune.trainer.config;

import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.store.ArtifactStore;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.common.store.S3ArtifactStore;
import dev.streamtune.common.validation.InputLimits;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.trainer.dataset.DatasetTopology;
import dev.streamtune.trainer.dataset.SplitAssigner;
import dev.streamtune.trainer.kafka.SignalRelay;
import dev.streamtune.trainer.kafka.StreamsErrorHandlers;
import dev.streamtune.trainer.training.BertModelTrainer;
import dev.streamtune.trainer.training.ModelTrainer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/** Builds the trainer's parts from configuration, failing start-up with a clear message when it is inconsistent. */
@ApplicationScoped
public class TrainerProducers {

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @Singleton
    SignalRelay signalRelay() {
        return new SignalRelay();
    }

    /** Also the first thing built before Kafka Streams joins its group: where a clashing instance name is refused. */
    @Produces
    @Singleton
    Topology topology(TrainerConfig config, SignalRelay signals, Clock clock) {
        requireUniqueInstance(config.instance(), System.getenv());
        TrainerConfig.Dataset dataset = config.dataset();
        if (dataset.validationFraction() + dataset.testFraction() >= 0.9) {
            throw new IllegalArgumentException("streamtune.trainer.dataset: validation-fraction + test-fraction must"
                    + " leave at least 10% for training");
        }
        InputLimits limits = new InputLimits(
                dataset.maxTextBytes(),
                InputLimits.DEFAULTS.maxIdChars(),
                InputLimits.DEFAULTS.maxLabelChars(),
                InputLimits.DEFAULTS.maxAttributes(),
                InputLimits.DEFAULTS.maxAttributeChars());
        var settings = new DatasetTopology.Settings(
                config.topics().examples(),
                config.topics().commands(),
                config.topics().monitoring(),
                config.topics().models(),
                config.topics().dlq(),
                config.model(),
                new InputValidator(limits),
                new SplitAssigner(dataset.validationFraction(), dataset.testFraction(), dataset.splitSalt()),
                config.triggers().maxSignalAge(),
                clock);
        return DatasetTopology.build(settings, signals);
    }

    /**
     * Refuses the fallback instance name in a Kubernetes cluster: it is the group instance id of the trainer's Kafka
     * Streams consumer, and two pods with the same one fence each other.
     */
    static void requireUniqueInstance(String instance, Map<String, String> environment) {
        boolean inCluster = environment.containsKey("KUBERNETES_SERVICE_HOST");
        if (inCluster && (instance.isBlank() || TrainerConfig.DEFAULT_INSTANCE.equals(instance))) {
            throw new IllegalStateException("streamtune.trainer.instance is '" + instance + "' in a Kubernetes"
                    + " cluster: it must be stable and unique per trainer (it is the Kafka Streams group instance id)."
                    + " Set it from the pod name (HOSTNAME in a StatefulSet).");
        }
    }

    @Produces
    @Singleton
    ArtifactStore artifactStore(TrainerConfig config) {
        TrainerConfig.Store store = config.store();
        return switch (store.type().toLowerCase(Locale.ROOT)) {
            case "filesystem" -> new FileSystemArtifactStore(store.filesystemRoot());
            case "s3" -> {
                TrainerConfig.Store.S3 s3 = store.s3();
                String bucket = s3.bucket()
                        .orElseThrow(() -> new IllegalArgumentException(
                                "streamtune.trainer.store.s3.bucket is required for the s3 store"));
                if (s3.accessKey().isPresent() != s3.secretKey().isPresent()) {
                    throw new IllegalArgumentException(
                            "streamtune.trainer.store.s3.access-key and secret-key go together");
                }
                yield S3ArtifactStore.create(
                        s3.endpoint().orElse(null),
                        s3.region(),
                        s3.accessKey().orElse(null),
                        s3.secretKey().orElse(null),
                        s3.pathStyle(),
                        bucket,
                        s3.prefix());
            }
            default ->
                throw new IllegalArgumentException(
                        "streamtune.trainer.store.type must be filesystem or s3, not '" + store.type() + "'");
        };
    }

    void closeStore(@Disposes ArtifactStore store) {
        if (store instanceof S3ArtifactStore s3) {
            s3.close();
        }
    }

    /** A stream thread that dies is replaced (it resumes from the last commit), a few times, not forever. */
    @Produces
    @Singleton
    StreamsUncaughtExceptionHandler uncaughtExceptionHandler(Clock clock) {
        return new StreamsErrorHandlers.Uncaught(3, Duration.ofMinutes(10), clock);
    }

    @Produces
    @Singleton
    ModelTrainer modelTrainer() {
        return new BertModelTrainer();
    }

    @Produces
    @Singleton
    ManifestSigner signer(TrainerConfig config) {
        TrainerConfig.Signing signing = config.signing();
        return switch (signing.algorithm().toLowerCase(Locale.ROOT)) {
            case "hmac" ->
                ManifestSigner.hmac(
                        signing.keyId(),
                        signing.hmacSecret()
                                .orElseThrow(() -> new IllegalArgumentException(
                                        "streamtune.trainer.signing.hmac-secret is required for hmac signing")));
            case "ed25519" ->
                ManifestSigner.ed25519(
                        signing.keyId(),
                        signing.ed25519PublicKey()
                                .orElseThrow(() -> new IllegalArgumentException(
                                        "streamtune.trainer.signing.ed25519-public-key is required")),
                        signing.ed25519PrivateKey()
                                .orElseThrow(() -> new IllegalArgumentException(
                                        "streamtune.trainer.signing.ed25519-private-key is required to sign")));
            default ->
                throw new IllegalArgumentException("streamtune.trainer.signing.algorithm must be hmac or ed25519, not '"
                        + signing.algorithm() + "'");
        };
    }
}
