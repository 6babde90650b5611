package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchTest {
    @TempDir
    Path directory;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    private static double number(Map<String, Object> object, String field) {
        Object value = object.get(field);
        assertNotNull(value, field + " missing in " + object);
        return (Double) value;
    }

    private static void assertPlausibleLatency(Map<String, Object> latency) {
        double p50 = number(latency, "p50");
        double p99 = number(latency, "p99");
        double p999 = number(latency, "p999");
        double max = number(latency, "max");
        assertTrue(p50 > 0 && p50 <= p99 && p99 <= p999 && p999 <= max, "p50 <= p99 <= p99.9 <= max: " + latency);
        // Every request does real I/O: well above a microsecond, well below 10 s.
        assertTrue(p50 > 1_000 && max < 10e9, latency.toString());
    }

    @Test
    void copyReadsAndRequestsSmallerThanTheDirectAlignmentReadThroughTheEnginesBuffer() {
        String device = directory.resolve("modes").toString();
        Cli.Result copied = Cli.run("bench", device, "--size", "16m", "--rw", "randread", "--bs", "4k",
            "--iodepth", "4", "--runtime", "1s", "--copy-reads", "--json").assertOk();
        Map<String, Object> report = MiniJson.object(copied.out());
        assertEquals("copy", report.get("read_mode"));
        assertTrue(number(report, "ops") > 0, copied.out());
        Cli.Result small = Cli.run("bench", directory.resolve("small-blocks").toString(), "--size", "16m",
            "--block-size", "512", "--rw", "randread", "--bs", "2k", "--iodepth", "4", "--runtime", "1s", "--json").assertOk();
        assertEquals("copy", MiniJson.object(small.out()).get("read_mode"), "2 KiB slots cannot be 4096-aligned");
    }

    @Test
    void benchJsonOnANewVolumeLaysItOutAndReportsPlausibleNumbers() {
        String device = directory.resolve("new").toString();
        Cli.Result result = Cli.run("bench", device, "--size", "32m", "--rw", "randread", "--bs", "4k",
            "--iodepth", "8", "--runtime", "1s", "--json").assertOk();
        assertEquals(1, result.out().lines().count(), "one JSON object on one line: " + result.out());
        Map<String, Object> report = MiniJson.object(result.out());
        assertEquals("randread", report.get("rw"));
        assertEquals(4096.0, report.get("bs"));
        assertEquals(8.0, report.get("iodepth"));
        assertEquals("in-place", report.get("read_mode"), "4 KiB slots are aligned: reads go in place");
        double ops = number(report, "ops");
        double seconds = number(report, "runtime_seconds");
        assertTrue(ops > 0 && number(report, "iops") > 0, result.out());
        assertTrue(seconds >= 1.0 && seconds < 5, result.out());
        assertEquals(ops / seconds, number(report, "iops"), ops / seconds * 0.01);
        assertEquals(number(report, "iops") * 4096, number(report, "bytes_per_second"), number(report, "iops") * 4096 * 0.01);
        assertTrue(number(report, "cpu_seconds") > 0, result.out());
        assertTrue(number(report, "layout_seconds") > 0, "a new volume is laid out before reads: " + result.out());
        assertPlausibleLatency(map(report.get("latency_ns")));
        assertEquals(ops, number(map(report.get("read")), "ops"));
        assertNull(report.get("write"), "no writes in randread");
        // The read timer counted exactly the timed phase, not the layout writes.
        assertEquals(report.get("latency_ns"), map(report.get("read")).get("latency_ns"));
    }

    @Test
    void ioEnginePortableRunsTheBenchOnThePortablePort() {
        String device = directory.resolve("p").toString();
        // Log blocks of the block size: the portable port's direct I/O takes 4 KiB units (512-byte log
        // blocks go through the page cache: IoEngineFallbackTest).
        Cli.run("format", device, "--size", "16m", "--log-block-size", "4096").assertOk();
        Cli.Result result = Cli.run("bench", device, "--io-engine", "portable", "--rw", "randrw", "--iodepth", "8",
            "--runtime", "1s", "--json").assertOk();
        Map<String, Object> report = MiniJson.object(result.out());
        assertTrue(number(map(report.get("read")), "ops") > 0 && number(map(report.get("write")), "ops") > 0,
            result.out());
        assertPlausibleLatency(map(report.get("latency_ns")));
        assertEquals("", result.err(), "no warning: the portable port on 4 KiB blocks and log blocks is direct");
    }

    @Test
    void randrwOnAnExistingVolumeReportsBothDirections() {
        String device = directory.resolve("v").toString();
        Cli.run("format", device, "--size", "16m").assertOk();
        Cli.Result result = Cli.run("bench", device, "--rw", "randrw", "--iodepth", "4", "--runtime", "1s", "--json")
            .assertOk();
        Map<String, Object> report = MiniJson.object(result.out());
        assertNull(report.get("layout_seconds"), "an existing volume is not laid out");
        assertNull(report.get("ramp_seconds"), "no ramp unless asked");
        Map<String, Object> read = map(report.get("read"));
        Map<String, Object> write = map(report.get("write"));
        assertTrue(number(read, "ops") > 0 && number(write, "ops") > 0, result.out());
        assertEquals(number(report, "ops"), number(read, "ops") + number(write, "ops"));
        assertPlausibleLatency(map(read.get("latency_ns")));
        assertPlausibleLatency(map(write.get("latency_ns")));

        String text = Cli.run("bench", device, "--rw", "write", "--bs", "64k", "--runtime", "500ms").assertOk().out();
        assertTrue(text.contains("write bs=64KiB iodepth=32") && text.contains("p99.9 us") && text.contains("cpu:"), text);
    }

    /**
     * device_ops counts the timed window plus the final flush and close: every write request is at
     * least one device write, and the fsyncs include the bench's flush and the close's two syncs.
     */
    @Test
    void benchJsonReportsDeviceOpsOfTheWindowAndTheFinalFlushAndClose() {
        String device = formatted16MiB();
        Cli.Result result = Cli.run("bench", device, "--json", "--rw", "randwrite", "--iodepth", "4", "--runtime", "1s")
            .assertOk();
        Map<String, Object> report = MiniJson.object(result.out());
        Map<String, Object> deviceOps = map(report.get("device_ops"));
        assertEquals(List.of("reads", "writes", "bytes_read", "bytes_written", "fsyncs", "writes_per_op", "reads_per_op"),
            List.copyOf(deviceOps.keySet()), result.out());
        double ops = number(report, "ops");
        double writes = number(deviceOps, "writes");
        assertTrue(ops > 0 && writes >= ops, "a write request is at least one device write: " + result.out());
        assertTrue(number(deviceOps, "bytes_written") >= ops * 4096, result.out());
        assertTrue(number(deviceOps, "fsyncs") >= 3.0, "the final flush, the close's checkpoint round and its "
            + "final sync, and each round the log's fill started during the window: " + result.out());
        assertEquals(writes / ops, number(deviceOps, "writes_per_op"), 0.001, result.out());
        assertEquals(number(deviceOps, "reads") / ops, number(deviceOps, "reads_per_op"), 0.001, result.out());
        assertTrue(number(deviceOps, "reads") <= 2 * 8 + 1, "at most a load and a confirming read per group (8 groups, "
            + "all cached), and close's read-back of its last log record: " + result.out());
        Map<String, Object> engine = map(report.get("engine"));
        assertEquals(List.of("log_records", "log_entries", "checkpoint_rounds", "checkpoint_writes", "groups_parked",
            "parked_reloads", "pairless_commits", "pairless_loads", "checkpoint_seconds", "checkpoint_sync_seconds"),
            List.copyOf(engine.keySet()), result.out());
        assertTrue(number(engine, "checkpoint_sync_seconds") > 0
                && number(engine, "checkpoint_sync_seconds") <= number(engine, "checkpoint_seconds"),
            "close's round ran and waited for its syncs: " + result.out());
        assertEquals(ops, number(engine, "log_entries"), "one entry per 4 KiB write of 4096-byte blocks: " + result.out());
        assertTrue(number(engine, "log_records") >= 1 && number(engine, "log_records") <= ops, result.out());
        assertTrue(number(engine, "checkpoint_rounds") >= 1, "close's round: " + result.out());
        double copies = number(engine, "checkpoint_writes");
        assertTrue(copies > 0 && copies % 2 == 0 && copies <= 2 * 8 * number(engine, "checkpoint_rounds"),
            "both copies of each group a round writes: " + result.out());
        assertEquals(0, number(engine, "groups_parked") + number(engine, "pairless_commits"),
            "every group cached: " + result.out());
        double settle = number(report, "settle_seconds");
        assertTrue(settle > 0, "the final flush and close take time: " + result.out());
        assertEquals(ops / (number(report, "runtime_seconds") + settle), number(report, "settled_iops"),
            number(report, "settled_iops") * 0.002, "ops over the window plus the settle: " + result.out());
        assertTrue(number(report, "settled_iops") < number(report, "iops"), result.out());

        String text = Cli.run("bench", device, "--rw", "randwrite", "--iodepth", "4", "--runtime", "500ms").assertOk().out();
        assertTrue(Pattern.compile("(?m)^  device ops: \\d+\\.\\d\\d writes/op, \\d+\\.\\d\\d reads/op "
            + "\\(window \\+ final flush/close\\)").matcher(text).find(), text);
        assertTrue(Pattern.compile("(?m)^  settle: the final flush and close took \\d+\\.\\d\\d s; [\\d,]+ IOPS "
            + "counting them$").matcher(text).find(), text);
        assertTrue(Pattern.compile("(?m)^  engine: [\\d,]+ log records \\([\\d,]+ entries\\), [\\d,]+ checkpoint rounds "
                + "\\([\\d,]+ imd copies; \\d+\\.\\d\\d s in rounds, \\d+\\.\\d\\d s of it in their syncs\\)")
            .matcher(text).find(), text);
    }

    /**
     * --ramp-time runs the same load first, outside the window: its requests are in neither the
     * window's counts nor its device operations (a ramp three times the window would triple them).
     */
    @Test
    void aRampRunsTheLoadFirstAndStaysOutOfTheWindow() {
        String device = formatted16MiB();
        Cli.Result result = Cli.run("bench", device, "--json", "--rw", "randwrite", "--iodepth", "4",
            "--ramp-time", "900ms", "--runtime", "300ms").assertOk();
        Map<String, Object> report = MiniJson.object(result.out());
        assertTrue(number(report, "ramp_seconds") >= 0.9, result.out());
        assertTrue(number(report, "runtime_seconds") < 0.9, "the window is the runtime, not the ramp: " + result.out());
        double ops = number(report, "ops");
        assertTrue(ops > 0, result.out());
        assertTrue(number(map(report.get("device_ops")), "writes") < 3 * ops,
            "the ramp's writes are not the window's device operations: " + result.out());
        String text = Cli.run("bench", device, "--rw", "randwrite", "--iodepth", "4", "--ramp-time", "200ms",
            "--runtime", "200ms").assertOk().out();
        assertTrue(Pattern.compile("(?m)^  after a ramp of 0\\.\\d\\d s \\(the same load, not in the results\\)$")
            .matcher(text).find(), text);
        Cli.run("bench", device, "--ramp-time", "soon").assertOneLineError(2, "not a duration");
    }

    /** A small imd cache makes the amplification visible: groups are settled and reloaded as they are evicted. */
    @Test
    void durabilityAndImdCacheOptionsReachTheVolume() {
        String device = formatted16MiB();
        Cli.Result result = Cli.run("bench", device, "--json", "--rw", "randwrite", "--iodepth", "4", "--runtime", "1s",
            "--durability", "strict", "--imd-cache", "16k").assertOk();
        Map<String, Object> deviceOps = map(MiniJson.object(result.out()).get("device_ops"));
        assertTrue(number(deviceOps, "reads") > 2 * 8, "4 cache slots for 8 groups: pairs are reloaded: " + result.out());
        Map<String, Object> engine = map(MiniJson.object(result.out()).get("engine"));
        assertTrue(number(engine, "pairless_commits") > 0 && number(engine, "groups_parked") > 0,
            "writes to groups the 4 slots do not hold commit pair-less and are parked: " + result.out());
        Cli.run("bench", device, "--durability", "sometimes").assertOneLineError(2, "unknown durability 'sometimes'",
            "default or strict");
        Cli.run("bench", device, "--imd-cache", "1k").assertOneLineError(2, "--imd-cache", "at least 4096");
    }

    @Test
    void prometheusEndpointServesTheLatencySeriesDuringABench() throws Exception {
        int port = freeLocalPort();
        String device = formatted16MiB();
        CompletableFuture<Cli.Result> bench = CompletableFuture.supplyAsync(() -> Cli.run("bench", device,
            "--rw", "randrw", "--iodepth", "4", "--runtime", "3s", "--metrics-port", Integer.toString(port)));
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build();
        String body = "";
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && !bench.isDone()) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode());
                body = response.body();
                if (count(body, "csum_read_latency_seconds_count") > 0 && count(body, "csum_write_latency_seconds_count") > 0) {
                    break;
                }
            } catch (java.io.IOException notYet) {
                // The server starts when the command does.
            }
            Thread.sleep(100);
        }
        assertTrue(count(body, "csum_read_latency_seconds_count") > 0, body);
        assertTrue(count(body, "csum_write_latency_seconds_count") > 0, body);
        assertTrue(body.contains("csum_read_latency_seconds_bucket{") && body.contains("le=\""), body);
        assertTrue(body.contains("csum_write_latency_seconds_bucket{"), body);
        assertTrue(body.contains("csum_mismatches_total{"), body);
        assertTrue(body.contains("csum_imd_cache_hits_total{"), body);
        assertTrue(body.contains("csum_device_ops_total{") && body.contains("op=\"flush\""), body);
        assertTrue(body.contains("csum_device_bytes_total{"), body);
        bench.get().assertOk();
    }

    /** HEAD and GET on every path answer, and the bench's stderr carries nothing but its own line. */
    @Test
    void theMetricsEndpointAnswersHeadAndGetAndPrintsNothing() throws Exception {
        int port = freeLocalPort();
        String device = formatted16MiB();
        Process bench = Launched.start("", "bench", device, "--rw", "randread", "--iodepth", "2", "--runtime", "3s",
            "--metrics-port", Integer.toString(port));
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        URI base = URI.create("http://127.0.0.1:" + port);
        long deadline = System.nanoTime() + 20_000_000_000L;
        String metrics = "";
        while (System.nanoTime() < deadline && !metrics.contains("csum_read_latency_seconds_count")) {
            try {
                metrics = client.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            } catch (java.io.IOException notYet) {
                Thread.sleep(100);
            }
        }
        assertTrue(metrics.contains("csum_read_latency_seconds_count"), metrics);
        for (String path : new String[] {"/", "/metrics", "/-/healthy", "/nothing-here"}) {
            int expected = path.equals("/nothing-here") ? 404 : 200;
            HttpResponse<String> head = client.send(HttpRequest.newBuilder(base.resolve(path))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(expected, head.statusCode(), "HEAD " + path);
            assertEquals("", head.body(), "HEAD " + path);
            HttpResponse<String> get = client.send(HttpRequest.newBuilder(base.resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(expected, get.statusCode(), "GET " + path);
            assertFalse(get.body().isEmpty(), "GET " + path);
        }
        Launched.Result result = Launched.finish(bench);
        assertEquals(0, result.status(), result.err());
        assertEquals(List.of("csum bench: metrics at http://127.0.0.1:" + port + "/metrics"), result.err().lines().toList());
    }

    /** A port on 127.0.0.1 that was free a moment ago. */
    private static int freeLocalPort() throws java.io.IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return probe.getLocalPort();
        }
    }

    private String formatted16MiB() {
        String device = directory.resolve("v").toString();
        Cli.run("format", device, "--size", "16m").assertOk();
        return device;
    }

    /** The value of the first sample of {@code series}, or -1 when absent. */
    private static double count(String body, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + series + "\\{[^}]*\\} (\\S+)$").matcher(body);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : -1;
    }

    @Test
    void portInUseIsAOneLineErrorAndCreatesNothing() throws Exception {
        Path device = directory.resolve("new");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Cli.run("bench", device.toString(), "--size", "16m", "--runtime", "1s",
                "--metrics-port", Integer.toString(taken.getLocalPort()))
                .assertOneLineError(2, "--metrics-port", "already in use");
        }
        assertFalse(Files.exists(device));
    }

    @Test
    void aChecksumMismatchStopsTheBenchWithStatusOne() throws Exception {
        Path device = directory.resolve("v");
        Cli.run("format", device.toString(), "--size", "4m").assertOk();
        var geometry = dev.csum.format.VolumeLabel.read(device, null).superblock().geometry();
        Cli.runWithInput(new byte[(int) geometry.usableBytes()], "write", device.toString(), "--offset", "0").assertOk();
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(device.toFile(), "rw")) {
            for (long block = 0; block < geometry.dataBlockCount(); block += 2) {
                file.seek(geometry.dataOffsetBytes(block));
                file.write(0x5A);
            }
        }
        Cli.run("bench", device.toString(), "--rw", "randread", "--runtime", "1s", "--json")
            .assertOneLineError(1, "stopped by a checksum mismatch", "block");
    }

    @Test
    void badBenchInput() throws Exception {
        Path missing = directory.resolve("missing");
        Cli.run("bench", missing.toString(), "--runtime", "1s").assertOneLineError(2, "give --size");
        String device = directory.resolve("v").toString();
        Cli.run("format", device, "--size", "16m").assertOk();
        Cli.run("bench", device, "--rw", "sideways").assertOneLineError(2, "unknown workload 'sideways'");
        Cli.run("bench", device, "--io-engine", "aio").assertOneLineError(2, "unknown I/O engine 'aio'",
            "auto, io_uring or portable");
        Cli.run("bench", device, "--bs", "1000", "--runtime", "1s").assertOneLineError(2, "--bs 1000", "block size");
        Cli.run("bench", device, "--bs", "4q").assertOneLineError(2, "--bs");
        Cli.run("bench", device, "--iodepth", "0").assertOneLineError(2, "--iodepth");
        Cli.run("bench", device, "--runtime", "0s").assertOneLineError(2, "--runtime");
        Cli.run("bench", device, "--runtime", "soon").assertOneLineError(2, "not a duration");
        Cli.run("bench", device, "--size", "1g", "--runtime", "1s").assertOneLineError(2, "larger than the volume");
        Path junk = directory.resolve("junk");
        Files.write(junk, new byte[1 << 20]);
        Cli.run("bench", junk.toString(), "--runtime", "1s").assertOneLineError(2, "not a csum volume");
        assertFalse(Files.exists(missing));
    }
}
