package dev.streamtune.kafka;

import java.util.Objects;

/** A SCRAM-SHA-512 user of the SASL_SSL listener. */
public record ScramUser(String name, String password) {

    public ScramUser {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(password, "password");
        if (name.isBlank() || name.contains(",") || name.contains("=")) {
            throw new IllegalArgumentException("SCRAM user name must be non-blank without ',' or '=': " + name);
        }
        if (password.isEmpty()) {
            throw new IllegalArgumentException("SCRAM password of " + name + " must not be empty");
        }
    }

    @Override
    public String toString() {
        return "ScramUser[" + name + "]";
    }
}
