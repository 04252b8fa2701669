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
//! Nothing here touches a socket. The server ([`super::server`]) feeds these functions the
//! bytes it has read and acts on what they return, so every rule can be tested on bytes alone:
//!
//! - [`find_head`] finds where a head ends, resuming where it stopped, and rejects bare line
//!   feeds and heads over [`MAX_HEADER_BYTES`] as soon as they show;
//! - [`parse_request_head`] turns a complete head into a [`RequestHead`], or says which rule the
//!   bytes broke ([`ParseError`]);
//! - [`RequestHead::framing`] decides how the body is delimited (RFC 9112 §6.3);
//! - [`ChunkedDecoder`] decodes a chunked body as its bytes arrive;
//! - [`status_head`], [`reason_phrase`], [`http_date`] and [`chunk_header`] build responses;
//! - the other direction, for the client ([`super::client`]): [`find_response_head`],
//!   [`parse_response_head`] into a [`ResponseHead`], [`ResponseHead::framing`] (RFC 9112 §6.3
//!   for responses) and [`request_head`]. One field parser serves both directions.
//!
//! The rules are strict where a lenient reading could let one request hide inside another
//! (request smuggling): a bare LF, a space before a colon, two `Content-Length`s, or
//! `Content-Length` beside `Transfer-Encoding` are each a `400`, as in Node's parser.

use std::fmt;
use std::ops::Range;
use std::time::{SystemTime, UNIX_EPOCH};

/// The largest head accepted, request line through the empty line: 16 KiB, the default of
/// Node's `--max-http-header-size`. A longer one is answered `431`.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The most header fields accepted: 2,000, the default of Node's `server.maxHeadersCount`.
/// (Node silently drops fields past it and answers `200`; we answer `431`, which says why.)
pub const MAX_HEADERS: usize = 2000;

/// The methods Node's parser accepts (`http.METHODS` in Node 20): case-sensitive, 35 in all.
pub const METHODS: [&str; 35] = [
    "ACL",
    "BIND",
    "CHECKOUT",
    "CONNECT",
    "COPY",
    "DELETE",
    "GET",
    "HEAD",
    "LINK",
    "LOCK",
    "M-SEARCH",
    "MERGE",
    "MKACTIVITY",
    "MKCALENDAR",
    "MKCOL",
    "MOVE",
    "NOTIFY",
    "OPTIONS",
    "PATCH",
    "POST",
    "PROPFIND",
    "PROPPATCH",
    "PURGE",
    "PUT",
    "QUERY",
    "REBIND",
    "REPORT",
    "SEARCH",
    "SOURCE",
    "SUBSCRIBE",
    "TRACE",
    "UNBIND",
    "UNLINK",
    "UNLOCK",
    "UNSUBSCRIBE",
];

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

/// How a body is delimited (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunks, until the zero-size chunk.
    Chunked,
}

/// What `Expect` asks for (RFC 9110 §10.1.1); only HTTP/1.1 requests can ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// No `Expect` field (or an HTTP/1.0 request).
    None,
    /// `Expect: 100-continue` (case-insensitive): the client waits for `100 Continue`.
    Continue,
    /// Anything else: answered `417 Expectation Failed`.
    Unknown,
}

/// A parsed request head: the request line and the fields, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// The method, as sent (`GET`): always one of [`METHODS`], so no copy of it is made.
    pub method: &'static str,
    /// The request-target, as sent (`/path?query`, `http://host/path`, `host:443`, `*`).
    pub target: String,
    /// The version.
    pub version: Version,
    /// The fields: names as sent, values with surrounding whitespace removed and bytes above
    /// 0x7F read as Latin-1 (as Node shows them).
    pub fields: Vec<(String, String)>,
}

/// Every value of the field `name` (case-insensitive) in `fields`, in order.
fn values_of<'a>(
    fields: &'a [(String, String)],
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    fields
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The first value of the field `name` (case-insensitive) in `fields`.
fn value_of<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Whether a comma-separated field (`Connection`, `Upgrade`) in `fields` holds `token`, in
/// any case (RFC 9110 §5.6.1: lists, with optional whitespace around the commas).
fn has_token_in(fields: &[(String, String)], name: &str, token: &str) -> bool {
    values_of(fields, name)
        .flat_map(|v| v.split(','))
        .any(|t| t.trim_matches([' ', '\t']).eq_ignore_ascii_case(token))
}

/// Whether a connection stays open after a message with these fields (RFC 9112 §9.3), the
/// same rule for requests and responses: `close` in `Connection` ends it; otherwise HTTP/1.1
/// keeps it and HTTP/1.0 keeps it only if `Connection` holds `keep-alive`.
fn keeps_alive(version: Version, fields: &[(String, String)]) -> bool {
    if has_token_in(fields, "connection", "close") {
        return false;
    }
    match version {
        Version::Http11 => true,
        Version::Http10 => has_token_in(fields, "connection", "keep-alive"),
    }
}

impl RequestHead {
    /// Every value of the field `name` (case-insensitive), in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        values_of(&self.fields, name)
    }

    /// The first value of the field `name` (case-insensitive).
    pub fn value(&self, name: &str) -> Option<&str> {
        value_of(&self.fields, name)
    }

    /// Whether a comma-separated field (`Connection`, `Upgrade`) holds `token`, in any case.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        has_token_in(&self.fields, name, token)
    }

    /// The path the request names, without the query: `/a` for `/a?b`, and for an
    /// absolute-form target (`http://host/a?b`) its path, `/` if it has none.
    pub fn path(&self) -> &str {
        let mut target = self.target.as_str();
        if let Some(scheme_end) = target.find("://") {
            let rest = &target[scheme_end + 3..];
            target = rest.find('/').map_or("/", |i| &rest[i..]);
        }
        target.split(['?', '#']).next().unwrap_or(target)
    }

    /// Whether the connection may stay open after the response (RFC 9112 §9.3): `close` in
    /// `Connection` ends it; otherwise HTTP/1.1 keeps it and HTTP/1.0 keeps it only if
    /// `Connection` holds `keep-alive`.
    pub fn keep_alive(&self) -> bool {
        keeps_alive(self.version, &self.fields)
    }

    /// What `Expect` asks for. Only HTTP/1.1 requests may ask (RFC 9110 §10.1.1: a server
    /// MAY ignore it in HTTP/1.0, and Node does).
    pub fn expectation(&self) -> Expectation {
        if self.version != Version::Http11 {
            return Expectation::None;
        }
        match self.value("expect") {
            None => Expectation::None,
            Some(v) if v.eq_ignore_ascii_case("100-continue") => Expectation::Continue,
            Some(_) => Expectation::Unknown,
        }
    }

    /// How the request's body is delimited (RFC 9112 §6.3): `Transfer-Encoding` ending in
    /// `chunked`; else `Content-Length`; else no body. The ambiguous cases are errors.
    pub fn framing(&self) -> Result<Framing, ParseError> {
        match declared_framing(&self.fields)? {
            Declared::Nothing => Ok(Framing::None),
            Declared::Length(n) => Ok(Framing::Length(n)),
            // RFC 9112 §6.3: in a request, chunked must be the last coding, and once.
            Declared::Codings(codings) => {
                let chunked = |c: &str| c.eq_ignore_ascii_case("chunked");
                let once = codings.iter().filter(|c| chunked(c)).count() == 1;
                if once && codings.last().is_some_and(|c| chunked(c)) {
                    Ok(Framing::Chunked)
                } else {
                    Err(ParseError::BadTransferEncoding)
                }
            }
        }
    }
}

/// What a message's framing fields declare, before the rules for requests and responses part
/// ways (RFC 9112 §6.3).
enum Declared<'a> {
    /// Neither `Transfer-Encoding` nor `Content-Length`.
    Nothing,
    /// One valid `Content-Length`.
    Length(u64),
    /// `Transfer-Encoding` (and no `Content-Length`): its codings, in order, empty list
    /// elements left out (RFC 9110 §5.6.1).
    Codings(Vec<&'a str>),
}

