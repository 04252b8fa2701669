//! HTTP报文 written: the head writer (a status line or a request line, then fields), reason
//! phrases, the `Date` field, and the size lines of a chunked body.
//!
//! Every head this crate sends is written by [`HeadWriter`]: the server's responses, its error
//! answers, the client's requests, the proxy's answers, both sides of the WebSocket handshake.
//! It refuses what Node's `http` refuses, with Node's words, so that a value cannot end its line
//! early and smuggle in a field or a second message:
//!
//! ```text
//!   refused                               Node's err.code, err.message
//!   a field name that is not a token      ERR_INVALID_HTTP_TOKEN
//!                                         Header name must be a valid HTTP token ["X Y"]
//!   a value with CR, LF, NUL, a control   ERR_INVALID_CHAR
//!   byte or DEL                           Invalid character in header content ["X"]
//!   a status outside 100-999              ERR_HTTP_INVALID_STATUS_CODE
//!                                         Invalid status code: 1000
//!   a method that is not a token          ERR_INVALID_HTTP_TOKEN
//!                                         Method must be a valid HTTP token ["G T"]
//!   a path with a space or a control      ERR_UNESCAPED_CHARACTERS
//!   byte                                  Request path contains unescaped characters
//! ```
//!
//! [`check_framing`] adds what Node lets through and our own parser would refuse: a
//! `Content-Length` that is not `1*DIGIT`, two of them, one beside `Transfer-Encoding`, or a
//! `chunked` coding that is not the last or comes twice.

use super::fields::{is_field_byte, is_tchar};
use super::framing::{Declared, FramingFields};
use super::ParseError;
use std::fmt;
use std::io;
use std::time::{SystemTime, UNIX_EPOCH};

/// A head the writer refuses to write, with Node's `err.code` and `err.message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidHead {
    /// A field name that is empty or not a token (RFC 9110 §5.1).
    FieldName(String),
    /// A value (of the named field) holding CR, LF, NUL, another control byte or DEL
    /// (RFC 9110 §5.5).
    FieldValue(String),
    /// A status code outside 100-999 (RFC 9110 §15: three digits; 0xx is not a class).
    Status(u16),
    /// A reason phrase holding a control byte (RFC 9112 §4).
    Reason,
    /// A method that is empty or not a token (RFC 9110 §9.1).
    Method(String),
    /// A request-target that is empty, or holds a space or a control byte (RFC 9112 §3.2:
    /// the target ends at the first space).
    Path,
    /// A `Content-Length` that is not `1*DIGIT` (RFC 9110 §8.6), with the value given.
    ContentLength(String),
    /// Framing fields a parser cannot read one way: `Content-Length` twice or beside
    /// `Transfer-Encoding`, or `chunked` not the last coding or given twice (RFC 9112
    /// §6.1-6.3). Node writes such a head; our own parser, as Node's, refuses to read it, so it
    /// is not written.
    Framing(ParseError),
    /// The head is fixed already — by `write_head`, or sent with the first body bytes — so
    /// it can change no more; with the call that tried (`write`, `set` or `append`, as
    /// Node words it).
    HeadersSent(&'static str),
}

impl InvalidHead {
    /// Node's `err.code` for the same mistake, where Node has one.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            InvalidHead::FieldName(_) | InvalidHead::Method(_) => Some("ERR_INVALID_HTTP_TOKEN"),
            InvalidHead::FieldValue(_) | InvalidHead::Reason => Some("ERR_INVALID_CHAR"),
            InvalidHead::Status(_) => Some("ERR_HTTP_INVALID_STATUS_CODE"),
            InvalidHead::Path => Some("ERR_UNESCAPED_CHARACTERS"),
            InvalidHead::ContentLength(_) => Some("ERR_HTTP_INVALID_HEADER_VALUE"),
            InvalidHead::Framing(_) => None,
            InvalidHead::HeadersSent(_) => Some("ERR_HTTP_HEADERS_SENT"),
        }
    }
}

