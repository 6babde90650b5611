package dev.csum.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Finds the native libraries and links downcall handles: the one helper every binding class
 * ({@link LibUring}, {@link Libc}) links through, once, in its static initializer.
 *
 * <p>The two ways the binding can be unusable are checked up front by {@link #requireAvailable()}
 * so that the user sees one sentence that says what to do, instead of an
 * {@link ExceptionInInitializerError} from deep inside a static block:
 * <ul>
 *   <li>liburing is not installed ({@code dlopen("liburing.so.2")} fails);
 *   <li>the JVM was started without native access for this code.
 * </ul>
 */
public final class NativeSupport {

    /** The soname of liburing 2.x (Debian package {@code liburing2}). */
    public static final String LIBURING_SONAME = "liburing.so.2";

    /** The one sentence shown when liburing cannot be loaded. */
    public static final String LIBURING_MISSING_MESSAGE =
            "liburing is not installed: apt-get install liburing2 liburing-dev";

    /** The one sentence shown when native access is not enabled for this code. */
    public static final String NATIVE_ACCESS_MESSAGE =
            "native access is not enabled for csum: add the JVM flag --enable-native-access=ALL-UNNAMED"
                    + " (or --enable-native-access=<module> when csum runs as a named module)";

    static final Linker LINKER = Linker.nativeLinker();

    /** Why liburing cannot be used, or null when it can. Computed once. */
    private static final String UNAVAILABLE_REASON = probe();

    private NativeSupport() {}

    /**
     * Throws {@link IllegalStateException} with a message that says what to do when the binding
     * cannot work on this JVM/machine: native access disabled, or liburing missing.
     */
    public static void requireAvailable() {
        if (UNAVAILABLE_REASON != null) {
            throw new IllegalStateException(UNAVAILABLE_REASON);
        }
    }

    /** True when {@link #requireAvailable()} would not throw. */
    public static boolean isAvailable() {
        return UNAVAILABLE_REASON == null;
    }

    private static String probe() {
        if (!NativeSupport.class.getModule().isNativeAccessEnabled()) {
            return NATIVE_ACCESS_MESSAGE;
        }
        try {
            SymbolLookup.libraryLookup(LIBURING_SONAME, Arena.global());
            return null;
        } catch (IllegalArgumentException notFound) {
            return LIBURING_MISSING_MESSAGE;
        }
    }

    /** liburing's symbols; the library stays loaded for the life of the JVM. */
    static SymbolLookup liburing() {
        requireAvailable();
        return SymbolLookup.libraryLookup(LIBURING_SONAME, Arena.global());
    }

    /** libc's symbols (always loaded in a JVM process). */
    static SymbolLookup libc() {
        requireAvailable();
        return LINKER.defaultLookup();
    }

    /**
     * Links {@code name} from {@code lookup} with {@code descriptor}. Fails with a message naming the
     * symbol when it does not exist (an older liburing, say).
     */
    static MethodHandle downcall(SymbolLookup lookup, String name, FunctionDescriptor descriptor,
                                 Linker.Option... options) {
        var symbol = lookup.find(name).orElseThrow(() -> new IllegalStateException(
                "native symbol " + name + " not found (liburing too old? csum needs liburing 2.3 or newer)"));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }
}
