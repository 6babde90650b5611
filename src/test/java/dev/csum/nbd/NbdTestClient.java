package dev.csum.nbd;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A small NBD client for the server's tests: the fixed newstyle handshake step by step, and raw
 * requests and replies (several in flight; replies read in the order they come).
 */
final class NbdTestClient implements AutoCloseable {
    record OptionReply(int option, int type, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    record Reply(int error, long cookie, byte[] data) {
    }

    final Socket socket;
    final DataInputStream in;
    final DataOutputStream out;
    long exportSizeBytes;
    int transmissionFlags;
    int minimumBlockBytes;
    int preferredBlockBytes;
    int maxPayloadBytes;

    NbdTestClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
        out = new DataOutputStream(new java.io.BufferedOutputStream(socket.getOutputStream()));
    }

    /** Connects and negotiates with NBD_OPT_GO for {@code exportName} (with NBD_INFO_BLOCK_SIZE). */
    static NbdTestClient connect(int port, String exportName) throws IOException {
        NbdTestClient client = new NbdTestClient(port);
        client.greeting(NbdProtocol.CLIENT_FLAG_FIXED_NEWSTYLE | NbdProtocol.CLIENT_FLAG_NO_ZEROES);
        OptionReply last = client.go(NbdProtocol.OPT_GO, exportName);
        if (last.type() != NbdProtocol.REP_ACK) {
            client.close();
            throw new IOException("NBD_OPT_GO failed: 0x" + Integer.toHexString(last.type()) + " " + last.text());
        }
        return client;
    }

    /** Reads the server's greeting, checks it, sends the client flags; returns the handshake flags. */
    int greeting(int clientFlags) throws IOException {
        long magic = in.readLong();
        long ihaveopt = in.readLong();
        int flags = in.readUnsignedShort();
        if (magic != NbdProtocol.NBD_MAGIC || ihaveopt != NbdProtocol.IHAVEOPT) {
            throw new IOException("bad greeting");
        }
        out.writeInt(clientFlags);
        out.flush();
        return flags;
    }

    void sendOption(int option, byte[] data) throws IOException {
        out.writeLong(NbdProtocol.IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    OptionReply readOptionReply() throws IOException {
        long magic = in.readLong();
        if (magic != NbdProtocol.OPTION_REPLY_MAGIC) {
            throw new IOException("bad option reply magic 0x" + Long.toHexString(magic));
        }
        int option = in.readInt();
        int type = in.readInt();
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        return new OptionReply(option, type, data);
    }

    /** NBD_OPT_INFO or NBD_OPT_GO; records what the NBD_REP_INFO replies say; returns the final reply. */
    OptionReply go(int option, String exportName) throws IOException {
        byte[] name = exportName.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer data = java.nio.ByteBuffer.allocate(4 + name.length + 2 + 2);
        data.putInt(name.length).put(name).putShort((short) 1).putShort((short) NbdProtocol.INFO_BLOCK_SIZE);
        sendOption(option, data.array());
        while (true) {
            OptionReply reply = readOptionReply();
            if (reply.type() != NbdProtocol.REP_INFO) {
                return reply;
            }
            java.nio.ByteBuffer info = java.nio.ByteBuffer.wrap(reply.data());
            int type = info.getShort();
            if (type == NbdProtocol.INFO_EXPORT) {
                exportSizeBytes = info.getLong();
                transmissionFlags = Short.toUnsignedInt(info.getShort());
            } else if (type == NbdProtocol.INFO_BLOCK_SIZE) {
                minimumBlockBytes = info.getInt();
                preferredBlockBytes = info.getInt();
                maxPayloadBytes = info.getInt();
            }
        }
    }

    void send(int command, int flags, long cookie, long offsetBytes, long lengthBytes, byte[] payload)
            throws IOException {
        out.writeInt(NbdProtocol.REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(command);
        out.writeLong(cookie);
        out.writeLong(offsetBytes);
        out.writeInt((int) lengthBytes);
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
    }

    /** Reads one simple reply; {@code readLengthOf} gives the data length of a successful read by cookie (0: none). */
    Reply readReply(java.util.function.LongToIntFunction readLengthOf) throws IOException {
        int magic = in.readInt();
        if (magic != NbdProtocol.SIMPLE_REPLY_MAGIC) {
            throw new IOException("bad reply magic 0x" + Integer.toHexString(magic));
        }
        int error = in.readInt();
        long cookie = in.readLong();
        byte[] data = new byte[error == 0 ? readLengthOf.applyAsInt(cookie) : 0];
        in.readFully(data);
        return new Reply(error, cookie, data);
    }

    /** One request and its reply: 0 or the NBD error; a read's data into {@code data}. */
    int request(int command, int flags, long offsetBytes, byte[] data) throws IOException {
        boolean write = command == NbdProtocol.CMD_WRITE;
        long length = data == null ? 0 : data.length;
        send(command, flags, 7, offsetBytes, length, write ? data : null);
        Reply reply = readReply(cookie -> command == NbdProtocol.CMD_READ ? (int) length : 0);
        if (reply.cookie() != 7) {
            throw new IOException("reply for cookie " + reply.cookie());
        }
        if (command == NbdProtocol.CMD_READ && reply.error() == 0) {
            System.arraycopy(reply.data(), 0, data, 0, data.length);
        }
        return reply.error();
    }

    /** A request without payload over {@code lengthBytes} (TRIM, WRITE_ZEROES): 0 or the NBD error. */
    int request(int command, int flags, long offsetBytes, long lengthBytes) throws IOException {
        send(command, flags, 9, offsetBytes, lengthBytes, null);
        Reply reply = readReply(cookie -> 0);
        if (reply.cookie() != 9) {
            throw new IOException("reply for cookie " + reply.cookie());
        }
        return reply.error();
    }

    int write(long offsetBytes, byte[] data) throws IOException {
        return request(NbdProtocol.CMD_WRITE, 0, offsetBytes, data);
    }

    int read(long offsetBytes, byte[] data) throws IOException {
        return request(NbdProtocol.CMD_READ, 0, offsetBytes, data);
    }

    int flush() throws IOException {
        return request(NbdProtocol.CMD_FLUSH, 0, 0, null);
    }

    /** Sends NBD_CMD_DISC and waits for the server to close the connection. */
    void disconnect() throws IOException {
        send(NbdProtocol.CMD_DISC, 0, 0, 0, 0, null);
        try {
            if (in.read() != -1) {
                throw new IOException("data after DISC");
            }
        } catch (EOFException e) {
            // closed: as expected
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
