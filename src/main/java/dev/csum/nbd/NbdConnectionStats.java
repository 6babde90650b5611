package dev.csum.nbd;

/**
 * One connection's requests so far, counted as they are answered.
 *
 * @param id the connection's number, from 1 in the order the server accepted them
 * @param client the client's address ("unix socket" for a Unix domain socket client)
 * @param reads read requests answered (successfully or not)
 * @param writes write requests answered
 * @param flushes flush requests answered
 * @param zeroings trim and write-zeroes requests answered
 * @param readBytes bytes of successful reads
 * @param writtenBytes bytes of successful writes
 * @param errors requests answered with an error (bad requests included)
 * @param integrityErrors reads answered {@code NBD_EIO} because a block failed verification
 */
public record NbdConnectionStats(long id, String client, long reads, long writes, long flushes, long zeroings,
                                 long readBytes,
                                 long writtenBytes, long errors, long integrityErrors) {
}
