//! HTTP报文 — HTTP messages, as pure functions over bytes (RFC 9112).
//!
//! A message is a start line, header fields, an empty line, and maybe a body:
//!
//! ```text
//!   GET /headers HTTP/1.1\r\n            request line: method SP request-target SP version
//!   Host: 127.0.0.1:1337\r\n             field: name ":" OWS value OWS
//!   User-Agent: curl/7.88.1\r\n
//!   Accept: */*\r\n
//!   \r\n                                  the empty line ends the head
//!   (body: as long as Content-Length says, or chunked, or none)
//! ```
//!
//! Nothing here touches a socket. The server ([`super::server`]) and the client
//! ([`super::client`]) feed these functions the bytes they have read and act on what they
//! return, so every rule can be tested on bytes alone. One file per part of a message, each
//! using only those below it in this list (and what this file defines, [`ParseError`] and
//! [`Version`]):
//!
//! - `body.rs`, the body: [`BodyDecoder`] takes a body off the wire as its bytes arrive,
//!   whatever its framing (a chunked one through [`ChunkedDecoder`]);
//! - `find.rs`, where a head ends: [`find_head`] finds it, resuming where it stopped, and
//!   rejects bare line feeds and heads over [`MAX_HEADER_BYTES`] as soon as they show;
//!   [`find_response_head`] does the same for the client; [`HeadFinder`] runs them on bytes
//!   that arrive piece by piece, dropping the empty lines before a head as they come (the head
//!   reader, [`super::reader`], is built on it);
//! - `write.rs`, the other way round: [`HeadWriter`] writes every head the crate sends
//!   ([`response_head`] and [`request_head`] for a whole one at once) and refuses, with Node's
//!   words ([`InvalidHead`]), a field, status, method or path that would break the message;
//!   [`check_framing`] refuses framing fields our own parser would refuse; [`reason_phrase`],
//!   [`http_date`] and [`push_chunk`] do the rest;
//! - `head.rs`, the head: [`parse_request_head`] turns a complete head into a [`RequestHead`],
//!   or says which rule the bytes broke ([`ParseError`]); [`parse_response_head`] into a
//!   [`ResponseHead`]; and what each head says of its body, its connection and `Expect`
//!   ([`RequestHead::framing`] and the other facts a server acts on, noted as the fields are
//!   parsed; [`ResponseHead::framing`]);
//! - `headers.rs`, the head as Node presents it: [`headers_object`] (`req.headers`),
//!   [`raw_headers`] (`req.rawHeaders`), [`headers_json`];
//! - `framing.rs`, the rules of a head's facts: how long the body is (RFC 9112 §6.3,
//!   `Content-Length` and `Transfer-Encoding`), which responses have none, whether the
//!   connection stays open, what `Expect` asks for;
//! - `fields.rs`, the field lines, one parser for both directions and for trailers, and
//!   [`Fields`], the places of each name and value in the head's one text; the bytes a token
//!   and a value are made of ([`is_tchar`], [`is_field_byte`]);
//! - `list.rs`, field values: [`trim_ows`], and the comma-separated lists [`list_elements`]
//!   and [`has_token`] read, the same for every field.
//!
//! The rules are strict where a lenient reading could let one request hide inside another
//! (request smuggling): a bare LF, a space before a colon, two `Content-Length`s, or
//! `Content-Length` beside `Transfer-Encoding` are each a `400`, as in Node's parser.

use std::fmt;

mod body;
mod fields;
mod find;
mod framing;
mod head;
mod headers;
mod list;
mod write;

pub use body::{BodyDecoder, ChunkedDecoder, MAX_CHUNK_EXTENSION};
pub use fields::{is_field_byte, is_tchar};
pub use fields::{Fields, Iter as FieldsIter};
pub use find::{find_head, find_response_head, Found, HeadFinder, HeadScan};
pub use framing::{
    bodiless, bodiless_status, parse_content_length, Expectation, Framing, ResponseFraming,
};
pub(crate) use framing::{FramingFields, Persistence};
pub use head::{
    parse_request_head, parse_response_head, RequestHead, ResponseHead, MAX_HEADERS,
    MAX_HEADER_BYTES, METHODS,
};
pub use headers::{headers_json, headers_object, raw_headers, HeaderValue};
pub use list::{has_token, list_elements, trim_ows};
pub(crate) use write::check_declared;
pub use write::{
    check_field_line, check_framing, http_date, push_chunk, reason_phrase, request_head,
    response_head, Decimal, DeclaredFraming, HeadWriter, InvalidHead, LAST_CHUNK,
};

