package dev.streamtune.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of the PrometheusRule and the Grafana dashboard in {@code deploy/kubernetes/base/monitoring}, and the
 * metric names it reads.
 */
public final class MonitoringQueries {

    public static final String RULES = "base/monitoring/81-prometheusrule.yaml";
    public static final String DASHBOARD = "base/monitoring/grafana-dashboard.json";

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");
    private static final Set<String> KEYWORDS =
            Set.of("and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool");

    private MonitoringQueries() {}

    /** Every expression: the rules' {@code expr} and the dashboard targets' {@code expr}. */
    public static List<String> expressions(Path kubernetesDir) {
        var exprs = new ArrayList<String>();
        for (var rules : Kustomize.parse(kubernetesDir.resolve(RULES))) {
            rules.at("/spec/groups").forEach(g -> g.path("rules")
                    .forEach(r -> exprs.add(r.path("expr").asText())));
        }
        try {
            JsonNode dashboard =
                    new ObjectMapper().readTree(kubernetesDir.resolve(DASHBOARD).toFile());
            dashboard.path("panels").forEach(p -> p.path("targets")
                    .forEach(t -> exprs.add(t.path("expr").asText())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return exprs;
    }

    /** The metric names every expression reads. */
    public static Set<String> metricNames(Path kubernetesDir) {
        var names = new TreeSet<String>();
        expressions(kubernetesDir).forEach(e -> names.addAll(metricNames(e)));
        return names;
    }

    /**
     * The metric names starting with {@code prefix} that the rules and dashboard read but a Prometheus scrape (the text
     * of a service's {@code /q/metrics}) does not have.
     */
    public static Set<String> missingFrom(String scrape, String prefix) {
        var exposed = new TreeSet<String>();
        scrape.lines()
                .filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("[{ ]", 2)[0])
                .forEach(exposed::add);
        var missing = new TreeSet<String>();
        metricNames(Installations.kubernetesDir()).stream()
                .filter(n -> n.startsWith(prefix))
                .filter(n -> !exposed.contains(n))
                .forEach(missing::add);
        return missing;
    }

    /**
     * The metric names one PromQL expression reads: identifiers outside label matchers, strings, ranges and grouping
     * clauses that are not functions, aggregations or keywords.
     */
    public static Set<String> metricNames(String expr) {
        String bare = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        var names = new TreeSet<String>();
        Matcher m = IDENTIFIER.matcher(bare);
        while (m.find()) {
            String token = m.group();
            boolean call = bare.substring(m.end()).stripLeading().startsWith("(");
            boolean number = m.start() > 0 && Character.isDigit(bare.charAt(m.start() - 1));
            if (!call && !number && !KEYWORDS.contains(token)) {
                names.add(token);
            }
        }
        return names;
    }
}