/// Node's `err.message` (checked against Node 20: `http.request({ method: 'G T' })`,
/// `res.writeHead(1000)`, `res.setHeader('X', 'a\r\nb')`, ...).
impl fmt::Display for InvalidHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidHead::FieldName(name) => {
                write!(f, "Header name must be a valid HTTP token [\"{name}\"]")
            }
            InvalidHead::FieldValue(name) => {
                write!(f, "Invalid character in header content [\"{name}\"]")
            }
            InvalidHead::Status(status) => write!(f, "Invalid status code: {status}"),
            InvalidHead::Reason => f.write_str("Invalid character in statusMessage"),
            InvalidHead::Method(method) => {
                write!(f, "Method must be a valid HTTP token [\"{method}\"]")
            }
            InvalidHead::Path => f.write_str("Request path contains unescaped characters"),
            InvalidHead::ContentLength(value) => {
                write!(f, "Invalid value \"{value}\" for header \"Content-Length\"")
            }
            InvalidHead::Framing(e) => write!(f, "{e}"),
            InvalidHead::HeadersSent(call) => {
                write!(f, "Cannot {call} headers after they are sent to the client")
            }
        }
    }
}

impl std::error::Error for InvalidHead {}

/// A refused head is invalid input to the call that would write it.
impl From<InvalidHead> for io::Error {
    fn from(e: InvalidHead) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, e)
    }
}

/// A head being written: a start line, then field lines, each checked before it is added, then
/// the empty line. A refused field adds nothing, so the head written so far stays whole.
///
/// ```
/// use netnotes::http::message::{InvalidHead, HeadWriter};
/// let mut head = HeadWriter::response(404, 64)?;
/// head.field("Content-Length", "0")?;
/// assert_eq!(head.finish(), b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
/// assert_eq!(
///     HeadWriter::request("GET", "/a b", 64).unwrap_err().to_string(),
///     "Request path contains unescaped characters"
/// );
/// # Ok::<(), InvalidHead>(())
/// ```
#[derive(Debug)]
pub struct HeadWriter {
    head: Vec<u8>,
}

impl HeadWriter {
    /// `HTTP/1.1 {status} {reason}`, the reason being [`reason_phrase`]'s, in a buffer with
    /// room for `capacity` bytes.
    pub fn response(status: u16, capacity: usize) -> Result<HeadWriter, InvalidHead> {
        HeadWriter::response_in(Vec::with_capacity(capacity), status)
    }

    /// [`HeadWriter::response`], written into `buffer` (emptied first): a connection that
    /// keeps the buffer of its last response writes the next one without allocating.
    pub fn response_in(buffer: Vec<u8>, status: u16) -> Result<HeadWriter, InvalidHead> {
        check_status(status)?;
        // The phrases of the table are known to be valid.
        Ok(HeadWriter::status_line(
            buffer,
            status,
            reason_phrase(status),
        ))
    }

    /// `HTTP/1.1 {status} {reason}` with a reason of the caller's (Node's
    /// `res.writeHead(status, statusMessage)`).
    pub fn response_with_reason(
        status: u16,
        reason: &str,
        capacity: usize,
    ) -> Result<HeadWriter, InvalidHead> {
        check_status(status)?;
        if !reason.bytes().all(is_field_byte) {
            return Err(InvalidHead::Reason);
        }
        Ok(HeadWriter::status_line(
            Vec::with_capacity(capacity),
            status,
            reason,
        ))
    }

    /// `HTTP/1.1 {status} {reason}` for a status of three digits and a valid reason.
    fn status_line(mut head: Vec<u8>, status: u16, reason: &str) -> HeadWriter {
        head.clear();
        head.extend_from_slice(b"HTTP/1.1 ");
        let digit = |n: u16| b'0' + (n % 10) as u8;
        head.extend_from_slice(&[digit(status / 100), digit(status / 10), digit(status), b' ']);
        head.extend_from_slice(reason.as_bytes());
        head.extend_from_slice(b"\r\n");
        HeadWriter { head }
    }

