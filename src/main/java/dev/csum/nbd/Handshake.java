package dev.csum.nbd;

import static dev.csum.nbd.NbdProtocol.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;

/**
 * The fixed newstyle handshake of one connection, up to the transmission phase or the end of the
 * session. Supported options: {@code NBD_OPT_EXPORT_NAME}, {@code NBD_OPT_INFO}, {@code NBD_OPT_GO}
 * (with {@code NBD_INFO_EXPORT}, {@code NBD_INFO_BLOCK_SIZE}, {@code NBD_INFO_NAME}),
 * {@code NBD_OPT_LIST}, {@code NBD_OPT_ABORT} and, when the server has a TLS identity,
 * {@code NBD_OPT_STARTTLS} (then required before anything else: FORCEDTLS); every other option is answered
 * {@code NBD_REP_ERR_UNSUP} and the haggling goes on. Bad input from the client ends the session
 * (a hard disconnect) only where the protocol leaves no way to answer: a wrong magic, unknown client
 * flags, an export name {@code NBD_OPT_EXPORT_NAME} cannot serve, an option too large to skip.
 */
final class Handshake {
    /** The handshake's progress: {@link #run} ends in {@link #TRANSMISSION} or {@link #ENDED}. */
    enum Phase { GREETING, OPTIONS, TRANSMISSION, ENDED }

    /** What the export looks like to a client. */
    record Export(String name, long sizeBytes, int transmissionFlags, int minimumBlockBytes,
                  int preferredBlockBytes, int maxPayloadBytes) {
    }

    /** Option data up to this is read; longer options are skipped and answered {@code NBD_REP_ERR_TOO_BIG}. */
    static final int MAX_OPTION_BYTES = 64 << 10;
    /** Option data longer than this ends the session: skipping it would let a client keep us busy. */
    static final int MAX_SKIPPED_OPTION_BYTES = 1 << 20;

    private final SSLContext tls;
    private final Export export;
    /** The client's stream: replaced by its TLS form after NBD_OPT_STARTTLS. */
    private Transport transport;
    private final System.Logger log;
    private Phase phase = Phase.GREETING;
    private boolean noZeroes;
    /** Why the session ended, for the log; null after a normal end. */
    private String endReason;

    /** {@code tls}: null for a server without TLS, else TLS is required (FORCEDTLS). */
    Handshake(Transport transport, Export export, SSLContext tls, System.Logger log) {
        this.transport = transport;
        this.tls = tls;
        this.export = export;
        this.log = log;
    }

    /** Runs the handshake: {@link Phase#TRANSMISSION} when the client entered transmission, else {@link Phase#ENDED}. */
    Phase run() throws IOException {
        ByteBuffer greeting = ByteBuffer.allocate(18);
        greeting.putLong(NBD_MAGIC).putLong(IHAVEOPT).putShort((short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)).flip();
        transport.writeFully(greeting);
        ByteBuffer clientFlags = ByteBuffer.allocate(4);
        if (!transport.readFully(clientFlags)) {
            return end("the client closed the connection before the handshake");
        }
        int flags = clientFlags.getInt(0);
        if ((flags & ~(CLIENT_FLAG_FIXED_NEWSTYLE | CLIENT_FLAG_NO_ZEROES)) != 0) {
            return end("unknown client flags 0x" + Integer.toHexString(flags));
        }
        noZeroes = (flags & CLIENT_FLAG_NO_ZEROES) != 0;
        phase = Phase.OPTIONS;
        ByteBuffer header = ByteBuffer.allocate(16);
        while (phase == Phase.OPTIONS) {
            header.clear();
            if (!transport.readFully(header)) {
                return end(null);
            }
            long magic = header.getLong(0);
            int option = header.getInt(8);
            long lengthBytes = Integer.toUnsignedLong(header.getInt(12));
            if (magic != IHAVEOPT) {
                return end("bad option magic 0x" + Long.toHexString(magic));
            }
            if (lengthBytes > MAX_OPTION_BYTES) {
                if (lengthBytes > MAX_SKIPPED_OPTION_BYTES) {
                    return end("option " + option + " with " + lengthBytes + " bytes of data");
                }
                skip(lengthBytes);
                reply(option, REP_ERR_TOO_BIG, message("option data of " + lengthBytes + " bytes is too large"));
                continue;
            }
            ByteBuffer data = ByteBuffer.allocate((int) lengthBytes);
            transport.readExactly(data);
            data.flip();
            handle(option, data);
        }
        return phase;
    }

    /** The stream to go on with: TLS when the client started it. */
    Transport transport() {
        return transport;
    }

    /** Why the session ended during the handshake (null when the client simply left or aborted). */
    String endReason() {
        return endReason;
    }

    private Phase end(String reason) {
        endReason = reason;
        phase = Phase.ENDED;
        return phase;
    }

