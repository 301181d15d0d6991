package dev.streamtune.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;

@WithEmbeddedKafka(createTopics = false)
class ExactlyOnceStreamsTest {

    @Test
    void shouldRunKafkaStreamsWithExactlyOnceV2(EmbeddedKafkaBroker kafka) throws Exception {
        kafka.admin()
                .createTopics(List.of(new NewTopic("eos.in", 1, (short) 1), new NewTopic("eos.out", 1, (short) 1)))
                .all()
                .get();
        var builder = new StreamsBuilder();
        builder.stream("eos.in", Consumed.with(Serdes.String(), Serdes.String()))
                .mapValues(v -> v.toUpperCase(Locale.ROOT))
                .to("eos.out", Produced.with(Serdes.String(), Serdes.String()));
        var props = new Properties();
        props.putAll(kafka.clientProperties());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "eos-test");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        props.put(
                StreamsConfig.STATE_DIR_CONFIG,
                kafka.dataDir().resolve("streams").toString());

        try (var streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> streams.state() == KafkaStreams.State.RUNNING);
            try (var producer = EmbeddedKafkaBrokerTest.producer(kafka.clientProperties())) {
                producer.send(new ProducerRecord<>("eos.in", "k", "exactly once"))
                        .get();
            }
            Map<String, Object> consumer = new HashMap<>(kafka.clientProperties());

            List<ConsumerRecord<String, String>> out =
                    EmbeddedKafkaBrokerTest.consume(consumer, "eos.out", 1, "read_committed");

            assertThat(out).extracting(ConsumerRecord::value).containsExactly("EXACTLY ONCE");
        }
    }
}
