package dev.streamtune.inference.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.inference.model.OnnxRuntimes;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.validator.BeanValidationConfigValidator;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The mapping's defaults and the range checks Quarkus applies at start-up (Hibernate Validator on the mapping). */
class InferenceConfigTest {

    private static SmallRyeConfig config(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .addSystemSources()
                .withConverter(Duration.class, 200, new DurationConverter()) // Quarkus' "20ms" / "5m" syntax
                .withMapping(InferenceConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .withValidator(new BeanValidationConfigValidator() {
                    private final Validator validator =
                            Validation.buildDefaultValidatorFactory().getValidator();

                    @Override
                    public Validator getValidator() {
                        return validator;
                    }
                })
                .build();
    }

    @Test
    void shouldDefaultEverySetting() {
        InferenceConfig config = config(Map.of()).getConfigMapping(InferenceConfig.class);

        assertThat(config.topics().texts()).isEqualTo(StreamtuneTopics.TEXTS_NAME);
        assertThat(config.batch().maxSize()).isEqualTo(32);
        assertThat(config.batch().maxWait()).isEqualTo(Duration.ofMillis(20));
        assertThat(config.batch().lengthBuckets()).containsExactly(16, 32, 64, 128, 256, 512);
        assertThat(config.onnx().runtime()).isEqualTo(OnnxRuntimes.Runtime.RAW);
        assertThat(config.stream().reviewThreshold()).isEqualTo(0.6);
        assertThat(config.drift().consecutiveWindows()).isEqualTo(3);
        assertThat(config.model().dir()).isEmpty();
    }

    @Test
    void shouldReadTheRuntimeCaseInsensitively() {
        InferenceConfig config =
                config(Map.of("streamtune.onnx.runtime", "djl")).getConfigMapping(InferenceConfig.class);

        assertThat(config.onnx().runtime()).isEqualTo(OnnxRuntimes.Runtime.DJL);
    }

    @Test
    void shouldRefuseOutOfRangeSettingsNamingThem() {
        assertThatThrownBy(() -> config(Map.of(
                        "streamtune.batch.max-size", "0",
                        "streamtune.stream.review-threshold", "1.5",
                        "streamtune.batch.length-buckets", "16,1")))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("streamtune.batch.max-size")
                .hasMessageContaining("streamtune.stream.review-threshold")
                .hasMessageContaining("streamtune.batch.length-buckets");
    }
}