/// Reads `Transfer-Encoding` and `Content-Length` from `fields`. Both at once is a smuggling
/// attempt; `Content-Length` twice, even with equal values, or not `1*DIGIT`, is refused.
fn declared_framing(fields: &[(String, String)]) -> Result<Declared<'_>, ParseError> {
    let has_te = values_of(fields, "transfer-encoding").next().is_some();
    let lengths: Vec<&str> = values_of(fields, "content-length").collect();
    if has_te {
        if !lengths.is_empty() {
            return Err(ParseError::ContentLengthWithTransferEncoding);
        }
        let codings = values_of(fields, "transfer-encoding")
            .flat_map(|v| v.split(','))
            .map(|c| c.trim_matches([' ', '\t']))
            .filter(|c| !c.is_empty())
            .collect();
        return Ok(Declared::Codings(codings));
    }
    match lengths.as_slice() {
        [] => Ok(Declared::Nothing),
        [one] => parse_content_length(one).map(Declared::Length),
        _ => Err(ParseError::DuplicateContentLength),
    }
}

/// `Content-Length = 1*DIGIT` (RFC 9110 §8.6): no sign, no hex, no list, not empty; leading
/// zeros are fine; the value must fit in a `u64`.
pub fn parse_content_length(value: &str) -> Result<u64, ParseError> {
    let value = value.trim_matches([' ', '\t']);
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::BadContentLength);
    }
    value.parse().map_err(|_| ParseError::BadContentLength)
}

/// Where a head ends, as found by [`find_head`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadScan {
    /// No end yet: read more, then call again with `from` set to this.
    Incomplete {
        /// Where the next scan may start.
        resume: usize,
    },
    /// The head is `buf[start..end]`, its final empty line included; `start` skips the empty
    /// lines a client may send before a request (RFC 9112 §2.2).
    Complete {
        /// The first byte of the request line.
        start: usize,
        /// One past the head's last byte.
        end: usize,
    },
}

/// Looks for the end of a head in `buf`, starting at `from` (0, or the `resume` of an earlier
/// call on the same, grown, buffer): each byte is looked at once however the head arrives.
///
/// Fails as soon as a line ends in a bare LF, or the head grows past `max_bytes` without
/// ending, so a client cannot make the server hold more than `max_bytes` of head.
///
/// ```
/// use netnotes::http::message::{find_head, HeadScan};
/// let buf = b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nrest";
/// assert_eq!(find_head(buf, 0, 16384), Ok(HeadScan::Complete { start: 2, end: 29 }));
/// assert_eq!(find_head(&buf[..10], 0, 16384), Ok(HeadScan::Incomplete { resume: 10 }));
/// ```
pub fn find_head(buf: &[u8], from: usize, max_bytes: usize) -> Result<HeadScan, ParseError> {
    let mut start = 0;
    while buf[start..].starts_with(b"\r\n") {
        start += 2;
    }
    check_method_prefix(&buf[start..])?;
    scan_to_empty_line(buf, start, from, max_bytes)
}

/// The part of [`find_head`] and [`find_response_head`] that does not care about the start
/// line: look for CRLF CRLF from `from.max(start)` on, refusing bare LFs and long heads.
fn scan_to_empty_line(
    buf: &[u8],
    start: usize,
    from: usize,
    max_bytes: usize,
) -> Result<HeadScan, ParseError> {
    for i in from.max(start)..buf.len() {
        if buf[i] == b'\n' {
            if i == 0 || buf[i - 1] != b'\r' {
                return Err(ParseError::BareLineFeed);
            }
            if i >= start + 3 && &buf[i - 3..=i] == b"\r\n\r\n" {
                let end = i + 1;
                if end - start > max_bytes {
                    return Err(ParseError::HeadTooLarge);
                }
                return Ok(HeadScan::Complete { start, end });
            }
        }
    }
    if buf.len() - start > max_bytes {
        return Err(ParseError::HeadTooLarge);
    }
    Ok(HeadScan::Incomplete { resume: buf.len() })
}

/// Fails as soon as the bytes cannot begin with one of [`METHODS`] and a space, as Node's
/// parser does: a client speaking TLS or another protocol to this port gets its `400` after its
/// first few bytes, not after a timeout. Looks at no more than the longest method's length.
fn check_method_prefix(line: &[u8]) -> Result<(), ParseError> {
    const LONGEST: usize = 11; // "UNSUBSCRIBE"
    match line {
        [b'\n', ..] => return Err(ParseError::BareLineFeed),
        [b'\r'] => return Ok(()), // the first half of an empty line's CRLF
        _ => {}
    }
    let word_end = line.iter().take(LONGEST + 1).position(|&b| b == b' ');
    let word = &line[..word_end.unwrap_or(line.len().min(LONGEST + 1))];
    if word_end.is_some() && METHODS.iter().any(|m| m.as_bytes() == word) {
        return Ok(());
    }
    // The longest start of `word` that some method begins with; the byte after it is the
    // first that cannot be. Judging by that byte alone gives the same answer however the
    // bytes arrive.
    let fits = (0..=word.len())
        .rev()
        .find(|&n| METHODS.iter().any(|m| m.as_bytes().starts_with(&word[..n])))
        .unwrap_or(0);
    match line.get(fits) {
        None => Ok(()), // everything so far may still become a method
        Some(b'\t') => Err(ParseError::BadRequestLine),
        Some(b' ') if fits == 0 => Err(ParseError::BadRequestLine),
        Some(_) => Err(ParseError::UnknownMethod),
    }
}

/// `tchar` (RFC 9110 §5.6.2): the bytes a token (a method, a field name) is made of.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Parses a complete head (as [`find_head`] delimits it: request line through the empty line).
///
/// ```
/// use netnotes::http::message::{parse_request_head, Version};
/// let head = parse_request_head(b"GET /a?b HTTP/1.1\r\nHost: x\r\nX-Y:  z \r\n\r\n", 2000).unwrap();
/// assert_eq!((head.method, head.path(), head.version), ("GET", "/a", Version::Http11));
/// assert_eq!(head.fields, [("Host".to_string(), "x".to_string()), ("X-Y".to_string(), "z".to_string())]);
/// ```
pub fn parse_request_head(head: &[u8], max_fields: usize) -> Result<RequestHead, ParseError> {
    let mut lines = head_lines(head);
    let (method, target, version) = parse_request_line(lines.next().unwrap_or(b""))?;
    let fields = parse_fields(lines, max_fields)?;
    let head = RequestHead {
        method,
        target,
        version,
        fields,
    };
    if head.version == Version::Http11 && head.value("host").is_none() {
        return Err(ParseError::MissingHost);
    }
    Ok(head)
}

/// The lines of a complete head, each without its CRLF, the final empty line left out.
/// (`find_head` and `find_response_head` guarantee that every line ends in CRLF and that the
/// last one is empty: drop that line, then each piece split at LF ends in the CR of its CRLF.)
fn head_lines(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    head.strip_suffix(b"\r\n")
        .unwrap_or(head)
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

/// The field lines of a head, parsed; more than `max_fields` is `TooManyFields`.
fn parse_fields<'a>(
    lines: impl Iterator<Item = &'a [u8]>,
    max_fields: usize,
) -> Result<Vec<(String, String)>, ParseError> {
    let mut fields = Vec::new();
    for line in lines {
        if fields.len() == max_fields {
            return Err(ParseError::TooManyFields);
        }
        fields.push(parse_field_line(line)?);
    }
    Ok(fields)
}

