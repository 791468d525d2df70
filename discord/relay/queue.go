package relay

// frame is one queued delivery: its sequence number and encoded JSON.
type frame struct {
	seq  uint64
	data []byte
}

// queue is a bounded FIFO of frames with consecutive sequence numbers. It
// grows on demand up to its limit (idle relays hold no buffer); when full,
// pushing drops the oldest frame. Not safe for concurrent use.
type queue struct {
	buf   []frame // ring storage, len(buf) is the current capacity
	head  int     // index of the oldest frame
	n     int     // frames held
	limit int
}

func newQueue(limit int) *queue { return &queue{limit: limit} }

// len returns the number of frames held.
func (q *queue) len() int { return q.n }

// push appends f; it reports whether the oldest frame was dropped to make room.
func (q *queue) push(f frame) (dropped bool) {
	if q.n == q.limit {
		q.buf[q.head] = frame{}
		q.head = (q.head + 1) % len(q.buf)
		q.n--
		dropped = true
	}
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)%len(q.buf)] = f
	q.n++
	return dropped
}

func (q *queue) grow() {
	size := 2 * len(q.buf)
	if size < 8 {
		size = 8
	}
	if size > q.limit {
		size = q.limit
	}
	nb := make([]frame, size)
	for i := 0; i < q.n; i++ {
		nb[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = nb, 0
}

// oldest returns the oldest frame's sequence number (ok false when empty).
func (q *queue) oldest() (uint64, bool) {
	if q.n == 0 {
		return 0, false
	}
	return q.buf[q.head].seq, true
}

// ack removes every frame with a sequence number ≤ seq and returns how many.
func (q *queue) ack(seq uint64) int {
	removed := 0
	for q.n > 0 && q.buf[q.head].seq <= seq {
		q.buf[q.head] = frame{}
		q.head = (q.head + 1) % len(q.buf)
		q.n--
		removed++
	}
	if q.n == 0 && len(q.buf) > 64 {
		q.buf, q.head = nil, 0 // give a burst's memory back
	}
	return removed
}

// after appends to dst the frames with a sequence number > seq, oldest first.
func (q *queue) after(dst []frame, seq uint64, max int) []frame {
	for i := 0; i < q.n && len(dst) < max; i++ {
		f := q.buf[(q.head+i)%len(q.buf)]
		if f.seq > seq {
			dst = append(dst, f)
		}
	}
	return dst
}