    private void handle(int option, ByteBuffer data) throws IOException {
        if (option == OPT_STARTTLS) {
            startTls(data);
            return;
        }
        if (tls != null && !transport.isTls() && option != OPT_ABORT) {
            if (option == OPT_EXPORT_NAME) {
                end("NBD_OPT_EXPORT_NAME without TLS, which this server requires");
            } else {
                reply(option, REP_ERR_TLS_REQD, message("this server requires TLS: send NBD_OPT_STARTTLS first"));
            }
            return;
        }
        switch (option) {
            case OPT_EXPORT_NAME -> exportName(data);
            case OPT_ABORT -> {
                reply(option, REP_ACK, null);
                end(null);
            }
            case OPT_LIST -> {
                if (data.hasRemaining()) {
                    reply(option, REP_ERR_INVALID, message("NBD_OPT_LIST takes no data"));
                    return;
                }
                byte[] name = export.name().getBytes(StandardCharsets.UTF_8);
                reply(option, REP_SERVER, ByteBuffer.allocate(4 + name.length).putInt(name.length).put(name).flip());
                reply(option, REP_ACK, null);
            }
            case OPT_INFO, OPT_GO -> infoOrGo(option, data);
            default -> reply(option, REP_ERR_UNSUP, message("option " + option + " is not supported"));
        }
    }

    private void startTls(ByteBuffer data) throws IOException {
        if (tls == null) {
            reply(OPT_STARTTLS, REP_ERR_UNSUP, message("this server is not configured for TLS"));
        } else if (transport.isTls()) {
            reply(OPT_STARTTLS, REP_ERR_INVALID, message("TLS is already on"));
        } else if (data.hasRemaining()) {
            reply(OPT_STARTTLS, REP_ERR_INVALID, message("NBD_OPT_STARTTLS takes no data"));
        } else {
            reply(OPT_STARTTLS, REP_ACK, null);
            try {
                transport = transport.startTls(tls);
            } catch (IOException e) {
                end("TLS handshake failed: " + e.getMessage());
            }
        }
    }

    private void exportName(ByteBuffer data) throws IOException {
        String name = StandardCharsets.UTF_8.decode(data).toString();
        if (!servesName(name)) {
            end("NBD_OPT_EXPORT_NAME of an unknown export '" + name + "'");
            return;
        }
        ByteBuffer reply = ByteBuffer.allocate(noZeroes ? 10 : 134);
        reply.putLong(export.sizeBytes()).putShort((short) export.transmissionFlags());
        reply.position(reply.limit()).flip();
        transport.writeFully(reply);
        phase = Phase.TRANSMISSION;
    }

    private void infoOrGo(int option, ByteBuffer data) throws IOException {
        if (data.remaining() < 6) {
            reply(option, REP_ERR_INVALID, message("option data too short"));
            return;
        }
        long nameBytes = Integer.toUnsignedLong(data.getInt());
        if (nameBytes > data.remaining() - 2) {
            reply(option, REP_ERR_INVALID, message("export name length " + nameBytes + " exceeds the option"));
            return;
        }
        byte[] name = new byte[(int) nameBytes];
        data.get(name);
        int requests = Short.toUnsignedInt(data.getShort());
        if (data.remaining() != 2L * requests) {
            reply(option, REP_ERR_INVALID, message("information request count does not match the option length"));
            return;
        }
        boolean wantsName = false;
        for (int i = 0; i < requests; i++) {
            wantsName |= data.getShort() == INFO_NAME;
        }
        String exportName = new String(name, StandardCharsets.UTF_8);
        if (!servesName(exportName)) {
            reply(option, REP_ERR_UNKNOWN, message("no export named '" + exportName + "'"));
            return;
        }
        reply(option, REP_INFO, ByteBuffer.allocate(12).putShort((short) INFO_EXPORT).putLong(export.sizeBytes())
            .putShort((short) export.transmissionFlags()).flip());
        // Sent whether asked or not (a client ignores what it does not understand): the minimum is
        // the volume's block size, and a client that asked (qemu, libnbd) aligns its requests to it.
        reply(option, REP_INFO, ByteBuffer.allocate(14).putShort((short) INFO_BLOCK_SIZE)
            .putInt(export.minimumBlockBytes()).putInt(export.preferredBlockBytes()).putInt(export.maxPayloadBytes())
            .flip());
        if (wantsName) {
            byte[] canonical = export.name().getBytes(StandardCharsets.UTF_8);
            reply(option, REP_INFO, ByteBuffer.allocate(2 + canonical.length).putShort((short) INFO_NAME)
                .put(canonical).flip());
        }
        reply(option, REP_ACK, null);
        if (option == OPT_GO) {
            phase = Phase.TRANSMISSION;
        }
    }

    /** The empty name is the default export; the export's own name reaches it too. */
    private boolean servesName(String name) {
        return name.isEmpty() || name.equals(export.name());
    }

    private void reply(int option, int type, ByteBuffer payload) throws IOException {
        int payloadBytes = payload == null ? 0 : payload.remaining();
        ByteBuffer header = ByteBuffer.allocate(20);
        header.putLong(OPTION_REPLY_MAGIC).putInt(option).putInt(type).putInt(payloadBytes).flip();
        if (payload == null) {
            transport.writeFully(header);
        } else {
            transport.writeFully(new ByteBuffer[] {header, payload}, 2);
        }
        if (type < 0 && log.isLoggable(System.Logger.Level.DEBUG)) {
            log.log(System.Logger.Level.DEBUG, "{0}: option {1} answered with error 0x{2}", transport.peer(), option,
                Integer.toHexString(type));
        }
    }

    private static ByteBuffer message(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    private void skip(long bytes) throws IOException {
        ByteBuffer scratch = ByteBuffer.allocate(8192);
        long left = bytes;
        while (left > 0) {
            scratch.clear().limit((int) Math.min(scratch.capacity(), left));
            transport.readExactly(scratch);
            left -= scratch.limit();
        }
    }
}