/// `request-line = method SP request-target SP HTTP-version` (RFC 9112 §3). Runs of spaces
/// between the parts are accepted, as Node does; leading or trailing space and HTAB are not.
fn parse_request_line(line: &[u8]) -> Result<(&'static str, String, Version), ParseError> {
    if line.first() == Some(&b' ') || line.last() == Some(&b' ') {
        return Err(ParseError::BadRequestLine);
    }
    let mut parts = line.split(|&b| b == b' ').filter(|p| !p.is_empty());
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseError::BadRequestLine);
    };
    if !method.iter().all(|&b| is_tchar(b)) {
        return Err(if method.contains(&b'\t') {
            ParseError::BadRequestLine
        } else {
            ParseError::UnknownMethod
        });
    }
    let method = *METHODS
        .iter()
        .find(|m| m.as_bytes() == method)
        .ok_or(ParseError::UnknownMethod)?;
    if !target.iter().all(|&b| (0x21..=0x7e).contains(&b)) {
        return Err(ParseError::BadTarget);
    }
    let version = match version {
        b"HTTP/1.1" => Version::Http11,
        b"HTTP/1.0" => Version::Http10,
        _ => return Err(ParseError::BadVersion),
    };
    Ok((method, latin1(target), version))
}

/// `field-line = field-name ":" OWS field-value OWS` (RFC 9112 §5).
fn parse_field_line(line: &[u8]) -> Result<(String, String), ParseError> {
    if matches!(line.first(), Some(b' ' | b'\t')) {
        return Err(ParseError::ObsFold);
    }
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or(ParseError::MissingColon)?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return Err(ParseError::BadFieldName);
    }
    let value = trim_ows(value);
    // field-vchar = VCHAR / obs-text, with SP and HTAB inside (RFC 9110 §5.5).
    if !value
        .iter()
        .all(|&b| b == b' ' || b == b'\t' || (0x21..=0x7e).contains(&b) || b >= 0x80)
    {
        return Err(ParseError::BadFieldValue);
    }
    // Tokens are ASCII; values are shown byte for byte as Latin-1, as Node shows them.
    Ok((latin1(name), latin1(value)))
}

/// Bytes read as Latin-1, the way Node turns header bytes into a string: each byte is the
/// character with that number. ASCII (nearly every head) is copied as it is.
fn latin1(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        // ASCII reads the same in both: one check, one copy.
        Ok(text) if text.is_ascii() => text.to_owned(),
        _ => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

fn trim_ows(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

/// The longest chunk extension accepted (`;name=value` after a chunk size). Extensions mean
/// nothing to this server; the bound keeps a client from streaming one forever.
pub const MAX_CHUNK_EXTENSION: usize = 4096;

/// Decodes a chunked body (RFC 9112 §7.1) as its bytes arrive, without copying the data:
///
/// ```text
///   1a;ext=1\r\n          chunk-size in hex, optional extension (ignored)
///   <26 bytes>\r\n        chunk-data, then CRLF
///   0\r\n                 the last chunk
///   Trailer: x\r\n        optional trailer fields
///   \r\n                  the end
/// ```
///
/// ```
/// use netnotes::http::message::ChunkedDecoder;
/// let wire = b"5\r\nhello\r\n0\r\n\r\n";
/// let mut decoder = ChunkedDecoder::new(16384);
/// let mut body = Vec::new();
/// let mut at = 0;
/// while !decoder.is_done() {
///     let (used, data) = decoder.decode(&wire[at..], usize::MAX).unwrap();
///     body.extend_from_slice(&wire[at..][data]);
///     at += used;
/// }
/// assert_eq!(body, b"hello");
/// ```
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: ChunkState,
    /// The size of the last size line completed, until [`ChunkedDecoder::take_size_line`].
    size_line: Option<u64>,
    max_trailer_bytes: usize,
    trailer: Vec<u8>,
    trailers: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// Reading hex digits (`digits` so far, `size` their value).
    Size { size: u64, digits: u32 },
    /// In `;extension`, `len` bytes so far.
    Extension { size: u64, len: usize },
    /// Whitespace after the size: only `;` may follow (BWS, RFC 9112 §7.1.1).
    SizeBws { size: u64 },
    /// Saw the CR ending the size line.
    SizeLf { size: u64 },
    /// In chunk data, this many bytes left.
    Data { left: u64 },
    /// Expecting the CR after chunk data.
    DataCr,
    /// Expecting the LF after chunk data.
    DataLf,
    /// In the trailer section, collecting lines into `trailer`.
    Trailer,
    /// The body is complete.
    Done,
}

impl ChunkedDecoder {
    /// A decoder that accepts a trailer section of up to `max_trailer_bytes`.
    pub fn new(max_trailer_bytes: usize) -> ChunkedDecoder {
        ChunkedDecoder {
            state: ChunkState::Size { size: 0, digits: 0 },
            size_line: None,
            max_trailer_bytes,
            trailer: Vec::new(),
            trailers: Vec::new(),
        }
    }

    /// Whether the last chunk and the trailer section have been read.
    pub fn is_done(&self) -> bool {
        self.state == ChunkState::Done
    }

    /// The size of the chunk whose size line was completed last (0 for the last chunk),
    /// once: the wire view uses it to say what a size line meant.
    pub fn take_size_line(&mut self) -> Option<u64> {
        self.size_line.take()
    }

    /// The trailer fields, once [`is_done`](Self::is_done).
    pub fn trailers(&self) -> &[(String, String)] {
        &self.trailers
    }

    /// Consumes bytes from `input`. Returns how many were used and where, within `input`, the
    /// body data among them is: at most `max_data` bytes, in one run (call again with the
    /// rest). Stops after the body's end; bytes after it belong to the next message.
    pub fn decode(
        &mut self,
        input: &[u8],
        max_data: usize,
    ) -> Result<(usize, Range<usize>), ParseError> {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match self.state {
                ChunkState::Size { size, digits } => match b {
                    b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => {
                        // 16 hex digits fill a u64; a 17th overflows (leading zeros aside).
                        let digit = u64::from((b as char).to_digit(16).unwrap_or(0));
                        if size > (u64::MAX >> 4) {
                            return Err(ParseError::ChunkSizeOverflow);
                        }
                        self.state = ChunkState::Size {
                            size: size << 4 | digit,
                            digits: digits + 1,
                        };
                    }
                    b';' if digits > 0 => self.state = ChunkState::Extension { size, len: 0 },
                    b'\r' if digits > 0 => self.state = ChunkState::SizeLf { size },
                    b' ' | b'\t' if digits > 0 => self.state = ChunkState::SizeBws { size },
                    _ => return Err(ParseError::BadChunkSize),
                },
                // `chunk-ext = *( BWS ";" ...)`: RFC 9110 §5.6.3 says recipients MUST accept
                // this "bad" whitespace; nothing else may follow the size and a space.
                ChunkState::SizeBws { size } => match b {
                    b' ' | b'\t' => {}
                    b';' => self.state = ChunkState::Extension { size, len: 0 },
                    _ => return Err(ParseError::BadChunkSize),
                },
                ChunkState::Extension { size, len } => match b {
                    b'\r' => self.state = ChunkState::SizeLf { size },
                    b'\n' => return Err(ParseError::BareLineFeed),
                    _ if len >= MAX_CHUNK_EXTENSION => return Err(ParseError::BadChunkSize),
                    _ => self.state = ChunkState::Extension { size, len: len + 1 },
                },
                ChunkState::SizeLf { size } => {
                    if b != b'\n' {
                        return Err(ParseError::BadChunkSize);
                    }
                    self.size_line = Some(size);
                    self.state = if size == 0 {
                        ChunkState::Trailer
                    } else {
                        ChunkState::Data { left: size }
                    };
                }
                ChunkState::Data { left } => {
                    let available = (input.len() - i).min(max_data) as u64;
                    if available == 0 {
                        return Ok((i, i..i));
                    }
                    let take = left.min(available) as usize;
                    let rest = left - take as u64;
                    self.state = if rest == 0 {
                        ChunkState::DataCr
                    } else {
                        ChunkState::Data { left: rest }
                    };
                    return Ok((i + take, i..i + take));
                }
                ChunkState::DataCr => {
                    if b != b'\r' {
                        return Err(ParseError::MissingChunkTerminator);
                    }
                    self.state = ChunkState::DataLf;
                }
                ChunkState::DataLf => {
                    if b != b'\n' {
                        return Err(ParseError::MissingChunkTerminator);
                    }
                    self.state = ChunkState::Size { size: 0, digits: 0 };
                }
                ChunkState::Trailer => {
                    if self.trailer.len() >= self.max_trailer_bytes {
                        return Err(ParseError::HeadTooLarge);
                    }
                    self.trailer.push(b);
                    if b == b'\n' {
                        let t = &self.trailer;
                        if t.len() < 2 || t[t.len() - 2] != b'\r' {
                            return Err(ParseError::BareLineFeed);
                        }
                        if t == b"\r\n" || t.ends_with(b"\r\n\r\n") {
                            self.finish_trailers()?;
                            return Ok((i + 1, i + 1..i + 1));
                        }
                    }
                }
                ChunkState::Done => return Ok((i, i..i)),
            }
            i += 1;
        }
        Ok((i, i..i))
    }

    fn finish_trailers(&mut self) -> Result<(), ParseError> {
        let section = std::mem::take(&mut self.trailer);
        // The section is field lines and an empty line, like a head without its start line.
        self.trailers = parse_fields(head_lines(&section), MAX_HEADERS)?;
        self.state = ChunkState::Done;
        Ok(())
    }
}