    /// `{method} {target} HTTP/1.1`. The method must be a token; the target may hold any byte
    /// but a space, a control byte or DEL (Node also lets DEL through; our parser would not).
    pub fn request(method: &str, target: &str, capacity: usize) -> Result<HeadWriter, InvalidHead> {
        if method.is_empty() || !method.bytes().all(is_tchar) {
            return Err(InvalidHead::Method(method.to_string()));
        }
        if target.is_empty() || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(InvalidHead::Path);
        }
        let mut head = Vec::with_capacity(capacity);
        head.extend_from_slice(method.as_bytes());
        head.push(b' ');
        head.extend_from_slice(target.as_bytes());
        head.extend_from_slice(b" HTTP/1.1\r\n");
        Ok(HeadWriter { head })
    }

    /// Adds `name: value`, or refuses it (nothing added).
    pub fn field(&mut self, name: &str, value: &str) -> Result<&mut HeadWriter, InvalidHead> {
        check_field(name, value)?;
        self.push_field(name, value);
        Ok(self)
    }

    /// Adds field lines the crate composes itself from constants and numbers (`Date`,
    /// `Connection: keep-alive`, `Keep-Alive: timeout=5`, a length it counted), whole lines
    /// given in pieces (`b"Content-Length: "`, the digits, `b"\r\n"`), without checking them
    /// again: this runs for every response, and such lines cannot hold what the checks look
    /// for (debug builds check all the same).
    pub(crate) fn own_lines(&mut self, pieces: &[&[u8]]) -> &mut HeadWriter {
        let start = self.head.len();
        for piece in pieces {
            self.head.extend_from_slice(piece);
        }
        debug_assert!(own_lines_are_fields(&self.head[start..]), "{pieces:?}");
        self
    }

    fn push_field(&mut self, name: &str, value: &str) {
        self.head.extend_from_slice(name.as_bytes());
        self.head.extend_from_slice(b": ");
        self.head.extend_from_slice(value.as_bytes());
        self.head.extend_from_slice(b"\r\n");
    }

    /// Ends the head with the empty line and gives its bytes (a body may be appended to them).
    pub fn finish(mut self) -> Vec<u8> {
        self.head.extend_from_slice(b"\r\n");
        self.head
    }
}

/// Whether `lines` are whole field lines the head writer would accept (a debug check of
/// [`HeadWriter::own_lines`]).
fn own_lines_are_fields(lines: &[u8]) -> bool {
    let Some(lines) = lines.strip_suffix(b"\r\n") else {
        return false;
    };
    lines.split(|&b| b == b'\n').all(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = String::from_utf8_lossy(line);
        text.split_once(": ")
            .is_some_and(|(name, value)| check_field(name, value).is_ok())
    })
}

/// A status code of three digits, 100 to 999 (RFC 9110 §15: 0xx is not a class), as Node's
/// `writeHead` checks it.
fn check_status(status: u16) -> Result<(), InvalidHead> {
    match status {
        100..=999 => Ok(()),
        _ => Err(InvalidHead::Status(status)),
    }
}

/// Checks one field as [`HeadWriter::field`] would, without writing it (for a field kept to be
/// written later, as `res.setHeader` keeps it).
pub fn check_field_line(name: &str, value: &str) -> Result<(), InvalidHead> {
    check_field(name, value)
}

/// The name a token, the value field bytes.
fn check_field(name: &str, value: &str) -> Result<(), InvalidHead> {
    if name.is_empty() || !name.bytes().all(is_tchar) {
        return Err(InvalidHead::FieldName(name.to_string()));
    }
    if !value.bytes().all(is_field_byte) {
        return Err(InvalidHead::FieldValue(name.to_string()));
    }
    Ok(())
}

/// A whole response head: the status line, `fields` in order, the empty line.
///
/// ```
/// use netnotes::http::message::response_head;
/// assert_eq!(
///     response_head(404, &[("Content-Length", "0")]).unwrap(),
///     b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
/// );
/// assert_eq!(response_head(1000, &[("X", "1")]).unwrap_err().to_string(), "Invalid status code: 1000");
/// ```
pub fn response_head(status: u16, fields: &[(&str, &str)]) -> Result<Vec<u8>, InvalidHead> {
    let mut head = HeadWriter::response(status, 64 + fields_len(fields))?;
    for (name, value) in fields {
        head.field(name, value)?;
    }
    Ok(head.finish())
}

