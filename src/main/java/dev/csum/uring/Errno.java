package dev.csum.uring;

/**
 * Linux errno values (x86_64 and every other architecture csum runs on share these) and their
 * symbolic names, so that error messages say {@code EINVAL} rather than {@code 22}.
 */
public final class Errno {

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOTTY = 25;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EROFS = 30;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ELOOP = 40;
    public static final int EOVERFLOW = 75;
    public static final int EILSEQ = 84;
    public static final int EOPNOTSUPP = 95;
    public static final int ETIME = 62;
    public static final int ENODATA = 61;
    public static final int ETIMEDOUT = 110;
    public static final int ECANCELED = 125;
    public static final int EDQUOT = 122;
    public static final int EMEDIUMTYPE = 124;

    private static final String[] NAMES = new String[134];

    static {
        name(EPERM, "EPERM"); name(ENOENT, "ENOENT"); name(EINTR, "EINTR"); name(EIO, "EIO");
        name(ENXIO, "ENXIO"); name(E2BIG, "E2BIG"); name(EBADF, "EBADF"); name(EAGAIN, "EAGAIN");
        name(ENOMEM, "ENOMEM"); name(EACCES, "EACCES"); name(EFAULT, "EFAULT"); name(EBUSY, "EBUSY");
        name(EEXIST, "EEXIST"); name(ENODEV, "ENODEV"); name(ENOTDIR, "ENOTDIR"); name(EISDIR, "EISDIR");
        name(EINVAL, "EINVAL"); name(ENFILE, "ENFILE"); name(EMFILE, "EMFILE"); name(ENOTTY, "ENOTTY");
        name(EFBIG, "EFBIG"); name(ENOSPC, "ENOSPC"); name(ESPIPE, "ESPIPE"); name(EROFS, "EROFS");
        name(ENAMETOOLONG, "ENAMETOOLONG"); name(ENOSYS, "ENOSYS"); name(ELOOP, "ELOOP");
        name(EOVERFLOW, "EOVERFLOW"); name(EILSEQ, "EILSEQ"); name(EOPNOTSUPP, "EOPNOTSUPP");
        name(ETIME, "ETIME"); name(ENODATA, "ENODATA"); name(ETIMEDOUT, "ETIMEDOUT");
        name(ECANCELED, "ECANCELED"); name(EDQUOT, "EDQUOT"); name(EMEDIUMTYPE, "EMEDIUMTYPE");
    }

    private Errno() {}

    private static void name(int errno, String symbol) {
        assert NAMES[errno] == null : "errno " + errno + " named twice";
        NAMES[errno] = symbol;
    }

    /**
     * The symbol of {@code errno} ({@code "EINVAL"}), or {@code "errno 123"} when it is not in the
     * table. A negative value (an io_uring result) is negated first.
     */
    public static String name(int errno) {
        int positive = Math.abs(errno);
        if (positive < NAMES.length && NAMES[positive] != null) {
            return NAMES[positive];
        }
        return "errno " + positive;
    }
}
