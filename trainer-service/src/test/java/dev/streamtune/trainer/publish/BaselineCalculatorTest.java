package dev.streamtune.trainer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.streamtune.common.model.DriftBaselines;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaselineCalculatorTest {

    @TempDir
    Path tmp;

    @Test
    void shouldDescribeTheValidationSetForDriftMonitoring() throws Exception {
        Path tokenizer = tmp.resolve("tokenizer.json");
        try (InputStream in = getClass().getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            Files.copy(in, tokenizer);
        }
        List<String> texts = List.of("free money now", "meeting at ten", "🦄🦄🦄", "a much longer text ".repeat(20));
        TokenStatistics tokens = TokenStatistics.of(tokenizer, texts, 32);

        DriftBaselines baselines = BaselineCalculator.compute(
                List.of("ham", "spam"),
                List.of(new double[] {0.5, 0.5}, new double[] {0.9, 0.1}, new double[] {0.02, 0.98}, new double[] {
                    0.4, 0.6
                }),
                tokens);

        // the model's predicted labels (a tie goes to the first label, as serving picks it), not the true ones
        assertThat(baselines.labelPrior()).containsExactly(Map.entry("ham", 0.5), Map.entry("spam", 0.5));
        assertThat(baselines.sampleCount()).isEqualTo(4);
        assertThat(baselines.meanConfidence()).isCloseTo((0.5 + 0.9 + 0.98 + 0.6) / 4, within(1e-9));
        assertThat(baselines.meanEntropy())
                .isCloseTo(entropy(0.5, 0.5, 0.9, 0.1, 0.02, 0.98, 0.4, 0.6) / 4, within(1e-9));
        assertThat(sum(baselines.confidence().fractions())).isCloseTo(1.0, within(1e-9));
        assertThat(baselines.confidence().fractions().get(baselines.confidence().binOf(0.98)))
                .isEqualTo(0.25);
        assertThat(sum(baselines.tokenLength().fractions())).isCloseTo(1.0, within(1e-9));
        // lengths before truncation: the long text counts past the 32-token limit
        assertThat(tokens.lengths()[3]).isGreaterThan(32);
        assertThat(baselines.meanTokenLength()).isGreaterThan(8);
        // emoji are outside MiniLM's vocabulary
        assertThat(baselines.unknownTokenRate()).isGreaterThan(0);
    }

    private static double entropy(double... pairs) {
        double h = 0;
        for (double p : pairs) {
            h -= p * Math.log(p);
        }
        return h;
    }

    private static double sum(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).sum();
    }
}
