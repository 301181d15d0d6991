package dev.streamtune.inference.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Deterministic English-like texts with a long-tailed length distribution (log-normal, median about 25 words, clipped
 * to 3..200 words), like short messages mixed with longer emails.
 */
final class BenchCorpus {

    private static final String[] WORDS =
            ("the of and to in is you that it he was for on are as with his they at be this"
                            + " have from or one had by word but not what all were we when your can said there use an each which"
                            + " she do how their if will up other about out many then them these so some her would make like him"
                            + " into time has look two more write go see number no way could people my than first water been call"
                            + " who oil its now find long down day did get come made may part offer free winner claim prize money"
                            + " account meeting tomorrow invoice attached please regards schedule project update unsubscribe click"
                            + " link limited urgent password verify bank transfer report review deadline team thanks lunch cheap"
                            + " pills discount guaranteed credit loan")
                    .split(" ");

    private BenchCorpus() {}

    static List<String> generate(int count, long seed) {
        Random random = new Random(seed);
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int words = (int) Math.round(Math.exp(Math.log(25) + 0.7 * random.nextGaussian()));
            words = Math.max(3, Math.min(200, words));
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < words; w++) {
                if (w > 0) {
                    text.append(random.nextInt(12) == 0 ? ". " : " ");
                }
                text.append(WORDS[random.nextInt(WORDS.length)]);
            }
            texts.add(text.toString());
        }
        return texts;
    }
}
