package ucwa

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestBatch(t *testing.T) {
	g := newRig(t, nil)
	self, m := g.create("cwt=alice")
	batch := link(t, m, "batch")
	g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/makeMeAvailable", "", ""), http.StatusNoContent)
	const boundary = "77f2569d-c005-442b-b856-782305305e5f"
	part := func(req string) string {
		return "--" + boundary + "\r\nContent-Type: application/http; msgtype=request\r\n\r\n" + req + "\r\n"
	}
	presence := `{"availability":"Busy"}`
	body := part("GET "+self+"/me HTTP/1.1\r\nHost: web.contoso.com\r\nAccept: application/json\r\n\r\n") +
		part("POST "+self+"/me/presence HTTP/1.1\r\nHost: web.contoso.com\r\nContent-Type: application/json\r\nContent-Length: "+
			strconv.Itoa(len(presence))+"\r\n\r\n"+presence) +
		part("GET "+self+"/events?ack=1 HTTP/1.1\r\nHost: web.contoso.com\r\n\r\n") +
		part("GET "+self+"/me/presence HTTP/1.1\r\nHost: web.contoso.com\r\n\r\n") +
		"--" + boundary + "--\r\n"
	w := g.do("cwt=alice", http.MethodPost, batch, "multipart/batching;boundary="+boundary, body)
	if w.Code != http.StatusOK {
		t.Fatalf("batch: %d %s", w.Code, w.Body.String())
	}
	mt, params, err := mime.ParseMediaType(w.Header().Get("Content-Type"))
	if err != nil || mt != "multipart/batching" {
		t.Fatalf("Content-Type %q", w.Header().Get("Content-Type"))
	}
	mr := multipart.NewReader(bytes.NewReader(w.Body.Bytes()), params["boundary"])
	var got []int
	var bodies []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.Header.Get("Content-Type") != "application/http; msgtype=response" {
			t.Errorf("part type %q", p.Header.Get("Content-Type"))
		}
		resp, err := http.ReadResponse(bufio.NewReader(p), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		got = append(got, resp.StatusCode)
		bodies = append(bodies, string(b))
	}
	if len(got) != 4 || got[0] != 200 || got[1] != 204 || got[2] != 400 || got[3] != 200 {
		t.Fatalf("statuses %v", got)
	}
	if !strings.Contains(bodies[0], `"rel":"me"`) || !strings.Contains(bodies[3], `"availability":"Busy"`) {
		t.Errorf("bodies %q", bodies)
	}
	g.expectError(g.do("cwt=alice", http.MethodPost, batch, "application/json", "{}"), http.StatusUnsupportedMediaType, "UnsupportedMediaType", "")
	// A part for another application is refused, the batch still answers.
	other, _ := g.create("cwt=bob")
	w = g.do("cwt=alice", http.MethodPost, batch, "multipart/batching; boundary="+boundary,
		part("GET "+other+" HTTP/1.1\r\nHost: x\r\n\r\n")+"--"+boundary+"--\r\n")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "HTTP/1.1 400") {
		t.Errorf("foreign part: %d %s", w.Code, w.Body.String())
	}
}
