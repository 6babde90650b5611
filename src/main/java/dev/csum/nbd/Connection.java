package dev.csum.nbd;

import static dev.csum.nbd.NbdProtocol.*;

import dev.csum.IoCallback;
import dev.csum.Volume;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * One client: the handshake, then the transmission phase. This object's {@link #run} is the
 * connection's reader thread: it reads each request header (and a write's payload, straight into a
 * native buffer the volume copies from), checks it, and submits it to the volume in the callback
 * form with the request's slot as the token. Completions run on the volume's event loop: they only
 * record the result and push the slot to the {@link ReplyWriter}, which sends the replies (read
 * data straight from the slot's buffer) in whatever order they complete.
 *
 * <p>A request is answered only after the volume completed it (with FUA: after a flush that
 * followed it), so nothing acknowledged is lost when the client, or the server, goes away.
 */
final class Connection implements Runnable {
    /** The connection's life: HANDSHAKE → [TRANSMISSION → DRAINING →] CLOSED. */
    enum Phase { HANDSHAKE, TRANSMISSION, DRAINING, CLOSED }

    private static final System.Logger LOG = System.getLogger("dev.csum.nbd");

    final long id;
    /** The client's stream; its TLS form once the handshake started TLS (set before the writer starts). */
    volatile Transport transport;
    final ConnectionCounters counters = new ConnectionCounters();
    private final NbdServer server;
    private final Volume volume;
    private final boolean readOnly;
    private final int blockSizeBytes;
    private final long sizeBytes;
    private final int maxPayloadBytes;
    private final long maxPieceBytes;
    private final RequestSlots slots;
    private final SlotPool pool;
    private final ReplyQueue replies;
    private final Completion completion = new Completion();
    private RequestReader requests;
    private volatile Phase phase = Phase.HANDSHAKE;

    Connection(NbdServer server, long id, Transport transport, Volume volume, boolean readOnly, int requestsInFlight,
               int maxPayloadBytes) {
        this.server = server;
        this.id = id;
        this.transport = transport;
        this.volume = volume;
        this.readOnly = readOnly;
        this.blockSizeBytes = volume.blockSizeBytes();
        this.sizeBytes = volume.sizeBytes();
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxPieceBytes = Math.min(volume.maxRequestBytes(), maxPayloadBytes);
        this.slots = new RequestSlots(requestsInFlight, volume.directAlignmentBytes());
        this.pool = new SlotPool(requestsInFlight, 2L * maxPayloadBytes);
        this.replies = new ReplyQueue(requestsInFlight);
    }

    /** The transmission flags: flush and FUA, multi-conn (see docs/NBD.md), read-only when it is. */
    static int transmissionFlags(boolean readOnly) {
        int flags = TRANSMISSION_HAS_FLAGS | TRANSMISSION_SEND_FLUSH | TRANSMISSION_SEND_FUA
            | TRANSMISSION_CAN_MULTI_CONN;
        return readOnly ? flags | TRANSMISSION_READ_ONLY : flags | TRANSMISSION_SEND_TRIM | TRANSMISSION_SEND_WRITE_ZEROES;
    }

    Phase phase() {
        return phase;
    }

    @Override
    public void run() {
        try {
            Handshake handshake = new Handshake(transport, server.export(readOnly), server.tlsContext(), LOG);
            Handshake.Phase ended = handshake.run();
            transport = handshake.transport();
            if (ended == Handshake.Phase.TRANSMISSION) {
                transmit();
            } else if (handshake.endReason() != null) {
                // DEBUG: a port scanner or a confused client should not fill the log
                LOG.log(System.Logger.Level.DEBUG, "nbd connection {0} ({1}): handshake ended: {2}", id,
                    transport.peer(), handshake.endReason());
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "nbd connection {0} ({1}) ended: {2}", id, transport.peer(),
                e.getMessage());
        } catch (RuntimeException e) {
            server.countInternalError();
            LOG.log(System.Logger.Level.ERROR, "nbd connection " + id + " (" + transport.peer()
                + ") failed: internal error", e);
        } finally {
            phase = Phase.CLOSED;
            transport.close();
            if (requests != null) {
                requests.close();
            }
            server.connectionEnded(this);
        }
    }

    /** Stops reading requests; those in flight are finished and answered (the server is closing). */
    void stopReading() {
        transport.shutdownInput();
    }

    private void transmit() throws IOException {
        requests = new RequestReader(transport);
        phase = Phase.TRANSMISSION;
        server.connectionTransmitting(this);
        ReplyWriter writer = new ReplyWriter(this, slots, pool, replies, server);
        Thread writerThread = Thread.ofPlatform().daemon(true).name("csum-nbd-" + id + "-writer").unstarted(writer);
        replies.consumer(writerThread);
        writerThread.start();
        String ended = null;
        try {
            ended = readRequests();
        } catch (IOException e) {
            ended = e.getMessage();
        } finally {
            phase = Phase.DRAINING;
            boolean drained = pool.awaitAllFree(server.drainTimeoutNanos());
            replies.close();
            try {
                writerThread.join(TimeUnit.NANOSECONDS.toMillis(server.drainTimeoutNanos()) + 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (drained && !writerThread.isAlive()) {
                slots.close();
            }
            if (ended == null) {
                transport.awaitClientClose();
            }
            if (ended != null) {
                LOG.log(System.Logger.Level.INFO, "nbd connection {0} ({1}) ended: {2}", id, transport.peer(), ended);
            }
        }
    }

    /** The reader loop: returns null on a clean end (DISC, or the client went away between requests), else why. */
    private String readRequests() throws IOException {
        while (true) {
            if (!requests.ensure(REQUEST_HEADER_BYTES)) {
                return null;
            }
            ByteBuffer header = requests.buffer();
            int at = header.position();
            int magic = header.getInt(at);
            int flags = Short.toUnsignedInt(header.getShort(at + 4));
            int command = Short.toUnsignedInt(header.getShort(at + 6));
            long cookie = header.getLong(at + 8);
            long offsetBytes = header.getLong(at + 16);
            long lengthBytes = Integer.toUnsignedLong(header.getInt(at + 24));
            requests.skipBuffered(REQUEST_HEADER_BYTES);
            if (magic != REQUEST_MAGIC) {
                return "bad request magic 0x" + Integer.toHexString(magic) + ": disconnected";
            }
            if (command == CMD_DISC) {
                return null;
            }
            String stop = dispatch(command, flags, cookie, offsetBytes, lengthBytes);
            if (stop != null) {
                return stop;
            }
        }
    }

    /** Handles one request; returns why the connection must end, or null to go on. */
    private String dispatch(int command, int flags, long cookie, long offsetBytes, long lengthBytes)
            throws IOException {
        int flagError = (flags & ~CMD_FLAG_FUA) != 0 ? EINVAL : 0; // TRIM and WRITE_ZEROES check their own
        switch (command) {
            case CMD_READ -> {
                int error = flagError != 0 ? flagError : lengthBytes > maxPayloadBytes ? EINVAL
                    : rangeError(offsetBytes, lengthBytes, false);
                if (error != 0) {
                    reply(cookie, command, error);
                    return null;
                }
                int slot = pool.acquire(lengthBytes);
                slots.begin(slot, cookie, command, offsetBytes, lengthBytes, false);
                submitPieces(slot, VolumeOp.READ, slots.readBuffer(slot, (int) lengthBytes), maxPieceBytes);
            }
            case CMD_WRITE -> {
                if (lengthBytes > maxPayloadBytes) {
                    return "a write of " + lengthBytes + " bytes, more than the advertised maximum payload of "
                        + maxPayloadBytes + ": disconnected";
                }
                int error = flagError != 0 ? flagError : readOnly ? EPERM : rangeError(offsetBytes, lengthBytes, true);
                if (error != 0) {
                    requests.discard(lengthBytes);
                    reply(cookie, command, error);
                    return null;
                }
                MemorySegment data = requests.payload((int) lengthBytes);
                int slot = pool.acquire(0);
                slots.begin(slot, cookie, command, offsetBytes, lengthBytes, (flags & CMD_FLAG_FUA) != 0);
                submitPieces(slot, VolumeOp.WRITE, data, maxPieceBytes);
            }
            case CMD_FLUSH -> {
                if (flagError != 0) {
                    reply(cookie, command, flagError);
                    return null;
                }
                int slot = pool.acquire(0);
                slots.begin(slot, cookie, command, 0, 0, false);
                slots.pending.set(slot, 1);
                flush(slot);
            }
            case CMD_TRIM, CMD_WRITE_ZEROES -> {
                boolean noHole = command == CMD_WRITE_ZEROES && (flags & CMD_FLAG_NO_HOLE) != 0;
                int allowed = CMD_FLAG_FUA | (command == CMD_WRITE_ZEROES ? CMD_FLAG_NO_HOLE : 0);
                int error = (flags & ~allowed) != 0 ? EINVAL : readOnly ? EPERM : rangeError(offsetBytes, lengthBytes, true);
                if (error != 0) {
                    reply(cookie, command, error);
                    return null;
                }
                int slot = pool.acquire(0);
                slots.begin(slot, cookie, command, offsetBytes, lengthBytes, (flags & CMD_FLAG_FUA) != 0);
                // No payload: the volume's discard takes any length; zeros written as data go in 1 MiB pieces.
                VolumeOp op = noHole ? VolumeOp.ZERO_FILL : command == CMD_TRIM ? VolumeOp.DISCARD : VolumeOp.WRITE_ZEROES;
                submitPieces(slot, op, null, noHole ? VolumeOp.ZERO_FILL_PIECE_BYTES : lengthBytes);
            }
            default -> reply(cookie, command, EINVAL);
        }
        return null;
    }

    /** EINVAL for an unaligned or empty range; past the end EINVAL for reads, ENOSPC for writes (proto.md). */
    private int rangeError(long offsetBytes, long lengthBytes, boolean write) {
        if (lengthBytes == 0 || offsetBytes % blockSizeBytes != 0 || lengthBytes % blockSizeBytes != 0) {
            return EINVAL;
        }
        if (offsetBytes < 0 || offsetBytes > sizeBytes || lengthBytes > sizeBytes - offsetBytes) {
            return write ? ENOSPC : EINVAL;
        }
        return 0;
    }

    /**
     * Submits the slot's request in pieces of at most {@code pieceLimitBytes} (for reads and writes
     * the volume's largest request); {@code buffer} is null for an operation without data.
     */
    private void submitPieces(int slot, VolumeOp op, MemorySegment buffer, long pieceLimitBytes) {
        long offsetBytes = slots.offsetBytes[slot];
        long lengthBytes = slots.lengthBytes[slot];
        int pieces = (int) ((lengthBytes + pieceLimitBytes - 1) / pieceLimitBytes);
        slots.pending.set(slot, pieces);
        for (int i = 0; i < pieces; i++) {
            long at = i * pieceLimitBytes;
            long pieceBytes = Math.min(pieceLimitBytes, lengthBytes - at);
            try {
                op.submit(volume, offsetBytes + at, pieceBytes,
                    buffer == null || pieces == 1 ? buffer : buffer.asSlice(at, pieceBytes), completion, slot);
            } catch (RuntimeException e) {
                slots.fail(slot, volume.isClosed() ? ESHUTDOWN : EIO, new IOException(e.getMessage(), e));
                if (slots.pending.addAndGet(slot, -(pieces - i)) == 0) {
                    completed(slot);
                }
                return;
            }
        }
    }

    /**
     * Issues the slot's flush (a FLUSH command's, or a FUA write's). Any thread, the event loop
     * included: there the volume refuses a request while 1024 are in flight, and the reply writer
     * issues the flush instead ({@link RequestSlots.Phase#FLUSH_BY_WRITER}; it may wait for room).
     */
    void flush(int slot) {
        if (readOnly) {
            completion.onComplete(slot, null);
            return;
        }
        try {
            volume.flush(completion, slot);
        } catch (IllegalStateException e) {
            if (!volume.isClosed() && slots.phase[slot] == RequestSlots.Phase.FUA_FLUSH) {
                slots.phase[slot] = RequestSlots.Phase.FLUSH_BY_WRITER;
                replies.push(slot);
                return;
            }
            slots.fail(slot, volume.isClosed() ? ESHUTDOWN : EIO, new IOException(e.getMessage(), e));
            completion.onComplete(slot, null);
        }
    }

    /** Every volume operation of the slot's request has completed: flush after a FUA write, else reply. */
    private void completed(int slot) {
        if (slots.phase[slot] == RequestSlots.Phase.SUBMITTED && slots.fua[slot] && slots.error.get(slot) == 0) {
            slots.phase[slot] = RequestSlots.Phase.FUA_FLUSH;
            slots.pending.set(slot, 1);
            flush(slot);
            return;
        }
        slots.phase[slot] = RequestSlots.Phase.REPLY_QUEUED;
        replies.push(slot);
    }

    /** An immediate error reply (bad request): the slot carries no I/O. */
    private void reply(long cookie, int command, int error) {
        int slot = pool.acquire(0);
        slots.begin(slot, cookie, command, 0, 0, false);
        slots.fail(slot, error, null);
        slots.phase[slot] = RequestSlots.Phase.REPLY_QUEUED;
        replies.push(slot);
    }

    /** The volume's completions: on the event loop, quick and never blocking. */
    private final class Completion implements IoCallback {
        @Override
        public void onComplete(long token, IOException failure) {
            int slot = (int) token;
            if (failure != null) {
                slots.fail(slot, EIO, failure);
            }
            if (slots.pending.decrementAndGet(slot) == 0) {
                completed(slot);
            }
        }
    }
}