/// A value of Node's `req.headers` / `res.headers` object: a string, or for `set-cookie` an
/// array of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderValue {
    /// One string (repeated fields joined, or the first kept).
    One(String),
    /// `set-cookie`: every value, in order.
    Many(Vec<String>),
}

/// Fields of which Node keeps only the first when they are repeated
/// (`matchKnownFields` in Node's `lib/_http_incoming.js`).
const FIRST_WINS: [&str; 18] = [
    "age",
    "authorization",
    "content-length",
    "content-type",
    "etag",
    "expires",
    "from",
    "host",
    "if-modified-since",
    "if-unmodified-since",
    "last-modified",
    "location",
    "max-forwards",
    "proxy-authorization",
    "referer",
    "retry-after",
    "server",
    "user-agent",
];

/// Node's `message.headers`: names lowercased, in order of first appearance, repeated fields
/// merged by Node's rules — `set-cookie` is an array, `cookie` is joined with `; `, the fields
/// in `FIRST_WINS` keep their first value, and every other field is joined with `, `.
///
/// ```
/// use netnotes::http::message::{headers_object, HeaderValue};
/// let fields = [("Accept", "a"), ("accept", "b"), ("Host", "x"), ("HOST", "y")];
/// let fields: Vec<(String, String)> = fields.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
/// assert_eq!(headers_object(&fields), [
///     ("accept".to_string(), HeaderValue::One("a, b".into())),
///     ("host".to_string(), HeaderValue::One("x".into())),
/// ]);
/// ```
pub fn headers_object(fields: &[(String, String)]) -> Vec<(String, HeaderValue)> {
    let mut object: Vec<(String, HeaderValue)> = Vec::new();
    for (name, value) in fields {
        let name = name.to_ascii_lowercase();
        let existing = object.iter_mut().find(|(n, _)| *n == name);
        match (existing, name.as_str()) {
            (None, "set-cookie") => object.push((name, HeaderValue::Many(vec![value.clone()]))),
            (None, _) => object.push((name, HeaderValue::One(value.clone()))),
            (Some((_, HeaderValue::Many(values))), _) => values.push(value.clone()),
            (Some((_, HeaderValue::One(joined))), "cookie") => {
                joined.push_str("; ");
                joined.push_str(value);
            }
            (Some(_), n) if FIRST_WINS.contains(&n) => {}
            (Some((_, HeaderValue::One(joined))), _) => {
                joined.push_str(", ");
                joined.push_str(value);
            }
        }
    }
    object
}

/// Node's `message.rawHeaders`: names and values as sent, alternating, in order.
pub fn raw_headers(fields: &[(String, String)]) -> Vec<&str> {
    fields
        .iter()
        .flat_map(|(n, v)| [n.as_str(), v.as_str()])
        .collect()
}

/// `JSON.stringify(headers)` for a headers object: `{"host":"a","set-cookie":["x","y"]}`.
pub fn headers_json(object: &[(String, HeaderValue)]) -> String {
    use crate::inspect::json_string;
    let entries: Vec<String> = object
        .iter()
        .map(|(name, value)| {
            let value = match value {
                HeaderValue::One(v) => json_string(v),
                HeaderValue::Many(vs) => {
                    let items: Vec<String> = vs.iter().map(|v| json_string(v)).collect();
                    format!("[{}]", items.join(","))
                }
            };
            format!("{}:{value}", json_string(name))
        })
        .collect();
    format!("{{{}}}", entries.join(","))
}

/// The standard reason phrase of a status code, as Node's `http.STATUS_CODES` has it.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a Teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        509 => "Bandwidth Limit Exceeded",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "unknown",
    }
}

/// Whether a response with this status, to this method, has no body (RFC 9110 §6.4.1):
/// `HEAD`, 1xx, 204 and 304.
pub fn bodiless(method: &str, status: u16) -> bool {
    method == "HEAD" || bodiless_status(status)
}

/// Whether a response with this status has no body whatever the method: 1xx, 204 and 304.
pub fn bodiless_status(status: u16) -> bool {
    (100..200).contains(&status) || status == 204 || status == 304
}

/// A response head: status line, fields, empty line.
///
/// ```
/// use netnotes::http::message::status_head;
/// assert_eq!(status_head(404, &[("Content-Length", "0")]), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
/// ```
pub fn status_head<N: AsRef<str>, V: AsRef<str>>(status: u16, fields: &[(N, V)]) -> String {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status));
    for (name, value) in fields {
        head.push_str(name.as_ref());
        head.push_str(": ");
        head.push_str(value.as_ref());
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// The size line that starts a chunk of `len` bytes: `c\r\n` for 12.
pub fn chunk_header(len: usize) -> String {
    format!("{len:x}\r\n")
}

/// The last chunk and an empty trailer section: the end of a chunked body.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// An IMF-fixdate (RFC 9110 §5.6.7), the form of the `Date` field:
/// `Mon, 30 Nov 2026 04:47:50 GMT`. std has no calendar, so the date is computed from the
/// seconds since 1970 (the days-to-civil algorithm of Howard Hinnant).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_secs(1_796_014_070);
/// assert_eq!(netnotes::http::message::http_date(t), "Mon, 30 Nov 2026 04:47:50 GMT");
/// ```
pub fn http_date(time: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let (hour, minute, second) = (secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    // Days since 1970-01-01 to year, month, day (proleptic Gregorian), in eras of 400 years.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year} {hour:02}:{minute:02}:{second:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize]
    )
}

// ---------------------------------------------------------------------------------------------
// The other direction: responses as a client reads them, requests as a client writes them.
// ---------------------------------------------------------------------------------------------

/// A parsed response head: the status line and the fields, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// The version of the status line.
    pub version: Version,
    /// The status code, three digits (`200`); Node accepts any, `999` included, and so do we.
    pub status: u16,
    /// The reason phrase as sent (may be empty: it means nothing, RFC 9112 §4).
    pub reason: String,
    /// The fields, as [`RequestHead::fields`] holds them: names as sent, values trimmed,
    /// bytes above 0x7F read as Latin-1.
    pub fields: Vec<(String, String)>,
}

