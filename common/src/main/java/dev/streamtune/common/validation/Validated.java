package dev.streamtune.common.validation;

/** The outcome of reading and checking one record: a value, or the reason it was refused. */
public sealed interface Validated<T> permits Validated.Valid, Validated.Invalid {

    static <T> Validated<T> valid(T value) {
        return new Valid<>(value);
    }

    static <T> Validated<T> invalid(RejectReason code, String detail) {
        return new Invalid<>(new Rejection(code, detail));
    }

    default boolean isValid() {
        return this instanceof Valid;
    }

    /** The value; throws {@link IllegalStateException} with the reason when invalid. */
    default T orThrow() {
        if (this instanceof Valid<T> v) {
            return v.value();
        }
        throw new IllegalStateException(((Invalid<T>) this).rejection().reason());
    }

    record Valid<T>(T value) implements Validated<T> {}

    record Invalid<T>(Rejection rejection) implements Validated<T> {}
}
