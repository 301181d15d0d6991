package dev.streamtune.inference.rest;

import java.util.List;

/** Why a request was refused; {@code details} name the offending texts by index. */
public record ClassifyError(String error, List<String> details) {}
