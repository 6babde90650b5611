package dev.csum.nbd;

/**
 * The NBD protocol's numbers (NetworkBlockDevice/nbd doc/proto.md): magics, option and reply
 * types, flags, commands and error values. Every field on the wire is big-endian.
 */
final class NbdProtocol {
    private NbdProtocol() {
    }

    // ---------------------------------------------------------------- handshake

    /** {@code NBDMAGIC}: the server's first eight bytes. */
    static final long NBD_MAGIC = 0x4e42444d41474943L;
    /** {@code IHAVEOPT}: the newstyle magic, and the magic of every client option. */
    static final long IHAVEOPT = 0x49484156454F5054L;
    /** The magic of every option reply. */
    static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;

    static final int FLAG_FIXED_NEWSTYLE = 1;
    static final int FLAG_NO_ZEROES = 1 << 1;
    static final int CLIENT_FLAG_FIXED_NEWSTYLE = 1;
    static final int CLIENT_FLAG_NO_ZEROES = 1 << 1;

    static final int OPT_EXPORT_NAME = 1;
    static final int OPT_ABORT = 2;
    static final int OPT_LIST = 3;
    static final int OPT_STARTTLS = 5;
    static final int OPT_INFO = 6;
    static final int OPT_GO = 7;

    static final int REP_ACK = 1;
    static final int REP_SERVER = 2;
    static final int REP_INFO = 3;
    static final int REP_ERR_UNSUP = 0x80000001;
    static final int REP_ERR_POLICY = 0x80000002;
    static final int REP_ERR_INVALID = 0x80000003;
    static final int REP_ERR_TLS_REQD = 0x80000005;
    static final int REP_ERR_UNKNOWN = 0x80000006;
    static final int REP_ERR_SHUTDOWN = 0x80000007;
    static final int REP_ERR_TOO_BIG = 0x80000009;

    static final int INFO_EXPORT = 0;
    static final int INFO_NAME = 1;
    static final int INFO_BLOCK_SIZE = 3;

    // ---------------------------------------------------------------- transmission

    static final int TRANSMISSION_HAS_FLAGS = 1;
    static final int TRANSMISSION_READ_ONLY = 1 << 1;
    static final int TRANSMISSION_SEND_FLUSH = 1 << 2;
    static final int TRANSMISSION_SEND_FUA = 1 << 3;
    static final int TRANSMISSION_SEND_TRIM = 1 << 5;
    static final int TRANSMISSION_SEND_WRITE_ZEROES = 1 << 6;
    static final int TRANSMISSION_CAN_MULTI_CONN = 1 << 8;

    static final int REQUEST_MAGIC = 0x25609513;
    static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    /** A request header: magic, flags, type, cookie, offset, length. */
    static final int REQUEST_HEADER_BYTES = 28;
    /** A simple reply header: magic, error, cookie. */
    static final int REPLY_HEADER_BYTES = 16;

    static final int CMD_READ = 0;
    static final int CMD_WRITE = 1;
    static final int CMD_DISC = 2;
    static final int CMD_FLUSH = 3;
    static final int CMD_TRIM = 4;
    static final int CMD_WRITE_ZEROES = 6;

    static final int CMD_FLAG_FUA = 1;
    /** WRITE_ZEROES: the range must stay allocated (no hole). */
    static final int CMD_FLAG_NO_HOLE = 1 << 1;

    static final int EPERM = 1;
    static final int EIO = 5;
    static final int EINVAL = 22;
    static final int ENOSPC = 28;
    static final int ESHUTDOWN = 108;

    /** Names of commands, for logs. */
    static String commandName(int type) {
        return switch (type) {
            case CMD_READ -> "READ";
            case CMD_WRITE -> "WRITE";
            case CMD_DISC -> "DISC";
            case CMD_FLUSH -> "FLUSH";
            case CMD_TRIM -> "TRIM";
            case CMD_WRITE_ZEROES -> "WRITE_ZEROES";
            default -> "command " + type;
        };
    }
}
