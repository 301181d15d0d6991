package dev.streamtune.trainer.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import dev.streamtune.trainer.TestExamples;
import dev.streamtune.trainer.training.RunOutcome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Warm start from the champion's weights; a new label grows the head on the next run. */
@WithEmbeddedKafka
class WarmStartTest {

    private static final ManifestSigner SIGNER = ManifestSigner.hmac("test", "warm-start-test-secret-0123456789abcdef");

    @TempDir
    Path tmp;

    @Test
    void shouldWarmStartFromTheChampionAndGrowTheHeadForANewLabel(EmbeddedKafkaBroker kafka) throws Exception {
        String model = "warm";
        var store = new FileSystemArtifactStore(tmp.resolve("models"));
        var registry = new TopicRegistryView(StreamtuneTopics.MODELS_NAME, kafka.clientProperties());
        var harness = new RunHarness(kafka, tmp.resolve("work"), SIGNER);
        List<LabeledExample> examples = new ArrayList<>(TestExamples.dataset("w", 60));

        RunOutcome first = harness.run(model, store, registry, new FixedDataset(examples), true);
        assertThat(first.status()).isEqualTo(RunOutcome.Status.PUBLISHED);

        for (int i = 0; i < 30; i++) {
            examples.add(LabeledExample.of(
                    "n-" + i, "Invoice " + i + " attached, payment due within thirty days, bank transfer", "invoice"));
        }
        RunOutcome second = harness.run(model, store, registry, new FixedDataset(examples), true);

        assertThat(second.status()).isIn(RunOutcome.Status.PUBLISHED, RunOutcome.Status.REJECTED);
        ModelManifest manifest =
                registry.read().get(model + "/v" + second.version()).manifest();
        assertThat(manifest.labels()).containsExactly("ham", "spam", "invoice"); // champion's order kept, new appended
        assertThat(manifest.lineage().warmStartVersion()).isEqualTo(1L);
        assertThat(second.lineage().warmStartVersion()).isEqualTo(1L);
    }
}
