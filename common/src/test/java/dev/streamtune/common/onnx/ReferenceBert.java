package dev.streamtune.common.onnx;

import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.tokenizer.TokenBatch;

/** A plain-Java BERT forward pass (double arithmetic) straight from Hugging Face's modeling_bert, for tests. */
final class ReferenceBert {

    private final BertWeights weights;
    private final BertConfig config;

    ReferenceBert(BertWeights weights) {
        this.weights = weights;
        this.config = weights.config();
    }

    /** {@code [batch][sequence][hidden]}. */
    double[][][] lastHiddenState(TokenBatch batch) {
        int b = batch.batchSize();
        int s = batch.sequenceLength();
        double[][][] out = new double[b][][];
        for (int row = 0; row < b; row++) {
            double[][] x = embed(batch, row);
            long[] mask = new long[s];
            System.arraycopy(batch.attentionMask(), row * s, mask, 0, s);
            for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
                x = layer(x, mask, BertWeights.layerPrefix(layer));
            }
            out[row] = x;
        }
        return out;
    }

    static double[] pool(Pooling pooling, double[][] hidden, long[] mask, BertWeights weights) {
        return switch (pooling) {
            case CLS -> hidden[0].clone();
            case POOLER -> {
                double[] dense = linear(new double[][] {hidden[0]}, weights, BertWeights.POOLER_DENSE)[0];
                for (int i = 0; i < dense.length; i++) {
                    dense[i] = Math.tanh(dense[i]);
                }
                yield dense;
            }
            case MEAN -> {
                double[] sum = new double[hidden[0].length];
                double count = 0;
                for (int t = 0; t < hidden.length; t++) {
                    if (mask[t] == 1) {
                        count++;
                        for (int j = 0; j < sum.length; j++) {
                            sum[j] += hidden[t][j];
                        }
                    }
                }
                for (int j = 0; j < sum.length; j++) {
                    sum[j] /= Math.max(count, 1e-9);
                }
                yield sum;
            }
        };
    }

    private double[][] embed(TokenBatch batch, int row) {
        int s = batch.sequenceLength();
        int h = config.hiddenSize();
        float[] words = weights.tensor(BertWeights.WORD_EMBEDDINGS).data();
        float[] positions = weights.tensor(BertWeights.POSITION_EMBEDDINGS).data();
        float[] types = weights.tensor(BertWeights.TOKEN_TYPE_EMBEDDINGS).data();
        double[][] x = new double[s][h];
        for (int t = 0; t < s; t++) {
            int id = (int) batch.inputIds()[row * s + t];
            int type = (int) batch.tokenTypeIds()[row * s + t];
            for (int j = 0; j < h; j++) {
                x[t][j] = (double) words[id * h + j] + types[type * h + j] + positions[t * h + j];
            }
        }
        return layerNorm(x, BertWeights.EMBEDDINGS_LAYER_NORM);
    }

    private double[][] layer(double[][] x, long[] mask, String p) {
        int s = x.length;
        int heads = config.numAttentionHeads();
        int d = config.headSize();
        double[][] q = linear(x, weights, p + "attention.self.query");
        double[][] k = linear(x, weights, p + "attention.self.key");
        double[][] v = linear(x, weights, p + "attention.self.value");
        double[][] context = new double[s][config.hiddenSize()];
        double minimum = -Float.MAX_VALUE;
        for (int head = 0; head < heads; head++) {
            int off = head * d;
            for (int i = 0; i < s; i++) {
                double[] scores = new double[s];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < s; j++) {
                    double dot = 0;
                    for (int c = 0; c < d; c++) {
                        dot += q[i][off + c] * k[j][off + c];
                    }
                    scores[j] = dot / Math.sqrt(d) + (1 - mask[j]) * minimum;
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < s; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = 0; j < s; j++) {
                    double pr = scores[j] / sum;
                    for (int c = 0; c < d; c++) {
                        context[i][off + c] += pr * v[j][off + c];
                    }
                }
            }
        }
        double[][] attended = layerNorm(
                add(linear(context, weights, p + "attention.output.dense"), x), p + "attention.output.LayerNorm");
        double[][] inter = linear(attended, weights, p + "intermediate.dense");
        for (double[] rowValues : inter) {
            for (int j = 0; j < rowValues.length; j++) {
                rowValues[j] = activation(rowValues[j]);
            }
        }
        return layerNorm(add(linear(inter, weights, p + "output.dense"), attended), p + "output.LayerNorm");
    }

    private double activation(double x) {
        return switch (config.hiddenAct()) {
            case BertConfig.GELU -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            case BertConfig.GELU_TANH, BertConfig.GELU_PYTORCH_TANH ->
                0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case BertConfig.RELU -> Math.max(0, x);
            default -> throw new IllegalStateException(config.hiddenAct());
        };
    }

    /** erf to ~1e-12: Taylor series below 3, the erfc continued fraction above. */
    static double erf(double x) {
        double ax = Math.abs(x);
        double result;
        if (ax < 3) {
            double term = ax;
            double sum = ax;
            for (int n = 1; n < 200; n++) {
                term *= -ax * ax / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17) {
                    break;
                }
            }
            result = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(x) = exp(-x^2) / (sqrt(pi) * (x + (1/2) / (x + (2/2) / (x + ...)))), evaluated backwards
            double f = ax;
            for (int n = 60; n >= 1; n--) {
                f = ax + (n / 2.0) / f;
            }
            result = 1 - Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
        }
        return x < 0 ? -result : result;
    }

    static double[][] linear(double[][] x, BertWeights weights, String prefix) {
        NamedTensor w = weights.tensor(prefix + ".weight");
        float[] bias = weights.tensor(prefix + ".bias").data();
        int out = (int) w.dim(0);
        int in = (int) w.dim(1);
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double sum = bias[o];
                int base = o * in;
                for (int i = 0; i < in; i++) {
                    sum += w.data()[base + i] * x[t][i];
                }
                y[t][o] = sum;
            }
        }
        return y;
    }

    private double[][] layerNorm(double[][] x, String prefix) {
        float[] gamma = weights.tensor(prefix + ".weight").data();
        float[] beta = weights.tensor(prefix + ".bias").data();
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (double v : x[t]) {
                mean += v;
            }
            mean /= x[t].length;
            double var = 0;
            for (double v : x[t]) {
                var += (v - mean) * (v - mean);
            }
            var /= x[t].length;
            double inv = 1 / Math.sqrt(var + config.layerNormEps());
            y[t] = new double[x[t].length];
            for (int j = 0; j < x[t].length; j++) {
                y[t][j] = (x[t][j] - mean) * inv * gamma[j] + beta[j];
            }
        }
        return y;
    }

    private static double[][] add(double[][] a, double[][] b) {
        for (int t = 0; t < a.length; t++) {
            for (int j = 0; j < a[t].length; j++) {
                a[t][j] += b[t][j];
            }
        }
        return a;
    }
}
