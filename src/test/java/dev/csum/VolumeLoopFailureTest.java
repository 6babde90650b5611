package dev.csum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.internal.VolumeInternals;
import dev.csum.io.FileChannelIoPort;
import dev.csum.io.ForwardingIoPort;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A volume whose event loop dies (a bug in the engine, here a port that throws from the loop) fails
 * the requests it was handed instead of leaving their callers waiting for ever, and refuses new ones.
 */
class VolumeLoopFailureTest {
    private static final int BLOCK = 4096;
    private static final long WAIT_SECONDS = 20;

    @TempDir
    Path directory;

    /**
     * Once armed, the event loop's next call holds until {@link #release} and then throws: the loop
     * thread dies with one request taken in and any submitted meanwhile still queued for it.
     */
    private static final class BreakingPort extends ForwardingIoPort {
        final AtomicBoolean armed = new AtomicBoolean();
        final CountDownLatch holding = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        BreakingPort(IoPort port) {
            super(port);
        }

        @Override
        public int submitAndReap(int minCompletions, CompletionSink sink) throws IOException {
            if (armed.get()) {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("injected loop failure");
            }
            return super.submitAndReap(minCompletions, sink);
        }
    }

    @Test
    void requestsInFlightWhenTheLoopDiesFailAndLaterOnesAreRefused() throws Exception {
        Path path = directory.resolve("v");
        Volume.format(FormatOptions.of(path).withSizeBytes(16L << 20));
        BreakingPort port = new BreakingPort(FileChannelIoPort.open(path, null, 64, false, 512));
        Volume volume = VolumeInternals.openOnPort(port, VolumeOptions.of(path), false);
        try {
            volume.write(0, new byte[BLOCK], 0, BLOCK).get(WAIT_SECONDS, TimeUnit.SECONDS);

            port.armed.set(true);
            CompletableFuture<Void> write = volume.write(BLOCK, new byte[BLOCK], 0, BLOCK);
            assertTrue(port.holding.await(WAIT_SECONDS, TimeUnit.SECONDS), "the loop took the write in");
            CompletableFuture<Void> read = volume.read(0, new byte[BLOCK], 0, BLOCK); // queued, never taken in
            port.release.countDown();
            for (CompletableFuture<Void> stranded : java.util.List.of(write, read)) {
                ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> stranded.get(WAIT_SECONDS, TimeUnit.SECONDS),
                    "a request handed to a loop that died completes, with a failure");
                IOException cause = assertInstanceOf(IOException.class, failed.getCause());
                assertTrue(cause.getMessage().contains("event loop stopped"), cause.getMessage());
                assertEquals("injected loop failure", cause.getCause().getMessage());
            }
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> volume.write(0, new byte[BLOCK], 0, BLOCK));
            assertTrue(refused.getMessage().contains("stopped after an internal error"), refused.getMessage());
        } finally {
            RuntimeException closeFailure = assertThrows(RuntimeException.class, volume::close,
                "close reports the loop's failure");
            assertNotNull(closeFailure.getMessage());
            port.close();
        }
    }

    /** A blocking call taken in by a loop that then dies throws the loop's failure instead of waiting. */
    @Test
    void aBlockingCallHandedToALoopThatDiesThrows() throws Exception {
        Path path = directory.resolve("b");
        Volume.format(FormatOptions.of(path).withSizeBytes(16L << 20));
        BreakingPort port = new BreakingPort(FileChannelIoPort.open(path, null, 64, false, 512));
        Volume volume = VolumeInternals.openOnPort(port, VolumeOptions.of(path), false);
        try {
            port.armed.set(true);
            CompletableFuture<Throwable> blocking = CompletableFuture.supplyAsync(() -> {
                try {
                    volume.writeBlocking(0, new byte[BLOCK], 0, BLOCK);
                    return null;
                } catch (Throwable thrown) {
                    return thrown;
                }
            });
            assertTrue(port.holding.await(WAIT_SECONDS, TimeUnit.SECONDS), "the loop took the write in");
            port.release.countDown();
            Throwable thrown = blocking.get(WAIT_SECONDS, TimeUnit.SECONDS);
            IOException failure = assertInstanceOf(IOException.class, thrown);
            assertEquals("injected loop failure", failure.getCause().getMessage());
        } finally {
            assertThrows(RuntimeException.class, volume::close);
            port.close();
        }
    }
}
