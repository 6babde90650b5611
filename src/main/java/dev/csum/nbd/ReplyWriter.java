package dev.csum.nbd;

import static dev.csum.nbd.NbdProtocol.*;

import dev.csum.IntegrityException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A connection's reply writer thread: takes every slot whose request completed, writes their
 * simple replies (header, and a successful read's data straight from the slot's buffer) with one
 * gathering write, then frees the slots. Also logs what failed: the event loop that completed the
 * request must not block on a log.
 *
 * <p>After a failed socket write (the client is gone) it keeps taking and freeing slots without
 * writing, so the reader can drain the requests still in flight, and stops the reader.
 */
final class ReplyWriter implements Runnable {
    private static final System.Logger LOG = System.getLogger("dev.csum.nbd");

    private final Connection connection;
    private final RequestSlots slots;
    private final SlotPool pool;
    private final ReplyQueue replies;
    private final NbdServer server;

    ReplyWriter(Connection connection, RequestSlots slots, SlotPool pool, ReplyQueue replies, NbdServer server) {
        this.connection = connection;
        this.slots = slots;
        this.pool = pool;
        this.replies = replies;
        this.server = server;
    }

    @Override
    public void run() {
        int[] ready = new int[slots.size()];
        int[] done = new int[slots.size()];
        ByteBuffer[] out = new ByteBuffer[2 * slots.size()];
        boolean socketFailed = false;
        int count;
        while ((count = replies.takeAll(ready)) > 0) {
            int buffers = 0;
            int finished = 0;
            for (int i = 0; i < count; i++) {
                int slot = ready[i];
                if (slots.phase[slot] == RequestSlots.Phase.FLUSH_BY_WRITER) {
                    connection.flush(slot);
                    continue;
                }
                int error = slots.error.get(slot);
                ByteBuffer header = slots.header[slot];
                header.clear();
                header.putInt(SIMPLE_REPLY_MAGIC).putInt(error).putLong(slots.cookie[slot]).flip();
                out[buffers++] = header;
                if (slots.command[slot] == CMD_READ && error == 0) {
                    out[buffers++] = slots.readData(slot);
                }
                IOException failure = slots.failure[slot];
                connection.counters.count(slots.command[slot], slots.lengthBytes[slot], error,
                    failure instanceof IntegrityException);
                if (failure != null) {
                    report(slot, error, failure);
                }
                done[finished++] = slot;
            }
            if (!socketFailed && buffers > 0) {
                try {
                    connection.transport.writeFully(out, buffers);
                } catch (IOException e) {
                    socketFailed = true;
                    LOG.log(System.Logger.Level.INFO, "nbd connection {0} ({1}): replies cannot be sent: {2}",
                        connection.id, connection.transport.peer(), e.getMessage());
                    connection.stopReading();
                }
            }
            Arrays.fill(out, 0, buffers, null);
            for (int i = 0; i < finished; i++) {
                slots.finish(done[i]);
            }
            pool.release(done, finished);
        }
    }

    private void report(int slot, int error, IOException failure) {
        String what = commandName(slots.command[slot]) + " of " + slots.lengthBytes[slot] + " bytes at offset "
            + slots.offsetBytes[slot];
        if (failure instanceof IntegrityException integrity) {
            server.countIntegrityError();
            LOG.log(System.Logger.Level.WARNING, "nbd connection {0}: {1} failed verification, answered EIO: {2}"
                + " (bad block offsets {3})", connection.id, what, integrity.getMessage(),
                Arrays.toString(integrity.badOffsetsBytes()));
        } else {
            LOG.log(System.Logger.Level.WARNING, "nbd connection {0}: {1} failed, answered error {2}: {3}",
                connection.id, what, error, failure.getMessage());
        }
    }
}