/// A rule of RFC 9112 (or of Node's parser) that a message broke. Each has its status code:
/// most are `400 Bad Request`; size limits are `431` or `413`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// The head is longer than [`MAX_HEADER_BYTES`] (or the server's own limit): `431`.
    HeadTooLarge,
    /// More than [`MAX_HEADERS`] fields (or the server's own limit): `431`.
    TooManyFields,
    /// A line ended in LF without CR (RFC 9112 §2.2 lets a server accept it; Node does not,
    /// and neither do we: it is a classic smuggling vector).
    BareLineFeed,
    /// The request line is not `method SP target SP version` (HTAB is not a separator).
    BadRequestLine,
    /// The method is not one of [`METHODS`] (they are case-sensitive).
    UnknownMethod,
    /// The request-target holds a byte outside 0x21-0x7E.
    BadTarget,
    /// The version is not exactly `HTTP/1.0` or `HTTP/1.1`.
    BadVersion,
    /// An HTTP/1.1 request without `Host` (RFC 9112 §3.2: "MUST respond with a 400").
    MissingHost,
    /// A field line without a colon.
    MissingColon,
    /// A field name that is empty or not a token, which includes whitespace before the colon
    /// (RFC 9112 §5.1: "MUST reject ... with a 400").
    BadFieldName,
    /// A field line that starts with whitespace: obsolete line folding (RFC 9112 §5.2).
    ObsFold,
    /// A field value with NUL, another control byte, DEL or a bare CR (RFC 9110 §5.5).
    BadFieldValue,
    /// `Content-Length` is not `1*DIGIT`, or does not fit in 64 bits (RFC 9110 §8.6).
    BadContentLength,
    /// `Content-Length` given twice, even with equal values.
    DuplicateContentLength,
    /// Both `Content-Length` and `Transfer-Encoding` (RFC 9112 §6.3: a smuggling attempt).
    ContentLengthWithTransferEncoding,
    /// `Transfer-Encoding` whose last coding is not `chunked`, or with `chunked` twice
    /// (RFC 9112 §6.3: "MUST respond with the 400").
    BadTransferEncoding,
    /// A chunk-size line that is not `1*HEXDIG [ ";" extension ] CRLF`.
    BadChunkSize,
    /// A chunk size over 64 bits.
    ChunkSizeOverflow,
    /// A chunk's data not followed by CRLF: the chunk was longer than declared.
    MissingChunkTerminator,
    /// The body is longer than the server's maximum: `413`.
    BodyTooLarge,
    /// A response that does not begin with `HTTP/` (a client read something that is not HTTP).
    ExpectedHttp,
    /// A status line whose code is not three digits after one space (RFC 9112 §4).
    BadStatus,
}

impl ParseError {
    /// The status the server answers with.
    pub fn status(self) -> u16 {
        match self {
            ParseError::HeadTooLarge | ParseError::TooManyFields => 431,
            ParseError::BodyTooLarge => 413,
            _ => 400,
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::HeadTooLarge => "head too large",
            ParseError::TooManyFields => "too many header fields",
            ParseError::BareLineFeed => "line ends in LF without CR",
            ParseError::BadRequestLine => "malformed request line",
            ParseError::UnknownMethod => "unknown method",
            ParseError::BadTarget => "invalid byte in request-target",
            ParseError::BadVersion => "unsupported HTTP version",
            ParseError::MissingHost => "HTTP/1.1 request without Host",
            ParseError::MissingColon => "field line without colon",
            ParseError::BadFieldName => "invalid field name",
            ParseError::ObsFold => "obsolete line folding",
            ParseError::BadFieldValue => "invalid byte in field value",
            ParseError::BadContentLength => "invalid Content-Length",
            ParseError::DuplicateContentLength => "Content-Length given twice",
            ParseError::ContentLengthWithTransferEncoding => {
                "Content-Length with Transfer-Encoding"
            }
            ParseError::BadTransferEncoding => "chunked is not the last transfer coding",
            ParseError::BadChunkSize => "invalid chunk size line",
            ParseError::ChunkSizeOverflow => "chunk size overflows",
            ParseError::MissingChunkTerminator => "chunk data not followed by CRLF",
            ParseError::BodyTooLarge => "body too large",
            ParseError::ExpectedHttp => "response does not begin with HTTP/",
            ParseError::BadStatus => "malformed status line",
        })
    }
}

impl std::error::Error for ParseError {}

/// The protocol version of a message: the two this server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `HTTP/1.0`: one request per connection unless it asks for keep-alive.
    Http10,
    /// `HTTP/1.1`: persistent connections by default, chunked bodies, `Host` required.
    Http11,
}

impl Version {
    /// Node's `req.httpVersion`: `"1.0"` or `"1.1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "1.0",
            Version::Http11 => "1.1",
        }
    }
}
