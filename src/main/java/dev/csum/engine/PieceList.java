package dev.csum.engine;

/** An intrusive FIFO of pieces linked through {@link Piece#next}; allocation-free. */
final class PieceList {
    Piece head;
    Piece tail;
    int size;

    void add(Piece piece) {
        piece.next = null;
        if (tail == null) {
            head = piece;
        } else {
            tail.next = piece;
        }
        tail = piece;
        size++;
    }

    /** Puts {@code piece} (in no list) back at the head. */
    void addFirst(Piece piece) {
        piece.next = head;
        head = piece;
        if (tail == null) {
            tail = piece;
        }
        size++;
    }

    Piece poll() {
        Piece piece = head;
        if (piece != null) {
            head = piece.next;
            if (head == null) {
                tail = null;
            }
            piece.next = null;
            size--;
        }
        return piece;
    }

    boolean isEmpty() {
        return head == null;
    }

    /** Moves every piece of {@code other} to the head of this list, in their order. */
    void takeAllFirst(PieceList other) {
        if (other.head == null) {
            return;
        }
        other.tail.next = head;
        if (tail == null) {
            tail = other.tail;
        }
        head = other.head;
        size += other.size;
        other.head = null;
        other.tail = null;
        other.size = 0;
    }

    /** Moves every piece of {@code other} to the end of this list. */
    void takeAll(PieceList other) {
        if (other.head == null) {
            return;
        }
        if (tail == null) {
            head = other.head;
        } else {
            tail.next = other.head;
        }
        tail = other.tail;
        size += other.size;
        other.head = null;
        other.tail = null;
        other.size = 0;
    }
}