/// How a response body is delimited (RFC 9112 §6.3): a response has one more way than a
/// request, the body that ends when the server closes the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseFraming {
    /// No body: `HEAD`, 1xx, 204, 304, or a 2xx to `CONNECT` (the bytes after it belong to
    /// the tunnel).
    None,
    /// Exactly this many bytes (`Content-Length`).
    Length(u64),
    /// Chunked (`Transfer-Encoding` ending in `chunked`).
    Chunked,
    /// Everything until the server closes the connection: no length given, or a
    /// `Transfer-Encoding` that does not end in `chunked`. The connection cannot be reused.
    UntilClose,
}

impl ResponseHead {
    /// Every value of the field `name` (case-insensitive), in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        values_of(&self.fields, name)
    }

    /// The first value of the field `name` (case-insensitive).
    pub fn value(&self, name: &str) -> Option<&str> {
        value_of(&self.fields, name)
    }

    /// Whether a comma-separated field (`Connection`) holds `token`, in any case.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        has_token_in(&self.fields, name, token)
    }

    /// Whether the server keeps the connection open after this response (RFC 9112 §9.3):
    /// `Connection: close` ends it; HTTP/1.1 keeps it otherwise; HTTP/1.0 only with
    /// `Connection: keep-alive`. (A close-delimited body ends it too: see
    /// [`ResponseFraming::UntilClose`].)
    pub fn keep_alive(&self) -> bool {
        keeps_alive(self.version, &self.fields)
    }

    /// How the body of this response to a `method` request is delimited (RFC 9112 §6.3):
    ///
    /// 1. `HEAD`, 1xx, 204 and 304 have none, whatever the fields say;
    /// 2. a 2xx to `CONNECT` has none: the connection is a tunnel from here on;
    /// 3. `Transfer-Encoding` ending in `chunked`: chunked; ending in anything else: until
    ///    the close. With `Content-Length` beside it, an error (Node's parser refuses it, since
    ///    two lengths are how responses are smuggled);
    /// 4. `Content-Length`: that many bytes (twice, or not `1*DIGIT`: an error);
    /// 5. otherwise until the server closes the connection.
    ///
    /// ```
    /// use netnotes::http::message::{parse_response_head, ResponseFraming};
    /// let head = parse_response_head(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 100).unwrap();
    /// assert_eq!(head.framing("GET"), Ok(ResponseFraming::Length(5)));
    /// assert_eq!(head.framing("HEAD"), Ok(ResponseFraming::None));
    /// ```
    pub fn framing(&self, method: &str) -> Result<ResponseFraming, ParseError> {
        if bodiless(method, self.status) || (method == "CONNECT" && self.status / 100 == 2) {
            return Ok(ResponseFraming::None);
        }
        Ok(match declared_framing(&self.fields)? {
            Declared::Nothing => ResponseFraming::UntilClose,
            Declared::Length(n) => ResponseFraming::Length(n),
            // A response whose last coding is not chunked runs until the close.
            Declared::Codings(codings) => match codings.last() {
                Some(c) if c.eq_ignore_ascii_case("chunked") => ResponseFraming::Chunked,
                _ => ResponseFraming::UntilClose,
            },
        })
    }
}

/// Looks for the end of a response head in `buf`, as [`find_head`] does for a request
/// (resuming at `from`, refusing bare LFs and heads over `max_bytes`), and fails as soon as
/// the first bytes cannot be `HTTP/`: a server that answers with something else is reported
/// at once, not after the read timeout. Empty lines before the status line are skipped, as
/// Node's parser skips them.
///
/// ```
/// use netnotes::http::message::{find_response_head, HeadScan, ParseError};
/// let buf = b"HTTP/1.1 204 No Content\r\n\r\n";
/// assert_eq!(find_response_head(buf, 0, 16384), Ok(HeadScan::Complete { start: 0, end: 27 }));
/// assert_eq!(find_response_head(b"HTT", 0, 16384), Ok(HeadScan::Incomplete { resume: 3 }));
/// assert_eq!(find_response_head(b"hello", 0, 16384), Err(ParseError::ExpectedHttp));
/// ```
pub fn find_response_head(
    buf: &[u8],
    from: usize,
    max_bytes: usize,
) -> Result<HeadScan, ParseError> {
    let mut start = 0;
    while buf[start..].starts_with(b"\r\n") {
        start += 2;
    }
    let line = &buf[start..];
    let seen = line.len().min(5);
    if line != b"\r" && line[..seen] != b"HTTP/"[..seen] {
        return Err(ParseError::ExpectedHttp);
    }
    scan_to_empty_line(buf, start, from, max_bytes)
}

/// Parses a complete response head (as [`find_response_head`] delimits it).
///
/// `status-line = HTTP-version SP status-code SP [ reason-phrase ]` (RFC 9112 §4); like Node,
/// the space before an empty reason may be missing (`HTTP/1.1 200`).
///
/// ```
/// use netnotes::http::message::{parse_response_head, Version};
/// let head = parse_response_head(b"HTTP/1.1 404 Not Found\r\nX-A: 1\r\n\r\n", 100).unwrap();
/// assert_eq!((head.version, head.status, head.reason.as_str()), (Version::Http11, 404, "Not Found"));
/// assert_eq!(head.value("x-a"), Some("1"));
/// ```
pub fn parse_response_head(head: &[u8], max_fields: usize) -> Result<ResponseHead, ParseError> {
    let mut lines = head_lines(head);
    let (version, status, reason) = parse_status_line(lines.next().unwrap_or(b""))?;
    let fields = parse_fields(lines, max_fields)?;
    Ok(ResponseHead {
        version,
        status,
        reason,
        fields,
    })
}

fn parse_status_line(line: &[u8]) -> Result<(Version, u16, String), ParseError> {
    if !line.starts_with(b"HTTP/") {
        return Err(ParseError::ExpectedHttp);
    }
    let (version, rest) = match line.iter().position(|&b| b == b' ') {
        Some(space) => (&line[..space], &line[space + 1..]),
        None => return Err(ParseError::BadVersion),
    };
    let version = match version {
        b"HTTP/1.1" => Version::Http11,
        b"HTTP/1.0" => Version::Http10,
        _ => return Err(ParseError::BadVersion),
    };
    let (code, reason) = match rest.get(3) {
        None => (rest, &b""[..]),
        Some(b' ') => (&rest[..3], &rest[4..]),
        Some(_) => return Err(ParseError::BadStatus),
    };
    if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) {
        return Err(ParseError::BadStatus);
    }
    // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
    if !reason
        .iter()
        .all(|&b| b == b'\t' || b == b' ' || (0x21..=0x7e).contains(&b) || b >= 0x80)
    {
        return Err(ParseError::BadStatus);
    }
    let status = code.iter().fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
    let reason = latin1(reason);
    Ok((version, status, reason))
}

