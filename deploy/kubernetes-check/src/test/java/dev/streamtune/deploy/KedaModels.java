package dev.streamtune.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * KEDA's CRD schemas from npm's {@code @kubernetes-models/keda} (generated from KEDA's CRDs), installed under
 * {@code target/} at test time. Two checks per object: the package's own validator (types, enums, required fields,
 * from the CRDs' OpenAPI schemas), and TypeScript's compiler over the object as a literal of the package's type
 * (unknown fields are errors there: the schemas alone do not reject them).
 */
final class KedaModels {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DIR = Path.of("target", "keda-models");
    private static boolean installed;

    private KedaModels() {}

    static synchronized void install() throws IOException, InterruptedException {
        if (installed) {
            return;
        }
        Files.createDirectories(DIR);
        Files.writeString(DIR.resolve("package.json"), "{\"private\": true, \"type\": \"module\"}\n");
        run(
                List.of(
                        "npm",
                        "install",
                        "--no-audit",
                        "--no-fund",
                        "--ignore-scripts",
                        "--no-save",
                        "@kubernetes-models/keda@" + System.getProperty("streamtune.keda-models.version"),
                        "typescript@" + System.getProperty("streamtune.typescript.version")),
                300);
        installed = true;
    }

    /** Errors of the package's validator for each object, empty when all fit. */
    static List<String> validate(List<ObjectNode> objects) throws IOException, InterruptedException {
        Files.writeString(DIR.resolve("objects.json"), JSON.writeValueAsString(objects));
        Files.writeString(DIR.resolve("validate.mjs"), """
                import { readFileSync } from "node:fs";
                import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
                import { TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";
                const models = { ScaledObject, TriggerAuthentication };
                for (const o of JSON.parse(readFileSync("objects.json", "utf8"))) {
                  try {
                    new models[o.kind](o).validate();
                  } catch (e) {
                    console.log(`${o.kind} ${o.metadata.name}: ${e.message} ${JSON.stringify(e.errors ?? [])}`);
                  }
                }
                """);
        return lines(run(List.of("node", "validate.mjs"), 120));
    }

    /** TypeScript's errors for the objects as literals of the package's types (unknown fields included). */
    static List<String> typeCheck(List<ObjectNode> objects) throws IOException, InterruptedException {
        var source = new StringBuilder()
                .append(
                        "import type { IScaledObject } from \"@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject\";\n")
                .append("import type { ITriggerAuthentication } from")
                .append(" \"@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication\";\n");
        for (int i = 0; i < objects.size(); i++) {
            ObjectNode o = objects.get(i);
            source.append("export const o")
                    .append(i)
                    .append(": I")
                    .append(o.path("kind").asText())
                    .append(" = ")
                    .append(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o))
                    .append(";\n");
        }
        Files.writeString(DIR.resolve("check.mts"), source);
        String out = run(
                List.of(
                        "node",
                        "node_modules/typescript/bin/tsc",
                        "--noEmit",
                        "--strict",
                        "--skipLibCheck",
                        "--module",
                        "nodenext",
                        "--moduleResolution",
                        "nodenext",
                        "--target",
                        "es2022",
                        "check.mts"),
                300);
        return lines(out);
    }

    private static List<String> lines(String out) {
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    /** Runs a command in the models' directory; its output whatever the exit code (tsc exits 2 on type errors). */
    private static String run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(command))
                .directory(DIR.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " timed out");
        }
        if (p.exitValue() != 0 && command.get(0).equals("npm")) {
            throw new IllegalStateException(command + " failed: " + out);
        }
        return out;
    }
}
