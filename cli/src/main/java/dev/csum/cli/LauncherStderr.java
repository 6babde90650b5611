package dev.csum.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Standard error of a JVM started by {@code bin/csum}, which boots it with stderr on a filter.
 *
 * <p>Why: the fast CRC-16 kernel uses the Vector API, an incubator module, and a JVM that resolves
 * one prints {@code WARNING: Using incubator modules: jdk.incubator.vector} on stderr while it boots,
 * before any csum code runs; no flag turns that off. Loading the module later, in a child
 * {@code ModuleLayer}, does not work: java.base exports the internals it needs
 * ({@code jdk.internal.vm.vector}) only to a {@code jdk.incubator.vector} in the boot layer, so its
 * first class fails with {@code IllegalAccessError}. So {@code bin/csum} starts the JVM with stderr
 * on a pipe through a filter that drops exactly that line and passes everything else (a JVM that
 * fails to start still says why), and keeps the real stderr open as the descriptor named by the
 * system property {@value #FD_PROPERTY}.
 *
 * <p>This stream becomes {@code System.err}. The first time anything is written to it, it moves the
 * real stderr back onto descriptor 2 ({@code dup2}), so what csum prints reaches stderr directly:
 * in order with stdout, finished when the process exits, with no process in between. A command that
 * prints nothing on stderr ({@code --version}, {@code status}) never links the native call.
 */
final class LauncherStderr extends OutputStream {
    /** The system property bin/csum sets to the real stderr's descriptor number. */
    static final String FD_PROPERTY = "csum.stderr.fd";

    private static final int STDERR = 2;

    private final int realStderr;
    private final FileOutputStream descriptor2 = new FileOutputStream(FileDescriptor.err);
    private boolean handedOver;

    private LauncherStderr(int realStderr) {
        this.realStderr = realStderr;
    }

    /**
     * Makes {@code System.err} this stream when the launcher named the real stderr's descriptor
     * ({@value #FD_PROPERTY}); returns {@code System.err} either way.
     */
    static PrintStream install() {
        String property = System.getProperty(FD_PROPERTY);
        if (property != null) {
            PrintStream previous = System.err;
            System.setErr(new PrintStream(new LauncherStderr(Integer.parseInt(property)), true, previous.charset()));
        }
        return System.err;
    }

    @Override
    public void write(int value) throws IOException {
        write(new byte[] {(byte) value}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
        if (!handedOver) {
            handedOver = true;
            Dup2.moveDescriptor(realStderr, STDERR);
        }
        descriptor2.write(bytes, offset, length);
    }

    /** libc's {@code dup2} and {@code close}, linked on first use. */
    private static final class Dup2 {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final MethodHandle DUP2 = LINKER.downcallHandle(LINKER.defaultLookup().find("dup2").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

        /**
         * {@code dup2(from, to); close(from)}. When that is impossible (no native access, a bad
         * descriptor) {@code to} stays as it was: output still arrives, through the launcher's filter.
         */
        static void moveDescriptor(int from, int to) {
            try {
                if ((int) DUP2.invokeExact(from, to) == to) {
                    int ignored = (int) CLOSE.invokeExact(from);
                }
            } catch (Throwable unavailable) {
                // Keep writing to the descriptor we have.
            }
        }
    }
}
