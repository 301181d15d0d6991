package dev.streamtune.inference.rest;

import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One text ({@code text}) or many ({@code texts}); both may be given, {@code text} first. */
@Schema(description = "Texts to classify: `text` for one, `texts` for many")
public record ClassifyRequest(
        @Schema(description = "A text to classify", examples = "Win a free cruise, click now!")
        String text,

        @Schema(description = "Texts to classify, answered in order")
        List<String> texts) {

    public List<String> all() {
        List<String> all = new ArrayList<>();
        if (text != null) {
            all.add(text);
        }
        if (texts != null) {
            all.addAll(texts);
        }
        return all;
    }
}
