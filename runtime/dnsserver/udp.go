package dnsserver

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// udpBatch is how many queries one read takes at most (recvmmsg on
// Linux), and so how many answers one write sends (sendmmsg): a system
// call per batch, not two per query, is most of what a UDP query costs.
const udpBatch = 64

// batchConn reads and writes datagrams in batches: ipv4.PacketConn or
// ipv6.PacketConn (whose Message is the same type).
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// udpServer answers queries on one UDP socket, in batches, in as many
// loops as there are processors (recvmmsg on one socket from several
// threads is safe). Each query is answered as miekg/dns's Server answers
// it: a datagram shorter than a header is dropped, one the accept
// function ignores goes unanswered, one that does not unpack gets
// FORMERR (and is reported to invalid), the rest go to the handler.
type udpServer struct {
	pc      *net.UDPConn
	conn    batchConn
	h       dns.Handler
	wire    WireHandler // h, when it answers from bytes
	invalid func([]byte, error)
	loops   int
	closing atomic.Bool
	wg      sync.WaitGroup
}

// newUDPServer serves pc in batches, or returns nil when pc is not a UDP
// socket bound to one address: on a wildcard address an answer must
// leave from the address the query came to, which miekg/dns's Server
// sees to (with per-packet control messages).
func newUDPServer(pc net.PacketConn, h dns.Handler, invalid func([]byte, error), loops int) *udpServer {
	uc, ok := pc.(*net.UDPConn)
	if !ok {
		return nil
	}
	la, ok := uc.LocalAddr().(*net.UDPAddr)
	if !ok || la.IP == nil || la.IP.IsUnspecified() {
		return nil
	}
	s := &udpServer{pc: uc, h: h, invalid: invalid, loops: max(loops, 1)}
	s.wire, _ = h.(WireHandler)
	if la.IP.To4() != nil {
		s.conn = ipv4.NewPacketConn(uc)
	} else {
		s.conn = ipv6.NewPacketConn(uc)
	}
	return s
}

// serve answers until stop, or a read error other than the stop's;
// started is called once the loops run.
func (s *udpServer) serve(started func()) error {
	errc := make(chan error, s.loops)
	for range s.loops {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			err := s.loop()
			if err != nil {
				// The others stop too, so Serve returns the error.
				s.closing.Store(true)
				s.pc.SetReadDeadline(time.Unix(1, 0))
			}
			errc <- err
		}()
	}
	started()
	s.wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			return err
		}
	}
	return nil
}

// stop makes the loops return once they have answered the batch they
// hold (a read deadline in the past wakes a waiting read), waiting up to
// the context's end, then closes the socket.
func (s *udpServer) stop(ctx context.Context) {
	s.closing.Store(true)
	s.pc.SetReadDeadline(time.Unix(1, 0))
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	s.pc.Close()
	<-done
}

// loop is one reader: read a batch, answer each query, write the
// answers in one batch.
func (s *udpServer) loop() error {
	in := make([]ipv4.Message, udpBatch)
	out := make([]ipv4.Message, 0, udpBatch)
	bufs := make([][]byte, udpBatch)
	ws := make([]udpWriter, udpBatch)
	local := s.pc.LocalAddr()
	for i := range in {
		bufs[i] = make([]byte, readBuffer)
		in[i].Buffers = [][]byte{bufs[i]}
		ws[i].local = local
		ws[i].out = make([]byte, 0, 2048)
	}
	for {
		n, err := s.conn.ReadBatch(in, 0)
		if err != nil {
			if s.closing.Load() || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		out = out[:0]
		for i := range n {
			w := &ws[i]
			w.remote, w.out, w.wrote = in[i].Addr, w.out[:0], false
			s.answer(w, bufs[i][:in[i].N])
			if w.wrote && w.remote != nil {
				w.bufs[0] = w.out
				out = append(out, ipv4.Message{Buffers: w.bufs[:], Addr: w.remote})
			}
		}
		for len(out) > 0 {
			k, err := s.conn.WriteBatch(out, 0)
			if err != nil {
				// One client's socket gone must not stop the others'
				// answers: skip the answer that failed.
				k = max(k, 1)
			}
			out = out[k:]
		}
	}
}

// answer handles one datagram, as miekg/dns's Server does.
func (s *udpServer) answer(w *udpWriter, m []byte) {
	const headerSize = 12
	if len(m) < headerSize {
		return
	}
	dh := dns.Header{
		Id:      uint16(m[0])<<8 | uint16(m[1]),
		Bits:    uint16(m[2])<<8 | uint16(m[3]),
		Qdcount: uint16(m[4])<<8 | uint16(m[5]),
		Ancount: uint16(m[6])<<8 | uint16(m[7]),
		Nscount: uint16(m[8])<<8 | uint16(m[9]),
		Arcount: uint16(m[10])<<8 | uint16(m[11]),
	}
	if accept(dh) != dns.MsgAccept {
		return
	}
	if s.wire != nil && s.wire.ServeWire(w, m) {
		return
	}
	req := new(dns.Msg)
	if err := req.Unpack(m); err != nil {
		s.invalid(m, err)
		req.SetRcodeFormatError(req)
		req.Zero = false
		req.Ns, req.Answer, req.Extra = nil, nil, nil
		w.WriteMsg(req)
		return
	}
	s.h.ServeDNS(w, req)
}

// udpWriter holds one query's answer until the batch is written.
type udpWriter struct {
	local, remote net.Addr
	out           []byte
	wrote         bool
	bufs          [1][]byte // the batch message's Buffers
}

var errAnswered = errors.New("dns server: a UDP query gets one answer")

func (w *udpWriter) LocalAddr() net.Addr  { return w.local }
func (w *udpWriter) RemoteAddr() net.Addr { return w.remote }

func (w *udpWriter) Write(b []byte) (int, error) {
	if w.wrote {
		return 0, errAnswered
	}
	w.out, w.wrote = append(w.out[:0], b...), true
	return len(b), nil
}

func (w *udpWriter) WriteMsg(m *dns.Msg) error {
	if w.wrote {
		return errAnswered
	}
	b, err := m.PackBuffer(w.out[:cap(w.out)])
	if err != nil {
		return err
	}
	w.out, w.wrote = b, true
	return nil
}

func (w *udpWriter) Close() error        { return nil }
func (w *udpWriter) TsigStatus() error   { return nil }
func (w *udpWriter) TsigTimersOnly(bool) {}
func (w *udpWriter) Hijack()             {}
