package dev.streamtune.common.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.TextInput;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InputValidatorTest {

    private final InputValidator validator = new InputValidator(new InputLimits(100, 16, 12, 2, 20));

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Rejection rejection(Validated<?> result) {
        assertThat(result).isInstanceOf(Validated.Invalid.class);
        return ((Validated.Invalid<?>) result).rejection();
    }

    @Test
    void shouldAcceptAWellFormedExample() {
        var result = validator.parseExample(
                utf8("e1"),
                utf8("{\"id\":\"e1\",\"text\":\"hello\",\"label\":\"ham\",\"ts\":\"2026-01-01T00:00:00Z\"}"));

        LabeledExample example = result.orThrow();
        assertThat(example.id()).isEqualTo("e1");
        assertThat(example.label()).isEqualTo("ham");
        assertThat(example.ts()).hasToString("2026-01-01T00:00:00Z");
    }

    @Test
    void shouldTakeTheIdFromTheKeyWhenTheValueHasNone() {
        var result = validator.parseExample(utf8("from-key"), utf8("{\"text\":\"hello\",\"label\":\"ham\"}"));

        assertThat(result.orThrow().id()).isEqualTo("from-key");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "bad json            | {\"id\":\"e1\",                                 | MALFORMED_JSON | not valid JSON",
                "not an object       | [1,2]                                          | MALFORMED_JSON | expected a JSON object",
                "missing text        | {\"id\":\"e1\",\"label\":\"ham\"}              | MISSING_FIELD  | 'text'",
                "missing label       | {\"id\":\"e1\",\"text\":\"x\"}                 | MISSING_FIELD  | 'label'",
                "missing id          | {\"text\":\"x\",\"label\":\"ham\"}             | MISSING_FIELD  | 'id'",
                "empty text          | {\"id\":\"e1\",\"text\":\"  \",\"label\":\"a\"} | EMPTY_TEXT     | empty",
                "text not a string   | {\"id\":\"e1\",\"text\":5,\"label\":\"a\"}     | MALFORMED_JSON | must be a string",
                "label charset       | {\"id\":\"e1\",\"text\":\"x\",\"label\":\"a;b\"} | INVALID_LABEL | characters",
                "label length        | {\"id\":\"e1\",\"text\":\"x\",\"label\":\"abcdefghijklm\"} | INVALID_LABEL | 13 characters",
                "id length           | {\"id\":\"abcdefghijklmnopq\",\"text\":\"x\",\"label\":\"a\"} | INVALID_ID | 17 characters",
                "future schema       | {\"schemaVersion\":9,\"id\":\"e1\",\"text\":\"x\",\"label\":\"a\"} | UNSUPPORTED_SCHEMA_VERSION | 9",
                "bad timestamp       | {\"id\":\"e1\",\"text\":\"x\",\"label\":\"a\",\"ts\":\"yesterday\"} | MALFORMED_JSON | ISO-8601",
            })
    void shouldRejectAnInvalidExampleWithItsReason(String name, String json, RejectReason code, String detail) {
        Rejection r = rejection(validator.parseExample(null, utf8(json.strip())));

        assertThat(r.code()).isEqualTo(code);
        assertThat(r.reason()).startsWith(code.name() + ": ").contains(detail);
    }

    @Test
    void shouldRejectInvalidUtf8() {
        byte[] bytes = {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xFF, '"', '}'};

        assertThat(rejection(validator.parseExample(null, bytes)).code()).isEqualTo(RejectReason.INVALID_UTF8);
        assertThat(rejection(validator.parseText(null, new byte[] {(byte) 0xC3}))
                        .code())
                .isEqualTo(RejectReason.INVALID_UTF8);
    }

    @Test
    void shouldRejectAnOversizedTextCountingUtf8Bytes() {
        String text = "é".repeat(51); // 102 bytes, 51 chars

        Rejection r = rejection(validator.parseText(null, utf8(text)));

        assertThat(r.code()).isEqualTo(RejectReason.TEXT_TOO_LONG);
        assertThat(r.detail()).contains("102 UTF-8 bytes").contains("at most 100");
    }

    @Test
    void shouldRejectAPayloadFarLargerThanAnyValidRecordBeforeParsingIt() {
        byte[] huge = new byte[validator.limits().maxPayloadBytes() + 1];

        assertThat(rejection(validator.parseText(null, huge)).code()).isEqualTo(RejectReason.PAYLOAD_TOO_LARGE);
    }

    @Test
    void shouldRejectAKeyThatContradictsTheId() {
        Rejection r =
                rejection(validator.parseExample(utf8("k1"), utf8("{\"id\":\"e1\",\"text\":\"x\",\"label\":\"a\"}")));

        assertThat(r.code()).isEqualTo(RejectReason.KEY_ID_MISMATCH);
    }

    @Test
    void shouldReadPlainTextAndJsonTextInputs() {
        TextInput plain =
                validator.parseText(utf8("k"), utf8("  just some text ")).orThrow();
        TextInput json = validator
                .parseText(null, utf8("{\"id\":\"t9\",\"text\":\"hello\",\"attributes\":{\"lang\":\"en\",\"n\":3}}"))
                .orThrow();

        assertThat(plain.text()).isEqualTo("  just some text ");
        assertThat(json.id()).isEqualTo("t9");
        assertThat(json.attributes()).containsEntry("lang", "en").containsEntry("n", "3");
    }

    @Test
    void shouldRejectATextWhoseKeyDiffersFromItsId() {
        var mismatch = validator.parseText(utf8("x0"), utf8("{\"id\":\"other-0\",\"text\":\"hello\"}"));
        var binaryKey = validator.parseText(new byte[] {(byte) 0xC3}, utf8("{\"id\":\"t1\",\"text\":\"hello\"}"));

        assertThat(rejection(mismatch).code()).isEqualTo(RejectReason.KEY_ID_MISMATCH);
        assertThat(rejection(mismatch).detail()).contains("other-0");
        assertThat(rejection(binaryKey).code()).isEqualTo(RejectReason.KEY_ID_MISMATCH);
    }

    @Test
    void shouldAcceptATextWhoseKeyEqualsItsIdOrWhoseValueHasNoId() {
        assertThat(validator
                        .parseText(utf8("t1"), utf8("{\"id\":\"t1\",\"text\":\"hello\"}"))
                        .orThrow()
                        .id())
                .isEqualTo("t1");
        assertThat(validator
                        .parseText(new byte[] {(byte) 0xC3, 0}, utf8("{\"text\":\"hello\"}"))
                        .orThrow()
                        .id())
                .isNull();
    }

    @Test
    void shouldRejectTooManyAttributes() {
        var result = validator.parseText(
                null, utf8("{\"text\":\"x\",\"attributes\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}}"));

        assertThat(rejection(result).code()).isEqualTo(RejectReason.INVALID_ATTRIBUTES);
    }

    @Test
    void shouldRejectAnEmptyPlainText() {
        assertThat(rejection(validator.parseText(null, utf8(" \n\t"))).code()).isEqualTo(RejectReason.EMPTY_TEXT);
        assertThat(rejection(validator.parseText(null, null)).code()).isEqualTo(RejectReason.MISSING_FIELD);
    }

    @ParameterizedTest
    @CsvSource({"spam", "bill/refund", "4-star", "Ärger", "a b", "x.y:z+1"})
    void shouldAcceptLabelsInTheAllowedAlphabet(String label) {
        assertThat(validator.checkLabel(label)).isNull();
    }

    @ParameterizedTest
    @CsvSource({"'a '", "'-a'", "'a\tb'", "'<b>'", "''"})
    void shouldRejectLabelsOutsideTheAllowedAlphabet(String label) {
        assertThat(validator.checkLabel(label)).isNotNull();
    }
}