/// A whole request head as a client writes it: the request line, `fields` in the order given,
/// the empty line.
///
/// ```
/// use netnotes::http::message::request_head;
/// assert_eq!(
///     request_head("GET", "/", &[("Host", "localhost:1337")]).unwrap(),
///     b"GET / HTTP/1.1\r\nHost: localhost:1337\r\n\r\n"
/// );
/// assert_eq!(
///     request_head("G T", "/", &[("Host", "h")]).unwrap_err().to_string(),
///     r#"Method must be a valid HTTP token ["G T"]"#
/// );
/// ```
pub fn request_head<N: AsRef<str>, V: AsRef<str>>(
    method: &str,
    target: &str,
    fields: &[(N, V)],
) -> Result<Vec<u8>, InvalidHead> {
    let capacity = method.len() + target.len() + 16 + fields_len(fields);
    let mut head = HeadWriter::request(method, target, capacity)?;
    for (name, value) in fields {
        head.field(name.as_ref(), value.as_ref())?;
    }
    Ok(head.finish())
}

/// The bytes `fields` take as field lines.
pub(crate) fn fields_len<N: AsRef<str>, V: AsRef<str>>(fields: &[(N, V)]) -> usize {
    fields
        .iter()
        .map(|(n, v)| n.as_ref().len() + v.as_ref().len() + 4)
        .sum()
}

/// What a sender's own fields say of the body's framing, checked before they are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeclaredFraming {
    /// The one `Content-Length`, if there is one.
    pub length: Option<u64>,
    /// A `Transfer-Encoding` whose last coding is `chunked`.
    pub chunked: bool,
    /// A `Transfer-Encoding`, whatever its codings.
    pub transfer_encoding: bool,
}

/// Checks the framing fields a sender was given before adding its own (RFC 9112 §6.1-6.3):
/// `Content-Length` must be `1*DIGIT` and given once, and never beside `Transfer-Encoding`
/// (§6.2: "A sender MUST NOT send a Content-Length header field in any message that contains
/// a Transfer-Encoding header field"); `chunked`, if given, must be the last coding, and
/// given once (§6.1). Our parser refuses each of these as a smuggling attempt (as Node's
/// does); a sender that wrote them, or ignored a bad length and framed the body itself next to
/// it, would write a head its peer must refuse. The fields are read by the parser's own
/// reading of them, so a head this check lets through is one the parser reads as meant; where
/// several rules are broken at once, the error is the one the parser would give.
///
/// ```
/// use netnotes::http::message::{check_framing, InvalidHead};
/// assert_eq!(check_framing([("Content-Length", "12")]).unwrap().length, Some(12));
/// assert_eq!(check_framing([("Content-Length", "-1")]), Err(InvalidHead::ContentLength("-1".into())));
/// ```
pub fn check_framing<'a>(
    fields: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<DeclaredFraming, InvalidHead> {
    check_declared(&FramingFields::read(fields))
}

/// [`check_framing`] of framing fields already read (by a writer that reads each field as
/// it writes it).
pub(crate) fn check_declared(read: &FramingFields<'_>) -> Result<DeclaredFraming, InvalidHead> {
    let refused = |error| match (error, read.length) {
        (ParseError::BadContentLength, Some(value)) => InvalidHead::ContentLength(value.into()),
        (error, _) => InvalidHead::Framing(error),
    };
    Ok(match read.declared().map_err(refused)? {
        Declared::Nothing => DeclaredFraming::default(),
        Declared::Length(n) => DeclaredFraming {
            length: Some(n),
            ..DeclaredFraming::default()
        },
        // Stricter than reading: a recipient of a response reads `chunked, chunked` or
        // `chunked, gzip` (as chunked, or until the close), but a sender MUST NOT apply chunked
        // more than once, and a chunked body that is then coded again cannot be delimited by
        // its last chunk (RFC 9112 §6.1).
        Declared::Codings(codings) if codings.chunked > usize::from(codings.chunked_last) => {
            return Err(InvalidHead::Framing(ParseError::BadTransferEncoding));
        }
        Declared::Codings(codings) => DeclaredFraming {
            length: None,
            chunked: codings.chunked_last,
            transfer_encoding: true,
        },
    })
}

