package dev.streamtune.common.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.TextInput;
import dev.streamtune.common.json.Json;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Reads raw record bytes into Streamtune records and checks them against {@link InputLimits}. Never throws on bad
 * input: every refusal is a {@link Rejection} with a reason a producer can act on.
 */
public final class InputValidator {

    public static final InputValidator DEFAULT = new InputValidator(InputLimits.DEFAULTS);

    private final InputLimits limits;

    public InputValidator(InputLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public InputLimits limits() {
        return limits;
    }

    /**
     * A labeled example from the examples topic. The id comes from the value, else from the key; when both are
     * present they must agree. A null value is a deletion and is not this method's business.
     */
    public Validated<LabeledExample> parseExample(byte[] key, byte[] value) {
        Objects.requireNonNull(value, "a null value is a tombstone: handle it before validation");
        Validated<ObjectNode> json = parseObject(value);
        if (!(json instanceof Validated.Valid<ObjectNode> validJson)) {
            return retype(json);
        }
        ObjectNode node = validJson.value();
        Validated<Integer> version = schemaVersion(node);
        if (!(version instanceof Validated.Valid<Integer> validVersion)) {
            return retype(version);
        }
        Validated<String> id = resolveId(key, node, true);
        if (!(id instanceof Validated.Valid<String> validId)) {
            return retype(id);
        }
        Validated<String> text = requiredText(node);
        if (!(text instanceof Validated.Valid<String> validText)) {
            return retype(text);
        }
        String label = textField(node, "label");
        if (label == null) {
            return Validated.invalid(RejectReason.MISSING_FIELD, "field 'label' is required");
        }
        var labelProblem = checkLabel(label);
        if (labelProblem != null) {
            return Validated.invalid(RejectReason.INVALID_LABEL, labelProblem);
        }
        Instant ts = null;
        String tsText = textField(node, "ts");
        if (tsText != null) {
            try {
                ts = Instant.parse(tsText);
            } catch (DateTimeParseException e) {
                return Validated.invalid(
                        RejectReason.MALFORMED_JSON,
                        "field 'ts' is not an ISO-8601 instant: '" + abbreviate(tsText) + "'");
            }
        }
        String source = textField(node, "source");
        if (source != null && source.length() > limits.maxAttributeChars()) {
            return Validated.invalid(
                    RejectReason.INVALID_ATTRIBUTES, "field 'source' is longer than " + limits.maxAttributeChars());
        }
        return Validated.valid(
                new LabeledExample(validVersion.value(), validId.value(), validText.value(), label, source, ts));
    }

    /**
     * A text to classify: a JSON object {@code {"text": ...}} or, when the value is not an object, plain UTF-8 text.
     * The key is the caller's (any bytes); when the value has an {@code id} and the record a key, they must agree.
     */
    public Validated<TextInput> parseText(byte[] key, byte[] value) {
        if (value == null) {
            return Validated.invalid(RejectReason.MISSING_FIELD, "the record has no value (null)");
        }
        Validated<String> decoded = decodeUtf8(value);
        if (!(decoded instanceof Validated.Valid<String> validDecoded)) {
            return retype(decoded);
        }
        String raw = validDecoded.value();
        if (!raw.stripLeading().startsWith("{")) {
            var problem = checkText(raw);
            return problem != null ? retype(problem) : Validated.valid(TextInput.of(raw));
        }
        Validated<ObjectNode> json = parseObject(raw);
        if (!(json instanceof Validated.Valid<ObjectNode> validJson)) {
            return retype(json);
        }
        ObjectNode node = validJson.value();
        Validated<Integer> version = schemaVersion(node);
        if (!(version instanceof Validated.Valid<Integer> validVersion)) {
            return retype(version);
        }
        Validated<String> id = resolveId(null, node, false);
        if (!(id instanceof Validated.Valid<String> validId)) {
            return retype(id);
        }
        if (validId.value() != null && key != null && !keyEquals(key, validId.value())) {
            // a text's key is the caller's and need not be text; only a value id is checked against it
            return Validated.invalid(
                    RejectReason.KEY_ID_MISMATCH,
                    "record key differs from field 'id' '" + abbreviate(validId.value()) + "'");
        }
        Validated<String> text = requiredText(node);
        if (!(text instanceof Validated.Valid<String> validText)) {
            return retype(text);
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        JsonNode attrs = node.get("attributes");
        if (attrs != null && !attrs.isNull()) {
            if (!attrs.isObject()) {
                return Validated.invalid(RejectReason.INVALID_ATTRIBUTES, "field 'attributes' must be an object");
            }
            if (attrs.size() > limits.maxAttributes()) {
                return Validated.invalid(
                        RejectReason.INVALID_ATTRIBUTES,
                        attrs.size() + " attributes, at most " + limits.maxAttributes() + " allowed");
            }
            for (var it = attrs.fields(); it.hasNext(); ) {
                var e = it.next();
                String v = e.getValue().isValueNode()
                        ? e.getValue().asText()
                        : e.getValue().toString();
                if (e.getKey().length() > limits.maxAttributeChars() || v.length() > limits.maxAttributeChars()) {
                    return Validated.invalid(
                            RejectReason.INVALID_ATTRIBUTES,
                            "attribute '" + abbreviate(e.getKey()) + "' is longer than " + limits.maxAttributeChars());
                }
                attributes.put(e.getKey(), v);
            }
        }
        return Validated.valid(new TextInput(validVersion.value(), validId.value(), validText.value(), attributes));
    }

    /** Checks a text already in memory (e.g. from the REST API). */
    public Validated<String> checkTextValue(String text) {
        if (text == null) {
            return Validated.invalid(RejectReason.MISSING_FIELD, "field 'text' is required");
        }
        var problem = checkText(text);
        return problem != null ? problem : Validated.valid(text);
    }

    /** Null when the label is acceptable, else what is wrong with it. */
    public String checkLabel(String label) {
        if (label.isEmpty()) {
            return "label is empty";
        }
        if (label.length() > limits.maxLabelChars()) {
            return "label is " + label.length() + " characters, at most " + limits.maxLabelChars() + " allowed";
        }
        if (!InputLimits.LABEL_PATTERN.matcher(label).matches()) {
            return "label '" + abbreviate(label)
                    + "' has characters outside letters, digits, space and _ . : / + - (or starts/ends with one)";
        }
        return null;
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    private Validated<ObjectNode> parseObject(byte[] value) {
        Validated<String> decoded = decodeUtf8(value);
        if (!(decoded instanceof Validated.Valid<String> v)) {
            return retype(decoded);
        }
        return parseObject(v.value());
    }

    private Validated<ObjectNode> parseObject(String json) {
        JsonNode node;
        try {
            node = Json.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            return Validated.invalid(RejectReason.MALFORMED_JSON, "not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            return Validated.invalid(
                    RejectReason.MALFORMED_JSON,
                    "expected a JSON object, got " + (node == null ? "nothing" : node.getNodeType()));
        }
        return Validated.valid((ObjectNode) node);
    }

    private Validated<String> decodeUtf8(byte[] value) {
        if (value.length > limits.maxPayloadBytes()) {
            return Validated.invalid(
                    RejectReason.PAYLOAD_TOO_LARGE,
                    "value is " + value.length + " bytes, at most " + limits.maxPayloadBytes() + " accepted");
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value));
            return Validated.valid(chars.toString());
        } catch (CharacterCodingException e) {
            return Validated.invalid(RejectReason.INVALID_UTF8, "value is not valid UTF-8: " + e.getMessage());
        }
    }

    private Validated<Integer> schemaVersion(ObjectNode node) {
        JsonNode v = node.get("schemaVersion");
        if (v == null || v.isNull()) {
            return Validated.valid(SchemaVersions.CURRENT);
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 1) {
            return Validated.invalid(RejectReason.MALFORMED_JSON, "field 'schemaVersion' must be a positive integer");
        }
        if (v.intValue() > SchemaVersions.CURRENT) {
            return Validated.invalid(
                    RejectReason.UNSUPPORTED_SCHEMA_VERSION,
                    "schemaVersion " + v.intValue() + " is newer than " + SchemaVersions.CURRENT
                            + ", the newest this service reads");
        }
        return Validated.valid(v.intValue());
    }

    private Validated<String> resolveId(byte[] key, ObjectNode node, boolean required) {
        JsonNode idNode = node.get("id");
        if (idNode != null && !idNode.isNull() && !idNode.isTextual() && !idNode.isIntegralNumber()) {
            return Validated.invalid(RejectReason.INVALID_ID, "field 'id' must be a string");
        }
        String fromValue = idNode == null || idNode.isNull() ? null : idNode.asText();
        String fromKey = null;
        if (key != null) {
            Validated<String> decodedKey = decodeUtf8(key);
            if (!(decodedKey instanceof Validated.Valid<String> k)) {
                return Validated.invalid(RejectReason.INVALID_ID, "record key is not valid UTF-8");
            }
            fromKey = k.value();
        }
        if (fromValue != null && fromKey != null && !fromValue.equals(fromKey)) {
            return Validated.invalid(
                    RejectReason.KEY_ID_MISMATCH,
                    "record key '" + abbreviate(fromKey) + "' differs from field 'id' '" + abbreviate(fromValue) + "'");
        }
        String id = fromValue != null ? fromValue : fromKey;
        if (id == null) {
            return required
                    ? Validated.invalid(RejectReason.MISSING_FIELD, "field 'id' is required (or a record key)")
                    : Validated.valid(null);
        }
        if (id.isBlank()) {
            return Validated.invalid(RejectReason.INVALID_ID, "id is blank");
        }
        if (id.length() > limits.maxIdChars()) {
            return Validated.invalid(
                    RejectReason.INVALID_ID, "id is " + id.length() + " characters, at most " + limits.maxIdChars());
        }
        if (id.chars().anyMatch(Character::isISOControl)) {
            return Validated.invalid(RejectReason.INVALID_ID, "id has control characters");
        }
        return Validated.valid(id);
    }

    private static boolean keyEquals(byte[] key, String id) {
        return java.util.Arrays.equals(key, id.getBytes(StandardCharsets.UTF_8));
    }

    private Validated<String> requiredText(ObjectNode node) {
        JsonNode t = node.get("text");
        if (t == null || t.isNull()) {
            return Validated.invalid(RejectReason.MISSING_FIELD, "field 'text' is required");
        }
        if (!t.isTextual()) {
            return Validated.invalid(
                    RejectReason.MALFORMED_JSON, "field 'text' must be a string, got " + t.getNodeType());
        }
        var problem = checkText(t.textValue());
        return problem != null ? problem : Validated.valid(t.textValue());
    }

    private Validated<String> checkText(String text) {
        if (text.isBlank()) {
            return Validated.invalid(RejectReason.EMPTY_TEXT, "text is empty or only whitespace");
        }
        int bytes = utf8Length(text);
        if (bytes > limits.maxTextBytes()) {
            return Validated.invalid(
                    RejectReason.TEXT_TOO_LONG,
                    "text is " + bytes + " UTF-8 bytes, at most " + limits.maxTextBytes() + " allowed");
        }
        return null;
    }

    private static String textField(ObjectNode node, String field) {
        JsonNode n = node.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }

    @SuppressWarnings("unchecked")
    private static <T> Validated<T> retype(Validated<?> invalid) {
        return (Validated<T>) invalid;
    }
}
