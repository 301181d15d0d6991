package dev.streamtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamtune.common.json.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;

/** The trainer's REST API ({@code /trainer/...}) with a bearer token; HTTP refusals become exit codes. */
final class TrainerClient {

    private final String baseUrl;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    TrainerClient(TrainerOptions options, Duration timeout) {
        this.baseUrl = options.url.endsWith("/") ? options.url.substring(0, options.url.length() - 1) : options.url;
        this.token = options.token();
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    JsonNode get(String path) {
        return send(request(path).GET(), path);
    }

    JsonNode post(String path, Map<String, ?> body) {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(body))), path);
    }

    private HttpRequest.Builder request(String path) {
        URI uri;
        try {
            uri = URI.create(baseUrl + path);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "--trainer-url " + baseUrl + ": " + e.getMessage());
        }
        var builder = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json");
        return token == null ? builder : builder.header("Authorization", "Bearer " + token);
    }

    private JsonNode send(HttpRequest.Builder request, String path) {
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw new CliException(ExitCodes.UNREACHABLE, "the trainer at " + baseUrl + " does not answer: " + e, e);
        } catch (HttpTimeoutException e) {
            throw new CliException(
                    ExitCodes.UNREACHABLE, "the trainer at " + baseUrl + " did not answer within " + timeout, e);
        } catch (IOException e) {
            throw new CliException(ExitCodes.UNREACHABLE, "the trainer at " + baseUrl + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILED, "interrupted");
        }
        int status = response.statusCode();
        JsonNode body = parse(response.body());
        String error = body.path("error").asText(response.body());
        if (status == 401) {
            throw new CliException(
                    ExitCodes.DENIED,
                    "the trainer refused the token (401"
                            + (token == null ? ", none given: --token or STREAMTUNE_TOKEN" : "") + "): " + error);
        }
        if (status == 403) {
            throw new CliException(
                    ExitCodes.DENIED, "the token lacks the role for " + path + " (403: operator or viewer): " + error);
        }
        if (status == 404 || status == 409 || status == 503 || status == 504) {
            String outcome = body.path("outcome").isMissingNode()
                    ? ""
                    : " (" + body.path("outcome").asText() + ")";
            throw new CliException(ExitCodes.REFUSED, "the trainer refused (" + status + "): " + error + outcome);
        }
        if (status / 100 != 2) {
            throw new CliException(ExitCodes.FAILED, "the trainer answered " + status + ": " + error);
        }
        return body;
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank()
                    ? Json.mapper().createObjectNode()
                    : Json.mapper().readTree(body);
        } catch (IOException e) {
            return Json.mapper().createObjectNode();
        }
    }
}
