package dev.csum.engine;

import dev.csum.format.Geometry;
import dev.csum.format.Superblock;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The checksumming engine: a single-threaded state machine that turns volume requests into device
 * operations on an {@link IoPort} and completions back into request results.
 *
 * <p>Data flows down on submit: a request is validated by {@code Volume}, copied into an
 * engine-owned buffer (writes) or given a bounce buffer (reads), split into per-group
 * {@link Piece}s, and each piece becomes a data I/O plus, when its group's imd pair is not cached,
 * an imd pair read. Results flow up: a piece finishes when all of its I/Os did; the request
 * finishes when its last piece did (the seed's pending-read / pending-write counting).
 *
 * <p>Writes go through per-group commits ({@link CommitPath}) whose tuples reach the device first in
 * the write-ahead {@link TupleLog} and later, many at once, in the imd pairs ({@link Checkpointer}).
 *
 * <p>Threading: every method runs on the one thread that drives the engine (the volume's event loop
 * or, in simulation, the test's thread). Nothing here is thread-safe and nothing needs to be.
 */
public final class Engine {
    private final EngineContext context;
    // The context's facts and services under short names, for this class's own use.
    private final Geometry geometry;
    private final boolean readOnly;
    private final EngineCounters counters;
    private final BufferArena buffers;
    private final CommitPath commits;
    private final PairLoader loader;
    private final ReadPath reads;
    /** Null on a read-only engine: it never writes. */
    private final TupleLog log;
    private final Checkpointer checkpointer;
    /** Null on a read-only engine, or when the imd cache holds every group (nothing is ever evicted dirty). */
    private final GroupParking parking;
    private final Arena memory;
    private final DeviceQueue device;
    private final RequestListeners listeners = new RequestListeners();
    private final RequestCompletion completion;
    /** Takes finished requests back (to the pool they came from). */
    private final PieceRouter router;
    /** Requests waiting for buffer space, FIFO through {@link Request#nextWaiting}. */
    private Request bufferWaitHead;
    private Request bufferWaitTail;
    private int requestsActive;
    private final Syncs syncs;
    private boolean closing;
    private boolean closed;
    /** Groups the open's recovery replayed from the log (read-only: in memory only). */
    private final int groupsReplayedAtOpen;

    /**
     * An engine over a volume whose log has been recovered ({@link LogRecovery}).
     *
     * @param logStart where the log's head and sequences stand after recovery (ignored read-only)
     * @param delivery tells each finished request's callback its result
     */
    public Engine(IoPort port, Superblock superblock, EngineSettings settings, LogRecovery.Result logStart,
                  ResultDelivery delivery) {
        this.groupsReplayedAtOpen = logStart.replayedGroups();
        Geometry layout = superblock.geometry();
        int blockBytes = layout.blockSizeBytes();
        int queueDepth = port.queueDepth();
        this.memory = Arena.ofShared();
        int unitBytes = Math.max(4096, Math.max(blockBytes, port.alignmentBytes()));
        long arenaBytes = Long.highestOneBit(Math.max(settings.bufferArenaBytes(), 16L * unitBytes));
        CacheSplit split = CacheSplit.of(settings.imdCacheBytes(), layout);
        DenseTuples dense = split.denseGroups() == 0 ? null : new DenseTuples(layout,
            memory.allocate(split.denseGroups() * 4L * layout.tuplesPerGroup(), 64), (int) split.denseGroups());
        // (its written bits, 1/32 of the checksums' bytes, are on the heap: split.denseBytes counts both)
        MemorySegment arenaSlab = memory.allocate(arenaBytes, unitBytes);
        // Dirty groups may be parked on eviction when the cache cannot hold every group (GroupParking).
        boolean parks = !settings.readOnly() && split.pairSlots() <= layout.groupCount();
        int reservedSlots = parks ? GroupParking.reservedSlots(split.pairSlots(), ParkedTuples.entriesFor(split, layout)) : 0;
        MemorySegment cacheSlab = memory.allocate((split.pairSlots() + reservedSlots) * 2 * blockBytes, unitBytes);
        port.registerBuffers(arenaSlab, cacheSlab);
        this.context = new EngineContext(superblock, settings, new OpTable(Math.max(64, queueDepth * 4)),
            new BufferArena(arenaSlab, unitBytes),
            new GroupCache(cacheSlab, blockBytes, (int) split.pairSlots(), reservedSlots, dense), dense);
        this.geometry = context.geometry;
        this.readOnly = context.readOnly;
        this.counters = context.counters;
        this.device = new DeviceQueue(port, context.ops, counters, readOnly);
        this.buffers = context.buffers;
        PieceCompletion pieces = new PieceCompletion() {
            @Override
            public void finishPiece(Piece piece, IOException failure) {
                Engine.this.finishPiece(piece, failure);
            }

            @Override
            public void onGroupLoaded(GroupState state, IOException failure) {
                reads.onGroupLoaded(state, failure);
            }

            @Override
            public void rerouteRead(Piece piece) {
                router.reroute(piece);
            }

            @Override
            public void onCommitOver(GroupState state) {
                reads.issueFencedRereads(state);
            }

            @Override
            public void onRereadsDone(GroupState state) {
                commits.onRereadsDone(state);
            }
        };
        this.commits = new CommitPath(context, pieces);
        if (readOnly) {
            this.log = null;
            this.checkpointer = null;
            this.parking = null;
        } else {
            if (layout.logBlockCount() == 0) {
                throw new IllegalStateException("a volume without a tuple log (format version 1) is read-only");
            }
            this.log = new TupleLog(context, commits,
                memory.allocate(TupleLog.slabBytes(superblock.logRegion(), blockBytes), unitBytes), logStart.start(), superblock);
            ParkedTuples parked = parks ? ParkedTuples.sized(split, layout) : null;
            this.checkpointer = new Checkpointer(context, log,
                memory.allocate(Checkpointer.slabBytes(blockBytes), unitBytes), parked);
            this.parking = parked == null ? null : new GroupParking(context, parked, log, checkpointer);
            commits.connect(log, checkpointer, parking);
            checkpointer.connect(commits::requestSettle, parking);
        }
        this.loader = new PairLoader(context, pieces, commits, logStart.overlay(), parking);
        this.reads = new ReadPath(context, pieces);
        this.completion = new RequestCompletion(context, listeners, delivery);
        this.router = new PieceRouter(context, loader, commits, reads, parking);
        if (parking != null) {
            parking.connect(loader);
            context.cache.setParker(parking::tryPark);
        }
        this.syncs = new Syncs(context, commits, log, checkpointer, parking, this::completeRequest);
        device.connect(this::onOperation);
    }

    /** The buffer arena (tests: to check that nothing leaked). */
    BufferArena bufferArena() {
        return buffers;
    }

    /** Largest request, in bytes, that the buffer arena can always serve. */
    public long maxRequestBytes() {
        return buffers.capacityBytes() / 2;
    }

    public EngineCounters counters() {
        return counters;
    }

    /** Sets where finished requests go after their callback's arguments were captured. */
    void setRecycler(java.util.function.Consumer<Request> requestRecycler) {
        completion.setRecycler(requestRecycler);
    }

    /** Adds a listener told about every completed request, on the event loop. Any thread. */
    public void addListener(RequestListener listener) {
        listeners.add(listener);
    }

    /** Removes a listener added with {@link #addListener}; false when it was not attached. Any thread. */
    public boolean removeListener(RequestListener listener) {
        return listeners.remove(listener);
    }

    public dev.csum.format.Geometry geometry() {
        return geometry;
    }

    // ---------------------------------------------------------------- requests (from the driver)

    /** Starts a request handed over by the volume (already validated). */
    public void start(Request request) {
        assert !closed : "request after close";
        requestsActive++;
        counters.set(EngineCounters.REQUESTS_IN_FLIGHT, requestsActive);
        if (!listeners.isEmpty()) {
            request.startNanos = System.nanoTime();
        }
        assert request.kind == Request.FLUSH || request.blockCount > 0 : "empty request";
        if (request.kind == Request.FLUSH) {
            syncs.startFlush(request);
        } else if (Request.noData(request.kind)) {
            // No data, so no buffer: a discard's pieces go straight to their groups' commits, a count's
            // to their groups' pairs.
            assert !readOnly || request.kind == Request.COUNT : "a discard reached a read-only engine";
            if (request.kind == Request.COUNT) {
                request.tallyLogFraction = log == null ? -1 : log.fill();
                request.tallyGroupsReplayed = groupsReplayedAtOpen;
            }
            router.split(request);
        } else if ((bufferWaitHead != null && request.buffer == null) || !startWithBuffer(request)) {
            // First come, first served among requests that need buffer space (one bringing its own
            // buffer, a write copied on the caller's thread, starts at once: it frees memory).
            if (bufferWaitTail == null) {
                bufferWaitHead = request;
            } else {
                bufferWaitTail.nextWaiting = request;
            }
            bufferWaitTail = request;
        }
    }

    private boolean startWithBuffer(Request request) {
        MemorySegment buffer = request.buffer;
        if (buffer == null) {
            buffer = buffers.allocate(request.lengthBytes);
            if (buffer == null) {
                return false;
            }
            request.buffer = buffer;
        }
        if (request.kind == Request.WRITE) {
            // Stable writes: the bytes checksummed are the engine's copy, and exactly those are written.
            if (!request.copiedByCaller) {
                IOException sourceGone = RequestCompletion.copyCallerMemory(request.user, buffer, request, "source");
                if (sourceGone != null) {
                    request.fail(sourceGone);
                    completeRequest(request); // nothing split, nothing issued: frees the buffer
                    return true;
                }
            }
            int[] sums = request.checksumsFor(request.blockCount);
            for (int i = 0; i < request.blockCount; i++) {
                sums[i] = context.blockChecksum(buffer, i, request.firstBlock + i);
            }
        }
        router.split(request);
        return true;
    }

    // ---------------------------------------------------------------- pieces and requests

    /** A piece is done: all its I/Os completed. */
    void finishPiece(Piece piece, IOException failure) {
        Request request = piece.request;
        if (failure != null) {
            request.fail(failure);
        }
        router.recycle(piece);
        request.piecesPending--;
        assert request.piecesPending >= 0 : "request pieces below zero";
        if (request.piecesPending == 0) {
            completeRequest(request);
        }
    }

    /**
     * A request is done (its last piece, its flush, or its start failed): the engine's own
     * bookkeeping, then {@link RequestCompletion} turns it into its caller's result.
     */
    private void completeRequest(Request request) {
        if (Request.changesTuples(request.kind)) {
            syncs.writeCompleted();
        }
        requestsActive--;
        counters.set(EngineCounters.REQUESTS_IN_FLIGHT, requestsActive);
        completion.complete(request);
    }

    /**
     * The failure of a request whose caller segment could no longer be accessed when its bytes had
     * to be copied (its arena closed, or confined to another thread). Any thread.
     */
    public static IOException callerMemoryInaccessible(String operation, long offsetBytes, long lengthBytes,
                                                       String role, RuntimeException cause) {
        return new IOException(operation + " of " + lengthBytes + " bytes at offset " + offsetBytes + " failed: the "
            + role + " buffer is no longer accessible (" + cause.getMessage() + "; was its arena closed while the "
            + operation + " was in flight?)", cause);
    }

    /**
     * An engine buffer for a calling thread to copy write data into; waits while the buffers are
     * all in use. Any thread except the event loop.
     */
    public MemorySegment allocateWaiting(long byteCount) {
        return buffers.allocateWaiting(byteCount);
    }

    /** Gives back a buffer obtained from {@link #allocateWaiting} or a {@link ReadHandoff}. Any thread. */
    public void releaseBuffer(MemorySegment buffer) {
        buffers.free(buffer);
    }

    // ---------------------------------------------------------------- flush and close

    /** Stops accepting requests; the engine finishes everything, settles metadata, syncs, then is closed. */
    public void beginClose() {
        closing = true;
        if (parking != null) {
            parking.beginClose();
        }
    }

    /** True once {@link #beginClose()} was called and everything it waits for is done. */
    public boolean isClosed() {
        return closed;
    }

    /** The first error met while closing (a failed settle or sync), or null. */
    public IOException closeFailure() {
        return syncs.closeFailure();
    }

    private void advanceClose() {
        if (closed || requestsActive > 0 || bufferWaitHead != null || router.hasWaiting()) {
            return;
        }
        if (syncs.closeSynced() && device.empty()) {
            closed = true;
            memory.close();
        }
    }

    // ---------------------------------------------------------------- the loop step

    /** True when the engine has nothing to do until a completion or a new request arrives. */
    public boolean quiescent() {
        return requestsActive == 0 && device.empty();
    }

    /** Device operations in flight. */
    public int opsInFlight() {
        return device.opsInFlight();
    }

    /**
     * One step of the event loop: retries work that waited for memory or cache slots, sends ready
     * operations to the device, and handles every available completion. Waits for at least one
     * completion (or a {@link IoPort#wakeup()}) when {@code mayWait} and there is nothing else to do.
     *
     * @return completions handled
     */
    public int runOnce(boolean mayWait) throws IOException {
        retryWaiting();
        if (closing) {
            advanceClose();
            if (closed) {
                return 0;
            }
        }
        commits.startDueCommits();
        if (log != null) {
            log.sealDue();
            commits.strictSync().startDue();
            if (parking != null) {
                parking.reloadIfDue();
            }
            checkpointer.startIfDue();
            IOException stuck = checkpointer.stuckFailure() != null ? checkpointer.stuckFailure() : log.tailRecordFailure();
            if (stuck != null && log.waitingForRoom()) {
                log.failOpenRecord(stuck);
            }
        }
        int reaped = device.submitAndReap(mayWait ? 1 : 0);
        if (closing) {
            advanceClose();
        }
        return reaped;
    }

    /** Fails a request its event loop will never finish (the loop died); see {@link RequestCompletion#failStranded}. */
    void failStranded(Request request, IOException failure) {
        completion.failStranded(request, failure);
    }

    private void retryWaiting() {
        while (bufferWaitHead != null) {
            Request request = bufferWaitHead;
            // Unlinked before it starts: one that fails at once is completed and recycled inside.
            Request next = request.nextWaiting;
            request.nextWaiting = null;
            if (!startWithBuffer(request)) {
                request.nextWaiting = next; // still first in line
                break;
            }
            bufferWaitHead = next;
            if (bufferWaitHead == null) {
                bufferWaitTail = null;
            }
        }
        router.retryWaiting();
    }

    /** A device operation completed: to the part of the engine that issued it (from {@link DeviceQueue}). */
    private void onOperation(byte kind, Object target, int aux, int fileIndex, int result) {
        switch (kind) {
            case OpTable.DATA_READ -> reads.onDataRead((Piece) target, result);
            case OpTable.RECHECK_READ -> reads.onRecheckRead((Piece) target, result);
            case OpTable.IMD_LOAD -> loader.onLoad((GroupState) target, aux, result);
            case OpTable.LOG_WRITE -> log.onRecordWrite(aux, result);
            case OpTable.LOG_VERIFY -> log.onCloseRecordRead(result);
            case OpTable.CEILING_WRITE -> log.onCeilingWrite(aux, result);
            case OpTable.CHECKPOINT_WRITE -> checkpointer.onCheckpointWrite((GroupState) target, aux, result);
            case OpTable.CHECKPOINT_SYNC -> checkpointer.onSync(aux, fileIndex, result);
            case OpTable.STRICT_SYNC -> commits.strictSync().onSync(result);
            case OpTable.DATA_WRITE -> commits.onDataWrite((Piece) target, result);
            case OpTable.DATA_PUNCH -> commits.onDataPunch((Piece) target, aux, result);
            case OpTable.FSYNC -> syncs.onFsync(target, fileIndex, result);
            default -> throw new AssertionError("unknown operation kind " + kind);
        }
    }
}