/// A number in decimal, on the stack: written without the formatting machinery (`format!`
/// costs an allocation and a few hundred instructions for a handful of digits).
///
/// ```
/// assert_eq!(netnotes::http::message::Decimal::new(1337).as_str(), "1337");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Decimal {
    digits: [u8; 20],
    start: usize,
}

impl Decimal {
    /// `n`'s digits.
    pub fn new(mut n: u64) -> Decimal {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        Decimal { digits, start }
    }

    /// The digits.
    pub fn as_bytes(&self) -> &[u8] {
        &self.digits[self.start..]
    }

    /// The digits as text.
    pub fn as_str(&self) -> &str {
        // ASCII digits are always UTF-8.
        std::str::from_utf8(&self.digits[self.start..]).unwrap_or_default()
    }
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

/// Appends `data` as one chunk of a chunked body (RFC 9112 §7.1): its size in hex, CRLF, the
/// data, CRLF. Nothing for empty `data`: a chunk of size 0 is the last chunk, which would end
/// the body ([`LAST_CHUNK`] does that).
///
/// ```
/// let mut wire = Vec::new();
/// netnotes::http::message::push_chunk(&mut wire, b"hello, world");
/// assert_eq!(wire, b"c\r\nhello, world\r\n");
/// ```
pub fn push_chunk(out: &mut Vec<u8>, data: &[u8]) {
    if data.is_empty() {
        return;
    }
    // The size in hex, written digit by digit (`format!` would cost an allocation).
    let mut digits = [0u8; 16];
    let mut i = digits.len();
    let mut n = data.len();
    loop {
        i -= 1;
        digits[i] = b"0123456789abcdef"[n % 16];
        n /= 16;
        if n == 0 {
            break;
        }
    }
    out.reserve(digits.len() - i + data.len() + 4);
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
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

#[cfg(test)]
mod tests {
    use super::super::Fields;
    use super::*;
    use std::time::Duration;

    #[test]
    fn responses() {
        assert_eq!(reason_phrase(431), "Request Header Fields Too Large");
        let chunk = |data: &[u8]| {
            let mut wire = b"..".to_vec();
            push_chunk(&mut wire, data);
            wire
        };
        assert_eq!(chunk(&[b'x'; 12]), b"..c\r\nxxxxxxxxxxxx\r\n");
        assert_eq!(chunk(&[b'x'; 0x1f0])[..7], *b"..1f0\r\n");
        assert_eq!(chunk(b""), b"..");
    }

    #[test]
    fn request_heads_as_a_client_writes_them() {
        assert_eq!(
            request_head(
                "POST",
                "/p",
                &[("X-B", "2"), ("Host", "h:1"), ("Content-Length", "2")]
            )
            .unwrap(),
            b"POST /p HTTP/1.1\r\nX-B: 2\r\nHost: h:1\r\nContent-Length: 2\r\n\r\n"
        );
    }

    const NONE: &[(&str, &str)] = &[];

    /// Node's `err.code` and `err.message` for a refused head.
    fn node_error(written: Result<Vec<u8>, InvalidHead>) -> (Option<&'static str>, String) {
        let refused = written.expect_err("refused");
        (refused.code(), refused.to_string())
    }

    // The expected words are Node 20's for the same call: `res.setHeader(name, value)`,
    // `res.writeHead(status)`, `http.request({ method, path, headers })`.

    #[test]
    fn a_field_name_must_be_a_token() {
        for name in ["X Y", "", "X:", "X\r\nY", "caf\u{e9}", "X\0", "(X)"] {
            let expected = (
                Some("ERR_INVALID_HTTP_TOKEN"),
                format!("Header name must be a valid HTTP token [\"{name}\"]"),
            );
            assert_eq!(node_error(response_head(200, &[(name, "1")])), expected);
            assert_eq!(
                node_error(request_head("GET", "/", &[(name, "1")])),
                expected
            );
        }
    }

    #[test]
    fn a_value_must_hold_no_cr_lf_nul_or_other_control() {
        for value in [
            "a\r\nB: c",
            "a\rb",
            "a\nb",
            "\n",
            "a\0b",
            "a\x01b",
            "a\x1bb",
            "a\x7fb",
        ] {
            let expected = (
                Some("ERR_INVALID_CHAR"),
                r#"Invalid character in header content ["X"]"#.to_string(),
            );
            assert_eq!(node_error(response_head(200, &[("X", value)])), expected);
            assert_eq!(
                node_error(request_head("GET", "/", &[("X", value)])),
                expected
            );
        }
        let reason = HeadWriter::response_with_reason(200, "O\r\nK", 0).map(HeadWriter::finish);
        let expected = (
            Some("ERR_INVALID_CHAR"),
            "Invalid character in statusMessage".into(),
        );
        assert_eq!(node_error(reason), expected);
    }

    #[test]
    fn a_status_must_be_100_to_999() {
        for status in [0, 1, 99, 1000, 65535] {
            let expected = (
                Some("ERR_HTTP_INVALID_STATUS_CODE"),
                format!("Invalid status code: {status}"),
            );
            assert_eq!(node_error(response_head(status, NONE)), expected);
        }
    }

    #[test]
    fn a_method_must_be_a_token() {
        for method in ["G T", "", "GET\r\n", "G\u{c9}T", "GET/", "\tGET"] {
            let expected = (
                Some("ERR_INVALID_HTTP_TOKEN"),
                format!("Method must be a valid HTTP token [\"{method}\"]"),
            );
            assert_eq!(node_error(request_head(method, "/", NONE)), expected);
        }
    }

    #[test]
    fn a_path_must_hold_no_space_or_control() {
        for path in [
            "/a b",
            "/a\tb",
            "/a\r\nX: 1",
            "/a\0",
            "/a\x1b",
            "/a\x7f",
            " /",
            "",
        ] {
            let expected = (
                Some("ERR_UNESCAPED_CHARACTERS"),
                "Request path contains unescaped characters".to_string(),
            );
            assert_eq!(node_error(request_head("GET", path, NONE)), expected);
        }
    }

    #[test]
    fn what_the_head_writer_accepts_our_parser_reads_back() {
        let fields = [
            ("X-Tab", "a\tb"),
            ("X-Latin", "caf\u{e9}"),
            ("X-Empty", ""),
            ("!#$%&'*+-.^_`|~09azAZ", "v"),
        ];
        let read_back = |head: &[u8]| super::super::parse_response_head(head, 100);
        for status in [100, 200, 404, 599, 999] {
            let head = response_head(status, &fields).unwrap();
            let parsed = read_back(&head).unwrap();
            assert_eq!(parsed.status, status);
            let latin1 = |s: &str| s.bytes().map(char::from).collect::<String>();
            let expected: Vec<_> = fields.iter().map(|(n, v)| (*n, latin1(v))).collect();
            let expected = Fields::from_pairs(expected.iter().map(|(n, v)| (*n, v.as_str())));
            assert_eq!(parsed.fields, expected);
        }
        for (method, target) in [("GET", "/"), ("M-SEARCH", "*"), ("OPTIONS", "/a?b=%20&c")] {
            let head = request_head(method, target, &[("Host", "h")]).unwrap();
            let parsed = super::super::parse_request_head(head, 100).unwrap();
            assert_eq!((parsed.method, parsed.target()), (method, target));
        }
        // Node lets a method of its own through (it is a token); our server answers it 400.
        assert!(request_head("BREW", "/pot", NONE).is_ok());
    }

    #[test]
    fn framing_fields_that_our_parser_would_refuse_are_refused() {
        use ParseError::*;
        let length = |n| {
            Ok(DeclaredFraming {
                length: Some(n),
                ..DeclaredFraming::default()
            })
        };
        let coded = |chunked| {
            Ok(DeclaredFraming {
                length: None,
                chunked,
                transfer_encoding: true,
            })
        };
        const CL: &str = "Content-Length";
        const TE: &str = "Transfer-Encoding";
        let bad = |value: &str| Err(InvalidHead::ContentLength(value.to_string()));
        let refused = |e| Err(InvalidHead::Framing(e));
        type Case<'a> = (
            &'a [(&'a str, &'a str)],
            Result<DeclaredFraming, InvalidHead>,
        );
        let cases: [Case; 21] = [
            (&[], Ok(DeclaredFraming::default())),
            (&[("X", "1")], Ok(DeclaredFraming::default())),
            (&[("Content-Length", "12")], length(12)),
            (&[("content-length", "0")], length(0)),
            (&[("Content-Length", " 007\t")], length(7)),
            (&[("Content-Length", "abc")], bad("abc")),
            (&[("Content-Length", "")], bad("")),
            (&[("Content-Length", "-1")], bad("-1")),
            (&[("Content-Length", "+1")], bad("+1")),
            (&[("Content-Length", "1,1")], bad("1,1")),
            (&[("Content-Length", "0x10")], bad("0x10")),
            (
                &[("Content-Length", "18446744073709551616")],
                bad("18446744073709551616"),
            ),
            (
                &[(CL, "1"), ("content-length", "1")],
                refused(DuplicateContentLength),
            ),
            (
                &[(CL, "1"), (TE, "chunked")],
                refused(ContentLengthWithTransferEncoding),
            ),
            (
                &[(TE, "gzip"), (CL, "1")],
                refused(ContentLengthWithTransferEncoding),
            ),
            (&[(TE, "chunked")], coded(true)),
            (&[(TE, "gzip, CHUNKED")], coded(true)),
            (&[(TE, "gzip"), (TE, "chunked")], coded(true)),
            (&[(TE, "xchunked")], coded(false)),
            (&[(TE, "chunked, gzip")], refused(BadTransferEncoding)),
            (
                &[(TE, "chunked"), (TE, "chunked")],
                refused(BadTransferEncoding),
            ),
        ];
        for (fields, expected) in cases {
            assert_eq!(
                check_framing(fields.iter().copied()),
                expected,
                "{fields:?}"
            );
        }
        let refused = check_framing([("Content-Length", "abc")]).unwrap_err();
        assert_eq!(refused.code(), Some("ERR_HTTP_INVALID_HEADER_VALUE"));
        assert_eq!(
            refused.to_string(),
            r#"Invalid value "abc" for header "Content-Length""#
        );
        assert_eq!(
            check_framing([("Content-Length", "1"), ("Content-Length", "1")])
                .unwrap_err()
                .code(),
            None
        );
    }

    #[test]
    fn a_refused_field_adds_nothing() {
        let mut head = HeadWriter::response(200, 0).unwrap();
        assert!(head.field("X", "1\r\nY: 2").is_err());
        head.own_lines(&[b"Keep-Alive: timeout=", Decimal::new(5).as_bytes(), b"\r\n"]);
        assert!(head.field("X", "a\n").is_err());
        assert_eq!(
            head.finish(),
            b"HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\n\r\n"
        );
        assert_eq!(Decimal::new(0).as_str(), "0");
        assert_eq!(Decimal::new(u64::MAX).as_str(), "18446744073709551615");
    }

    #[test]
    fn own_lines_are_checked_in_debug_builds() {
        assert!(own_lines_are_fields(b"Date: x\r\nA: 1\r\n"));
        assert!(!own_lines_are_fields(b"Date: x"));
        assert!(!own_lines_are_fields(b"Da te: x\r\n"));
        assert!(!own_lines_are_fields(b"Date: \x01\r\n"));
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
