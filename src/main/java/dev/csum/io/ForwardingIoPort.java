package dev.csum.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * An {@link IoPort} that passes every call to the port it wraps: the base of the ports that add one
 * thing to another (a power cut, a record of the writes, a landing check) and override only the
 * calls that thing changes.
 */
public abstract class ForwardingIoPort implements IoPort {
    /** The wrapped port. */
    protected final IoPort port;

    protected ForwardingIoPort(IoPort port) {
        this.port = port;
    }

    @Override
    public boolean prepareRead(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        return port.prepareRead(fileIndex, offsetBytes, buffer, flags, userData);
    }

    @Override
    public boolean prepareWrite(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        return port.prepareWrite(fileIndex, offsetBytes, buffer, flags, userData);
    }

    @Override
    public boolean prepareFsync(int fileIndex, int flags, long userData) {
        return port.prepareFsync(fileIndex, flags, userData);
    }

    @Override
    public boolean preparePunch(int fileIndex, long offsetBytes, long lengthBytes, int flags, long userData) {
        return port.preparePunch(fileIndex, offsetBytes, lengthBytes, flags, userData);
    }

    @Override
    public int submitAndReap(int minCompletions, CompletionSink sink) throws IOException {
        return port.submitAndReap(minCompletions, sink);
    }

    @Override
    public void wakeup() {
        port.wakeup();
    }

    @Override
    public int queueDepth() {
        return port.queueDepth();
    }

    @Override
    public void registerBuffers(MemorySegment... regions) {
        port.registerBuffers(regions);
    }

    @Override
    public int alignmentBytes() {
        return port.alignmentBytes();
    }

    @Override
    public long fileSizeBytes(int fileIndex) {
        return port.fileSizeBytes(fileIndex);
    }

    @Override
    public void close() throws IOException {
        port.close();
    }
}
