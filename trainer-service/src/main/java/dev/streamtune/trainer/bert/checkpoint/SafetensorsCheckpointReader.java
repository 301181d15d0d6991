package dev.streamtune.trainer.bert.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.onnx.NamedTensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the tensors of a Hugging Face checkpoint directory's {@code model.safetensors} (or the shards listed by
 * {@code model.safetensors.index.json}) with DJL's safetensors decoder, as float32 {@link NamedTensor}s under their
 * stored names. Half-precision tensors are widened.
 */
public final class SafetensorsCheckpointReader {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private SafetensorsCheckpointReader() {}

    public static List<NamedTensor> read(Path dir) {
        List<Path> files = new ArrayList<>();
        if (Files.isRegularFile(dir.resolve(SINGLE_FILE))) {
            files.add(dir.resolve(SINGLE_FILE));
        } else if (Files.isRegularFile(dir.resolve(INDEX_FILE))) {
            files.addAll(shards(dir));
        } else if (Files.isRegularFile(dir.resolve("pytorch_model.bin"))) {
            throw new IllegalArgumentException(dir + " holds pytorch_model.bin (pickle), which cannot be read safely;"
                    + " convert it to model.safetensors first");
        } else {
            throw new IllegalArgumentException("no " + SINGLE_FILE + " or " + INDEX_FILE + " in " + dir);
        }
        List<NamedTensor> tensors = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            for (Path file : files) {
                try (InputStream in = Files.newInputStream(file);
                        NDManager fileManager = manager.newSubManager()) {
                    NDList list = NDList.decode(fileManager, in);
                    for (NDArray array : list) {
                        if (array.getDataType().isFloating()) {
                            tensors.add(toTensor(array));
                        } // integer buffers such as embeddings.position_ids are not parameters
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + file, e);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            file + " is not a readable safetensors file: " + e.getMessage(), e);
                }
            }
        }
        return tensors;
    }

    private static NamedTensor toTensor(NDArray array) {
        String name = array.getName();
        NDArray floats = array.getDataType() == DataType.FLOAT32 ? array : array.toType(DataType.FLOAT32, false);
        return new NamedTensor(name, floats.getShape().getShape(), floats.toFloatArray());
    }

    private static Set<Path> shards(Path dir) {
        try {
            JsonNode index = Json.mapper().readTree(Files.readAllBytes(dir.resolve(INDEX_FILE)));
            Set<Path> shards = new LinkedHashSet<>();
            for (Iterator<JsonNode> it = index.path("weight_map").elements(); it.hasNext(); ) {
                Path shard = dir.resolve(it.next().asText()).normalize();
                if (!shard.startsWith(dir.normalize())) {
                    throw new IllegalArgumentException(INDEX_FILE + " points outside " + dir + ": " + shard);
                }
                shards.add(shard);
            }
            if (shards.isEmpty()) {
                throw new IllegalArgumentException(INDEX_FILE + " in " + dir + " lists no shards");
            }
            return shards;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve(INDEX_FILE), e);
        }
    }
}
