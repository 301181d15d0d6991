package dev.streamtune.common.onnx;

import ai.onnxruntime.OrtSession;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.tokenizer.TokenBatch;
import dev.streamtune.common.tokenizer.TokenizedText;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Prints import/export times and sizes for MiniLM and ONNX Runtime throughput of the exported graph against the
 * original, measured in the same run. A command, not a check:
 * {@code ./mvnw -B -pl common -am verify -Dtest=MiniLmOnnxBenchmark -Dstreamtune.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}; figures land in {@code common/target/surefire-reports/*-output.txt}.
 */
@EnabledIfSystemProperty(named = "streamtune.bench", matches = "true")
class MiniLmOnnxBenchmark {

    @Test
    void printFigures() throws Exception {
        byte[] original = OrtSupport.miniLmBytes();
        double[] importMs = new double[3];
        BertWeights weights = null;
        for (int i = 0; i < importMs.length; i++) {
            long start = System.nanoTime();
            weights = OnnxBertImporter.builder().build().importModel(new ByteArrayInputStream(original));
            importMs[i] = (System.nanoTime() - start) / 1e6;
        }
        BertOnnxExporter exporter = BertOnnxExporter.builder()
                .setWeights(weights)
                .setHead(ClassifierHead.random(2, 384, 1))
                .setPooling(Pooling.MEAN)
                .setLabels(List.of("ham", "spam"))
                .build();
        double[] exportMs = new double[5];
        byte[] exported = null;
        for (int i = 0; i < exportMs.length; i++) {
            long start = System.nanoTime();
            exported = exporter.toBytes();
            exportMs[i] = (System.nanoTime() - start) / 1e6;
        }
        System.out.printf(
                "MiniLM import: median %.0f ms; export: median %.0f ms, %d bytes (original %d bytes)%n",
                median(importMs), median(exportMs), exported.length, original.length);

        long start = System.nanoTime();
        OrtSession theirs = OrtSupport.session(original);
        double theirsLoad = (System.nanoTime() - start) / 1e6;
        start = System.nanoTime();
        OrtSession ours = OrtSupport.session(exported);
        double oursLoad = (System.nanoTime() - start) / 1e6;
        System.out.printf("ORT session creation: original %.0f ms, exported %.0f ms%n", theirsLoad, oursLoad);
        try (theirs;
                ours) {
            for (int[] shape : new int[][] {{1, 64}, {8, 64}, {8, 128}}) {
                TokenBatch batch = batch(shape[0], shape[1]);
                OrtSupport.run(theirs, batch); // warm-up
                OrtSupport.run(ours, batch);
                double[] a = new double[5];
                double[] b = new double[5];
                for (int i = 0; i < 5; i++) { // interleaved so that load noise hits both
                    a[i] = timeMs(theirs, batch);
                    b[i] = timeMs(ours, batch);
                }
                System.out.printf(
                        "batch %d x %d tokens: original %.1f seq/s, exported %.1f seq/s, ratio %.2f%n",
                        shape[0],
                        shape[1],
                        shape[0] * 1000 / median(a),
                        shape[0] * 1000 / median(b),
                        median(a) / median(b));
            }
        }
        printInt8Figures(weights);
    }

    /** fp32 vs dynamically quantized exports of the same weights, interleaved, plus their parity on random text. */
    private static void printInt8Figures(BertWeights weights) {
        BertOnnxExporter.Builder builder = BertOnnxExporter.builder()
                .setWeights(weights)
                .setHead(ClassifierHead.random(2, 384, 1))
                .setPooling(Pooling.MEAN)
                .setLabels(List.of("ham", "spam"))
                .optPooledOutput(true);
        byte[] fp32 = builder.build().toBytes();
        for (int maxLevel : new int[] {Int8WeightQuantizer.REDUCED_RANGE, Int8WeightQuantizer.FULL_RANGE}) {
            byte[] int8 = builder.optDynamicInt8(true)
                    .optInt8WeightMax(maxLevel)
                    .build()
                    .toBytes();
            try (OrtSession f = OrtSupport.session(fp32);
                    OrtSession q = OrtSupport.session(int8)) {
                System.out.printf("int8 |q|<=%d: %d bytes (fp32 %d bytes)%n", maxLevel, int8.length, fp32.length);
                for (int[] shape : new int[][] {{8, 64}, {32, 64}, {8, 128}, {16, 128}}) {
                    TokenBatch batch = batch(shape[0], shape[1]);
                    float[] pooledF = OrtSupport.run(f, batch).get(BertOnnxExporter.POOLED);
                    float[] pooledQ = OrtSupport.run(q, batch).get(BertOnnxExporter.POOLED);
                    double[] a = new double[5];
                    double[] b = new double[5];
                    for (int i = 0; i < 5; i++) {
                        a[i] = timeMs(f, batch);
                        b[i] = timeMs(q, batch);
                    }
                    System.out.printf(
                            "  batch %d x %d: fp32 %.1f seq/s, int8 %.1f seq/s, ratio %.2f; pooled cosine min %.4f%n",
                            shape[0],
                            shape[1],
                            shape[0] * 1000 / median(a),
                            shape[0] * 1000 / median(b),
                            median(a) / median(b),
                            minCosine(pooledF, pooledQ, 384));
                }
            } catch (ai.onnxruntime.OrtException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static double minCosine(float[] a, float[] b, int dim) {
        double min = 1;
        for (int r = 0; r < a.length / dim; r++) {
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int j = r * dim; j < (r + 1) * dim; j++) {
                dot += a[j] * b[j];
                na += a[j] * a[j];
                nb += b[j] * b[j];
            }
            min = Math.min(min, dot / Math.sqrt(na * nb));
        }
        return min;
    }

    private static double timeMs(OrtSession session, TokenBatch batch) {
        long start = System.nanoTime();
        OrtSupport.run(session, batch);
        return (System.nanoTime() - start) / 1e6;
    }

    private static TokenBatch batch(int size, int length) {
        Random random = new Random(length);
        List<TokenizedText> texts = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            long[] ids = new long[length];
            for (int t = 0; t < length; t++) {
                ids[t] = t == 0 ? 101 : t == length - 1 ? 102 : 1000 + random.nextInt(29000);
            }
            long[] mask = new long[length];
            Arrays.fill(mask, 1);
            texts.add(new TokenizedText(ids, new long[length], mask, length, 0));
        }
        return TokenBatch.pad(texts, 0);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
