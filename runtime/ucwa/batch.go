package ucwa

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"sort"
	"strconv"
	"strings"

	"github.com/mobplan/mobplan/runtime/protocol"
)

// maxBatchParts bounds a batch; the sample library sends at most 20.
const maxBatchParts = 50

// batch answers POST <application>/batch (BatchingRequests.md): a
// multipart/batching body whose parts are application/http requests,
// answered in order as application/http responses. A P-GET cannot be
// batched (it would hold the whole batch), nor can a batch.
func (s *Server) batch(q *request, a *app) {
	mt, params, err := mime.ParseMediaType(q.r.Header.Get("Content-Type"))
	if err != nil || !strings.EqualFold(mt, "multipart/batching") || params["boundary"] == "" {
		q.fail(http.StatusUnsupportedMediaType, protocol.CodeUnsupportedMediaType, subUnsupportedMediaType, "A batch is multipart/batching with a boundary.")
		return
	}
	b, ok := s.body(q)
	if !ok {
		return
	}
	mr := multipart.NewReader(bytes.NewReader(b), params["boundary"])
	var out bytes.Buffer
	mw := multipart.NewWriter(&out)
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || n == maxBatchParts {
			q.fail(http.StatusBadRequest, protocol.CodeBadRequest, protocol.SubcodeDeserializationFailure,
				fmt.Sprintf("The batch is not readable multipart/batching of at most %d parts.", maxBatchParts))
			return
		}
		status, hdr, body := s.batchPart(q, a, part)
		pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/http; msgtype=response"}})
		if err != nil {
			q.fail(http.StatusInternalServerError, protocol.CodeServiceFailure, "", err.Error())
			return
		}
		fmt.Fprintf(pw, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
		keys := make([]string, 0, len(hdr))
		for k := range hdr {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range hdr[k] {
				fmt.Fprintf(pw, "%s: %s\r\n", k, v)
			}
		}
		fmt.Fprintf(pw, "\r\n")
		_, _ = pw.Write(body)
	}
	_ = mw.Close()
	q.w.Header().Set("Content-Type", "multipart/batching; boundary="+mw.Boundary())
	q.w.Header().Set("Content-Length", strconv.Itoa(out.Len()))
	q.w.WriteHeader(http.StatusOK)
	_, _ = q.w.Write(out.Bytes())
}

// batchPart answers one part: its own request, authenticated as the batch.
func (s *Server) batchPart(q *request, a *app, part *multipart.Part) (int, http.Header, []byte) {
	partErr := func(status int, code, subcode, msg string) (int, http.Header, []byte) {
		return status, http.Header{"Content-Type": {"application/json; charset=utf-8"}},
			protocol.Error{Code: code, Subcode: subcode, Message: msg}.Encode(protocol.UCWAJSON)
	}
	mt, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
	if !strings.EqualFold(mt, "application/http") {
		return partErr(http.StatusUnsupportedMediaType, protocol.CodeUnsupportedMediaType, subUnsupportedMediaType, "A batch part is application/http.")
	}
	inner, err := http.ReadRequest(bufio.NewReader(io.LimitReader(part, s.cfg.MaxBodyBytes)))
	if err != nil || inner.URL == nil {
		return partErr(http.StatusBadRequest, protocol.CodeBadRequest, protocol.SubcodeDeserializationFailure, "The part is not an HTTP request.")
	}
	base, segs, ok := splitPath(inner.URL.Path)
	if !ok || base != q.base || len(segs) == 0 || segs[0] != a.id {
		return partErr(http.StatusBadRequest, protocol.CodeBadRequest, protocol.SubcodeParameterValidationFailure, "A batch part names a resource of the same application.")
	}
	if len(segs) == 2 && (segs[1] == "events" || segs[1] == "batch") {
		return partErr(http.StatusBadRequest, protocol.CodeBadRequest, protocol.SubcodeParameterValidationFailure, "The event channel and batches cannot be batched.")
	}
	inner = inner.WithContext(q.r.Context())
	inner.Header.Del("Authorization")
	inner.Header.Del(protocol.WebTicketHeader)
	for _, h := range []string{"Authorization", protocol.WebTicketHeader} {
		if v := q.r.Header.Get(h); v != "" {
			inner.Header.Set(h, v)
		}
	}
	rec := &bufferWriter{h: http.Header{}}
	s.ServeHTTP(rec, inner)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.status, rec.h, rec.b.Bytes()
}

// bufferWriter collects one batched response.
type bufferWriter struct {
	h      http.Header
	status int
	b      bytes.Buffer
}

func (w *bufferWriter) Header() http.Header { return w.h }
func (w *bufferWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *bufferWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.b.Write(p)
}
