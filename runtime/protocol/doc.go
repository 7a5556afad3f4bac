// Package protocol holds the message formats the lab runtime's Front End
// web services and the trace client share: the Autodiscover documents
// (MS-OCDISCWS) in both families of representations, content negotiation,
// the token vocabulary, the MsRtcOAuth and Bearer challenges, the OAuth
// token endpoint's JSON, the UCWA error body, the X-Ms-diagnostics header
// and the few WS-Trust messages of the web-ticket flow.
//
// It holds no server code and imports only the standard library, so the
// client (runtime/trace) can use it without pulling in any server package.
//
// Encoders emit exactly one canonical form: canonical token case, vnd XML
// without a default namespace, the MsRtcOAuth href quoted with the comma
// right after it. Decoders are tolerant, as real clients and servers need:
// element, attribute and property names in any case, a vnd JSON "Links"
// that is an array or a single object, a port as a number or a string,
// namespaces ignored. Every decoder is bounded: inputs larger than MaxBody
// are refused, and so are documents with more than MaxLinks links or nested
// deeper than maxDepth.
//
// The behaviours and names come from the protocol notes in
// reference/autodiscover-protocol.md and reference/ucwa-details.md; where a
// choice is an inference rather than a documented rule, the comment says so.
package protocol

// MaxBody is the largest body a decoder in this package reads.
const MaxBody = 1 << 20

// MaxLinks is the largest number of links a decoded document may hold.
const MaxLinks = 256

// maxDepth bounds the nesting of decoded XML and JSON documents.
const maxDepth = 32
