package dev.csum.torture;

/** What a simulated power loss does to writes that completed but were not flushed. */
public enum CrashModel {
    /**
     * The device has a volatile write cache: each unflushed completed write, and each write in
     * flight, reaches the media or not (some torn), independently of the others and of their order.
     */
    VOLATILE_CACHE,
    /**
     * Completed writes persist (a process crash while the OS keeps running, or a device without a
     * volatile cache); only writes in flight may be lost or torn.
     */
    COMPLETED_WRITES_PERSIST
}