/// A request head as a client writes it: the request line, the fields in the order given,
/// the empty line.
///
/// ```
/// use netnotes::http::message::request_head;
/// assert_eq!(
///     request_head("GET", "/", &[("Host", "localhost:1337")]),
///     "GET / HTTP/1.1\r\nHost: localhost:1337\r\n\r\n"
/// );
/// ```
pub fn request_head<N: AsRef<str>, V: AsRef<str>>(
    method: &str,
    target: &str,
    fields: &[(N, V)],
) -> String {
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    for (name, value) in fields {
        head.push_str(name.as_ref());
        head.push_str(": ");
        head.push_str(value.as_ref());
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn parse(bytes: &[u8]) -> Result<RequestHead, ParseError> {
        match find_head(bytes, 0, MAX_HEADER_BYTES)? {
            HeadScan::Complete { start, end } => {
                parse_request_head(&bytes[start..end], MAX_HEADERS)
            }
            HeadScan::Incomplete { .. } => panic!("incomplete head: {bytes:?}"),
        }
    }

    fn req(fields: &str) -> Vec<u8> {
        format!("POST / HTTP/1.1\r\nHost: a\r\n{fields}\r\n").into_bytes()
    }

    #[test]
    fn a_plain_request() {
        let head = parse(b"GET /x?y=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n").unwrap();
        assert_eq!(head.method, "GET");
        assert_eq!(head.target, "/x?y=1");
        assert_eq!(head.path(), "/x");
        assert_eq!(head.version.as_str(), "1.1");
        assert_eq!(head.value("ACCEPT"), Some("*/*"));
        assert!(head.keep_alive());
        assert_eq!(head.framing(), Ok(Framing::None));
    }

    #[test]
    fn find_head_resumes_and_sees_each_byte_once() {
        let whole = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        let mut resume = 0;
        for len in 1..whole.len() {
            match find_head(&whole[..len], resume, MAX_HEADER_BYTES).unwrap() {
                HeadScan::Incomplete { resume: r } => resume = r,
                done => panic!("complete too early at {len}: {done:?}"),
            }
        }
        assert_eq!(
            find_head(whole, resume, MAX_HEADER_BYTES),
            Ok(HeadScan::Complete {
                start: 0,
                end: whole.len()
            })
        );
    }

    #[test]
    fn empty_lines_before_the_request_are_skipped() {
        let head = parse(b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        assert_eq!(head.method, "GET");
    }

    #[test]
    fn the_head_limit_counts_request_line_through_empty_line() {
        let exact = |n: usize| {
            let mut h = b"GET / HTTP/1.1\r\nHost: a\r\nX: ".to_vec();
            h.resize(n - 4, b'a');
            h.extend_from_slice(b"\r\n\r\n");
            h
        };
        assert!(parse(&exact(MAX_HEADER_BYTES)).is_ok());
        assert_eq!(
            find_head(&exact(MAX_HEADER_BYTES + 1), 0, MAX_HEADER_BYTES),
            Err(ParseError::HeadTooLarge)
        );
        // Without an end in sight, the limit applies as soon as it is passed.
        let mut endless = b"GET /".to_vec();
        endless.resize(MAX_HEADER_BYTES + 1, b'a');
        assert_eq!(
            find_head(&endless, 0, MAX_HEADER_BYTES),
            Err(ParseError::HeadTooLarge)
        );
        assert!(matches!(
            find_head(&endless[..MAX_HEADER_BYTES], 0, MAX_HEADER_BYTES),
            Ok(HeadScan::Incomplete { .. })
        ));
    }

    #[test]
    fn too_many_fields_is_431() {
        let many = req(&"X: 1\r\n".repeat(MAX_HEADERS));
        assert_eq!(parse(&many), Err(ParseError::TooManyFields));
        assert_eq!(ParseError::TooManyFields.status(), 431);
        let fine = req(&"X: 1\r\n".repeat(MAX_HEADERS - 1));
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn request_line_rules() {
        use ParseError::*;
        let cases: &[(&[u8], Result<(), ParseError>)] = &[
            (b"GET  /  HTTP/1.1\r\nHost: a\r\n\r\n", Ok(())),
            (b" GET / HTTP/1.1\r\nHost: a\r\n\r\n", Err(BadRequestLine)),
            (b"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", Err(BadRequestLine)),
            (b"GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", Err(BadRequestLine)),
            (b"GET /\r\nHost: a\r\n\r\n", Err(BadRequestLine)),
            (b"GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", Err(BadRequestLine)),
            (b"get / HTTP/1.1\r\nHost: a\r\n\r\n", Err(UnknownMethod)),
            (b"FOO / HTTP/1.1\r\nHost: a\r\n\r\n", Err(UnknownMethod)),
            (b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", Err(UnknownMethod)),
            (b"M-SEARCH * HTTP/1.1\r\nHost: a\r\n\r\n", Ok(())),
            (b"GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n", Err(BadTarget)),
            (b"GET /a\xe9b HTTP/1.1\r\nHost: a\r\n\r\n", Err(BadTarget)),
            (b"GET /a\x7fb HTTP/1.1\r\nHost: a\r\n\r\n", Err(BadTarget)),
            (b"GET / HTTP/1.2\r\nHost: a\r\n\r\n", Err(BadVersion)),
            (b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", Err(BadVersion)),
            (b"GET / http/1.1\r\nHost: a\r\n\r\n", Err(BadVersion)),
            (b"GET / HTTP/1.1\r\n\r\n", Err(MissingHost)),
            (b"GET / HTTP/1.0\r\n\r\n", Ok(())),
            (b"GET / HTTP/1.1\r\nHost:\r\n\r\n", Ok(())),
            (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", Ok(())),
        ];
        for (bytes, expected) in cases {
            let got = parse(bytes).map(|_| ());
            assert_eq!(&got, expected, "{}", String::from_utf8_lossy(bytes));
        }
        assert_eq!(METHODS.len(), 35);
    }

    #[test]
    fn a_method_that_cannot_be_is_refused_from_its_first_bytes() {
        let scan = |bytes: &[u8]| find_head(bytes, 0, MAX_HEADER_BYTES);
        assert!(matches!(scan(b"GE"), Ok(HeadScan::Incomplete { .. })));
        assert!(matches!(
            scan(b"UNSUBSCRIBE"),
            Ok(HeadScan::Incomplete { .. })
        ));
        assert!(matches!(scan(b"\r\n"), Ok(HeadScan::Incomplete { .. })));
        assert_eq!(scan(b"GX"), Err(ParseError::UnknownMethod));
        assert_eq!(
            scan(b"\x16\x03\x01\x02\x00"),
            Err(ParseError::UnknownMethod)
        );
        assert_eq!(scan(b"GET2 "), Err(ParseError::UnknownMethod));
        assert_eq!(scan(b"UNSUBSCRIBEX"), Err(ParseError::UnknownMethod));
        assert_eq!(scan(b" GET"), Err(ParseError::BadRequestLine));
        assert_eq!(scan(b"GET\t/"), Err(ParseError::BadRequestLine));
    }

    #[test]
    fn bare_line_feeds_are_refused_wherever_they_are() {
        for bytes in [
            &b"GET / HTTP/1.1\nHost: a\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: a\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\n\n",
            b"\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        ] {
            assert_eq!(
                find_head(bytes, 0, MAX_HEADER_BYTES),
                Err(ParseError::BareLineFeed),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn field_rules() {
        use ParseError::*;
        let cases: &[(&str, Result<(), ParseError>)] = &[
            ("X: a\tb\r\n", Ok(())),
            ("X:   b  \r\n", Ok(())),
            ("X:\r\n", Ok(())),
            ("X : b\r\n", Err(BadFieldName)),
            ("X\t: b\r\n", Err(BadFieldName)),
            ("X(y): b\r\n", Err(BadFieldName)),
            (": b\r\n", Err(BadFieldName)),
            ("Xb\r\n", Err(MissingColon)),
            ("X: b\r\n c\r\n", Err(ObsFold)),
            ("X: a\rb\r\n", Err(BadFieldValue)),
            ("X: ab\r\r\n", Err(BadFieldValue)),
            ("X: a\x00b\r\n", Err(BadFieldValue)),
            ("X: a\x01b\r\n", Err(BadFieldValue)),
            ("X: a\x7fb\r\n", Err(BadFieldValue)),
        ];
        for (fields, expected) in cases {
            assert_eq!(&parse(&req(fields)).map(|_| ()), expected, "{fields:?}");
        }
    }

    #[test]
    fn values_above_0x7f_read_as_latin1() {
        let mut bytes = req("");
        bytes.truncate(bytes.len() - 2);
        bytes.extend_from_slice(b"X: caf\xe9\r\n\r\n");
        assert_eq!(parse(&bytes).unwrap().value("x"), Some("café"));
    }

    fn framing(fields: &str) -> Result<Framing, ParseError> {
        parse(&req(fields))?.framing()
    }

    #[test]
    fn content_length_rules() {
        use ParseError::*;
        assert_eq!(framing("Content-Length: 5\r\n"), Ok(Framing::Length(5)));
        assert_eq!(framing("Content-Length: 005\r\n"), Ok(Framing::Length(5)));
        assert_eq!(framing("Content-Length:\t5\t\r\n"), Ok(Framing::Length(5)));
        assert_eq!(
            framing("Content-Length: 18446744073709551615\r\n"),
            Ok(Framing::Length(u64::MAX))
        );
        for bad in [
            "+5",
            "-5",
            "0x5",
            "1 2",
            "5, 5",
            "",
            "18446744073709551616",
            "5a",
        ] {
            assert_eq!(
                framing(&format!("Content-Length: {bad}\r\n")),
                Err(BadContentLength),
                "{bad:?}"
            );
        }
        assert_eq!(
            framing("Content-Length: 5\r\nContent-Length: 5\r\n"),
            Err(DuplicateContentLength)
        );
        assert_eq!(
            framing("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
            Err(ContentLengthWithTransferEncoding)
        );
    }

    #[test]
    fn transfer_encoding_rules() {
        use ParseError::*;
        let ok = Ok(Framing::Chunked);
        assert_eq!(framing("Transfer-Encoding: chunked\r\n"), ok);
        assert_eq!(framing("Transfer-Encoding: CHUNKED\r\n"), ok);
        assert_eq!(framing("Transfer-Encoding: gzip , chunked\r\n"), ok);
        assert_eq!(framing("Transfer-Encoding: gzip,\tchunked\r\n"), ok);
        assert_eq!(
            framing("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"),
            ok
        );
        for bad in [
            "Transfer-Encoding: chunked, gzip\r\n",
            "Transfer-Encoding: chunked, chunked\r\n",
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
            "Transfer-Encoding: gzip\r\n",
            "Transfer-Encoding:\r\n",
        ] {
            assert_eq!(framing(bad), Err(BadTransferEncoding), "{bad:?}");
        }
    }

    #[test]
    fn connection_and_expect() {
        let h10 = parse(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        assert!(!h10.keep_alive());
        let h10ka = parse(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").unwrap();
        assert!(h10ka.keep_alive());
        let close = parse(&req("Connection: foo, Close\r\n")).unwrap();
        assert!(!close.keep_alive());
        assert_eq!(
            parse(&req("Expect: 100-Continue\r\n"))
                .unwrap()
                .expectation(),
            Expectation::Continue
        );
        assert_eq!(
            parse(&req("Expect: foo\r\n")).unwrap().expectation(),
            Expectation::Unknown
        );
        let h10_expect = parse(b"GET / HTTP/1.0\r\nExpect: foo\r\n\r\n").unwrap();
        assert_eq!(h10_expect.expectation(), Expectation::None);
    }

    #[test]
    fn paths_of_every_target_form() {
        let path = |target: &str| {
            parse(format!("GET {target} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes())
                .unwrap()
                .path()
                .to_string()
        };
        assert_eq!(path("/a/b?c#d"), "/a/b");
        assert_eq!(path("http://h:1/x?y"), "/x");
        assert_eq!(path("http://h:1"), "/");
        assert_eq!(path("*"), "*");
    }

    /// Decodes a whole chunked body, feeding it `piece` bytes at a time.
    fn dechunk(wire: &[u8], piece: usize) -> Result<(Vec<u8>, usize), ParseError> {
        let mut decoder = ChunkedDecoder::new(MAX_HEADER_BYTES);
        let mut body = Vec::new();
        let mut at = 0;
        let mut fed = piece.min(wire.len());
        while !decoder.is_done() {
            let window = &wire[at..fed];
            let (used, data) = decoder.decode(window, 3)?;
            body.extend_from_slice(&window[data]);
            at += used;
            if at == fed {
                if fed == wire.len() {
                    break;
                }
                fed = (fed + piece).min(wire.len());
            }
        }
        assert!(decoder.is_done(), "unfinished: {wire:?}");
        Ok((body, at))
    }

    #[test]
    fn chunked_bodies_decode_however_they_are_split() {
        let wire = b"5\r\nhello\r\nA \t;name=value\r\n, chunked!\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for piece in 1..=wire.len() {
            let (body, used) = dechunk(wire, piece).unwrap();
            assert_eq!(body, b"hello, chunked!", "piece {piece}");
            assert_eq!(&wire[used..], b"NEXT", "piece {piece}");
        }
        let mut decoder = ChunkedDecoder::new(100);
        let mut at = 0;
        while !decoder.is_done() {
            at += decoder.decode(&wire[at..], usize::MAX).unwrap().0;
        }
        assert_eq!(decoder.trailers(), [("X-T".to_string(), "1".to_string())]);
    }

    #[test]
    fn chunked_errors() {
        use ParseError::*;
        let cases: &[(&[u8], ParseError)] = &[
            (b"zz\r\nhello\r\n0\r\n\r\n", BadChunkSize),
            (b"\r\n", BadChunkSize),
            (b"5 \r\nhello\r\n0\r\n\r\n", BadChunkSize),
            (b"5 \t\r\nhello\r\n0\r\n\r\n", BadChunkSize),
            (b"5 6\r\nhello\r\n0\r\n\r\n", BadChunkSize),
            (b"5\rxhello\r\n0\r\n\r\n", BadChunkSize),
            (
                b"ffffffffffffffffff\r\nhello\r\n0\r\n\r\n",
                ChunkSizeOverflow,
            ),
            (b"5\r\nhelloXX0\r\n\r\n", MissingChunkTerminator),
            (b"3\r\nhello\r\n0\r\n\r\n", MissingChunkTerminator),
            (b"5\r\nhello\rX", MissingChunkTerminator),
            (b"0\r\nX : y\r\n\r\n", BadFieldName),
            (b"0\r\nX: y\n\r\n", BareLineFeed),
            (b"0\r\n\r\r\n\r\n", MissingColon), // a trailer line that is a bare CR
        ];
        for (wire, expected) in cases {
            assert_eq!(
                dechunk(wire, wire.len()).unwrap_err(),
                *expected,
                "{wire:?}"
            );
        }
        // Sixteen hex digits fit; leading zeros do not count against the limit.
        let mut decoder = ChunkedDecoder::new(100);
        assert!(decoder.decode(b"0000000000000000000001\r\n", 1).is_ok());
        let mut long = b"0\r\n".to_vec();
        long.extend(std::iter::repeat_n(b'a', 200));
        assert_eq!(
            ChunkedDecoder::new(100).decode(&long, 1).unwrap_err(),
            HeadTooLarge
        );
        let mut ext = b"1;".to_vec();
        ext.extend(std::iter::repeat_n(b'e', MAX_CHUNK_EXTENSION + 1));
        assert_eq!(
            ChunkedDecoder::new(100).decode(&ext, 1).unwrap_err(),
            BadChunkSize
        );
    }

    #[test]
    fn repeated_fields_merge_by_node_s_rules() {
        let fields: Vec<(String, String)> = [
            ("Set-Cookie", "a=1"),
            ("Cookie", "x=1"),
            ("Content-Type", "text/plain"),
            ("X-Many", "1"),
            ("set-cookie", "b=2"),
            ("cookie", "y=2"),
            ("content-type", "text/html"),
            ("x-many", "2"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            headers_object(&fields),
            [
                (
                    "set-cookie".to_string(),
                    HeaderValue::Many(vec!["a=1".into(), "b=2".into()])
                ),
                ("cookie".to_string(), HeaderValue::One("x=1; y=2".into())),
                (
                    "content-type".to_string(),
                    HeaderValue::One("text/plain".into())
                ),
                ("x-many".to_string(), HeaderValue::One("1, 2".into())),
            ]
        );
    }

    #[test]
    fn headers_as_json_stringify_writes_them() {
        let object = vec![
            ("host".to_string(), HeaderValue::One("a\"b".into())),
            (
                "set-cookie".to_string(),
                HeaderValue::Many(vec!["x".into(), "y".into()]),
            ),
        ];
        assert_eq!(
            headers_json(&object),
            r#"{"host":"a\"b","set-cookie":["x","y"]}"#
        );
    }

    #[test]
    fn responses() {
        assert_eq!(reason_phrase(431), "Request Header Fields Too Large");
        assert_eq!(chunk_header(12), "c\r\n");
        assert!(bodiless("HEAD", 200) && bodiless("GET", 204) && bodiless("GET", 304));
        assert!(bodiless("GET", 100) && !bodiless("GET", 200));
    }

    fn response(bytes: &[u8]) -> Result<ResponseHead, ParseError> {
        match find_response_head(bytes, 0, MAX_HEADER_BYTES)? {
            HeadScan::Complete { start, end } => {
                parse_response_head(&bytes[start..end], MAX_HEADERS)
            }
            HeadScan::Incomplete { .. } => panic!("incomplete head: {bytes:?}"),
        }
    }

    #[test]
    fn status_lines() {
        use ParseError::*;
        type Case = (&'static [u8], Result<(u16, &'static str), ParseError>);
        let cases: &[Case] = &[
            (b"HTTP/1.1 200 OK\r\n\r\n", Ok((200, "OK"))),
            (b"HTTP/1.0 404 Not  Found\r\n\r\n", Ok((404, "Not  Found"))),
            (b"HTTP/1.1 200\r\n\r\n", Ok((200, ""))),
            (b"HTTP/1.1 200 \r\n\r\n", Ok((200, ""))),
            (b"HTTP/1.1 999 Odd\r\n\r\n", Ok((999, "Odd"))),
            (b"\r\nHTTP/1.1 200 OK\r\n\r\n", Ok((200, "OK"))),
            (b"HTTP/1.1 caf\xe9\r\n\r\n", Err(BadStatus)),
            (b"HTTP/1.1 20 OK\r\n\r\n", Err(BadStatus)),
            (b"HTTP/1.1 2000 OK\r\n\r\n", Err(BadStatus)),
            (b"HTTP/1.1  200 OK\r\n\r\n", Err(BadStatus)),
            (b"HTTP/1.1 2x0 OK\r\n\r\n", Err(BadStatus)),
            (b"HTTP/1.1 200 O\x01K\r\n\r\n", Err(BadStatus)),
            (b"HTTP/1.2 200 OK\r\n\r\n", Err(BadVersion)),
            (b"HTTP/1.1\r\n\r\n", Err(BadVersion)),
        ];
        for (bytes, expected) in cases {
            let got = response(bytes).map(|h| (h.status, h.reason));
            let got = got.as_ref().map(|(s, r)| (*s, r.as_str())).map_err(|e| *e);
            assert_eq!(&got, expected, "{}", String::from_utf8_lossy(bytes));
        }
        let head = response(b"HTTP/1.1 200 OK\r\nX-L: caf\xe9\r\n\r\n").unwrap();
        assert_eq!(head.value("x-l"), Some("café"));
    }

    #[test]
    fn what_is_not_http_is_refused_from_its_first_bytes() {
        let scan = |bytes: &[u8]| find_response_head(bytes, 0, MAX_HEADER_BYTES);
        for fine in [&b""[..], b"H", b"HTTP", b"HTTP/", b"\r", b"\r\n", b"\r\nHT"] {
            assert!(
                matches!(scan(fine), Ok(HeadScan::Incomplete { .. })),
                "{fine:?}"
            );
        }
        for bad in [
            &b"garbage\r\n\r\n"[..],
            b"x",
            b"HTTX/1.1",
            b"http/1.1",
            b"\r\nX",
            b" HTTP/",
        ] {
            assert_eq!(scan(bad), Err(ParseError::ExpectedHttp), "{bad:?}");
        }
        assert_eq!(
            scan(b"HTTP/1.1 200 OK\nX: 1\r\n\r\n"),
            Err(ParseError::BareLineFeed)
        );
        let mut long = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
        long.resize(MAX_HEADER_BYTES + 1, b'a');
        assert_eq!(scan(&long), Err(ParseError::HeadTooLarge));
    }

    #[test]
    fn response_field_rules_are_the_request_s() {
        use ParseError::*;
        for (field, expected) in [
            ("X : 1", BadFieldName),
            (": 1", BadFieldName),
            ("Xb", MissingColon),
            (" folded", ObsFold),
            ("X: a\x01b", BadFieldValue),
        ] {
            let bytes = format!("HTTP/1.1 200 OK\r\nA: 1\r\n{field}\r\n\r\n");
            assert_eq!(response(bytes.as_bytes()), Err(expected), "{field:?}");
        }
    }

    #[test]
    fn response_framing_follows_rfc_9112_section_6_3() {
        use ResponseFraming::*;
        let framing = |status: u16, fields: &str, method: &str| {
            response(format!("HTTP/1.1 {status} X\r\n{fields}\r\n").as_bytes())
                .unwrap()
                .framing(method)
        };
        let cl = "Content-Length: 5\r\n";
        let te = "Transfer-Encoding: chunked\r\n";
        assert_eq!(framing(200, cl, "GET"), Ok(Length(5)));
        assert_eq!(framing(200, te, "GET"), Ok(Chunked));
        assert_eq!(framing(200, "", "GET"), Ok(UntilClose));
        assert_eq!(
            framing(200, "Transfer-Encoding: gzip\r\n", "GET"),
            Ok(UntilClose)
        );
        assert_eq!(
            framing(200, "Transfer-Encoding: gzip, chunked\r\n", "GET"),
            Ok(Chunked)
        );
        for (status, method) in [(200, "HEAD"), (204, "GET"), (304, "GET"), (100, "GET")] {
            assert_eq!(framing(status, cl, method), Ok(None), "{status} {method}");
            assert_eq!(framing(status, te, method), Ok(None), "{status} {method}");
        }
        assert_eq!(framing(200, "", "CONNECT"), Ok(None));
        assert_eq!(framing(407, cl, "CONNECT"), Ok(Length(5)));
        assert_eq!(
            framing(200, &format!("{cl}{te}"), "GET"),
            Err(ParseError::ContentLengthWithTransferEncoding)
        );
        assert_eq!(
            framing(200, &format!("{cl}{cl}"), "GET"),
            Err(ParseError::DuplicateContentLength)
        );
        assert_eq!(
            framing(200, "Content-Length: x\r\n", "GET"),
            Err(ParseError::BadContentLength)
        );
    }

    #[test]
    fn responses_keep_the_connection_by_version_and_connection() {
        let keep = |bytes: &[u8]| response(bytes).unwrap().keep_alive();
        assert!(keep(b"HTTP/1.1 200 OK\r\n\r\n"));
        assert!(!keep(b"HTTP/1.1 200 OK\r\nConnection: x, Close\r\n\r\n"));
        assert!(!keep(b"HTTP/1.0 200 OK\r\n\r\n"));
        assert!(keep(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n"));
    }

    #[test]
    fn request_heads_as_a_client_writes_them() {
        assert_eq!(
            request_head(
                "POST",
                "/p",
                &[("X-B", "2"), ("Host", "h:1"), ("Content-Length", "2")]
            ),
            "POST /p HTTP/1.1\r\nX-B: 2\r\nHost: h:1\r\nContent-Length: 2\r\n\r\n"
        );
    }

    #[test]
    fn dates_are_imf_fixdates() {
        let at = |secs| http_date(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(at(1_796_014_070), "Mon, 30 Nov 2026 04:47:50 GMT");
        assert_eq!(at(4_102_444_799), "Thu, 31 Dec 2099 23:59:59 GMT");
    }
}
