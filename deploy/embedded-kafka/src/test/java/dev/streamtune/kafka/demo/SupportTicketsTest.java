package dev.streamtune.kafka.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.common.validation.Validated;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SupportTicketsTest {

    @Test
    void shouldGiveTheSameTicketsForTheSameSeedAndOthersForAnother() {
        List<LabeledExample> first = SupportTickets.generate(200, 7, "t");

        assertThat(SupportTickets.generate(200, 7, "t")).isEqualTo(first);
        assertThat(SupportTickets.generate(200, 8, "t")).isNotEqualTo(first);
    }

    @Test
    void shouldBalanceTheLabelsAndFillEverySlot() {
        List<LabeledExample> tickets = SupportTickets.generate(400, 3, "t");

        Map<String, Long> perLabel =
                tickets.stream().collect(Collectors.groupingBy(LabeledExample::label, Collectors.counting()));
        assertThat(perLabel).containsOnlyKeys(SupportTickets.LABELS).allSatisfy((label, n) -> assertThat(n)
                .isEqualTo(100));
        assertThat(tickets).allSatisfy(t -> assertThat(t.text()).doesNotContain("{", "}"));
        assertThat(tickets.stream().map(LabeledExample::id).collect(Collectors.toSet()))
                .hasSize(400);
        // varied enough to be worth learning: most texts are distinct
        assertThat(new HashSet<>(tickets.stream().map(LabeledExample::text).toList()))
                .hasSizeGreaterThan(300);
    }

    @Test
    void shouldPassTheExamplesTopicValidation() {
        for (LabeledExample t : SupportTickets.generate(100, 11, "demo-ticket")) {
            Validated<LabeledExample> parsed =
                    InputValidator.DEFAULT.parseExample(t.id().getBytes(StandardCharsets.UTF_8), Json.write(t));
            assertThat(parsed).isInstanceOf(Validated.Valid.class);
        }
        assertThat(SupportTickets.generate(8, 1, "x").stream()
                        .collect(Collectors.toMap(LabeledExample::label, Function.identity(), (a, b) -> a)))
                .hasSize(4);
    }
}
