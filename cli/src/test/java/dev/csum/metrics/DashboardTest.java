package dev.csum.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.Checksum;
import dev.csum.FormatOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/dashboard.json queries series the binder really exports, and every query honours the variables. */
class DashboardTest {
    private static final Pattern EXPRESSION = Pattern.compile("\"expr\": \"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern SERIES = Pattern.compile("\\bcsum_[a-z_]+");

    @TempDir
    Path directory;

    private static List<String> expressions() throws Exception {
        String dashboard = Files.readString(Path.of("..", "docs", "dashboard.json"));
        List<String> expressions = new ArrayList<>();
        Matcher matcher = EXPRESSION.matcher(dashboard);
        while (matcher.find()) {
            expressions.add(matcher.group(1).replace("\\\"", "\""));
        }
        assertFalse(expressions.isEmpty(), "no queries found");
        return expressions;
    }

    @Test
    void everyQuerySelectsByJobInstanceAndVolume() throws Exception {
        for (String expression : expressions()) {
            Matcher series = SERIES.matcher(expression);
            while (series.find()) {
                String selector = expression.substring(series.end());
                assertTrue(selector.startsWith("{job=~\"$job\", instance=~\"$instance\", volume=~\"$volume\"}"),
                    series.group() + " in " + expression);
            }
        }
    }

    @Test
    void everySeriesTheDashboardQueriesIsExported() throws Exception {
        Path data = directory.resolve("volume");
        Volume.format(FormatOptions.of(data).withSizeBytes(4L << 20).withBlockSizeBytes(4096).withChecksum(Checksum.CRC32C));
        String scrape;
        try (Volume volume = Volume.open(VolumeOptions.of(data))) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new VolumeMetrics(volume, "v").bindTo(registry);
            scrape = registry.scrape();
        }
        for (String expression : expressions()) {
            Matcher series = SERIES.matcher(expression);
            while (series.find()) {
                assertTrue(Pattern.compile("(?m)^" + series.group() + "\\{").matcher(scrape).find(),
                    series.group() + " is not in a scrape:\n" + scrape);
            }
        }
    }
}
