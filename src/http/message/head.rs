//! HTTP报文, the head: the request line and the status line (RFC 9112 §3, §4), and the heads
//! they make with the field lines (§5), [`RequestHead`] and [`ResponseHead`], with what a
//! server and a client must know of them (their framing, their connection, `Expect`).

use super::fields::{head_text, is_field_byte, latin1, parse_fields, to_u32, Fields, Lines, Span};
use super::framing::{
    response_framing, Expectation, Facts, FactsReader, Framing, FramingFields, Persistence,
    ResponseFraming,
};
use super::{ParseError, Version};

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

/// The method of [`METHODS`] that `word` spells exactly, if any. (A look down the list: most
/// entries differ from the word in length, which is all that is compared for them; the few of
/// the same length are compared byte by byte, in a loop too short to be worth a call to the
/// C library's `memcmp`.)
fn method(word: &[u8]) -> Option<&'static str> {
    let spells = |m: &str| m.len() == word.len() && m.bytes().zip(word).all(|(a, &b)| a == b);
    METHODS.iter().copied().find(|m| spells(m))
}

/// A parsed request head: the request line and the fields, in arrival order.
#[derive(Debug, Clone)]
pub struct RequestHead {
    /// The method, as sent (`GET`): always one of [`METHODS`], so no copy of it is made.
    pub method: &'static str,
    /// The version.
    pub version: Version,
    /// The fields ([`RequestHead::fields`]).
    fields: Fields,
    /// Where the request-target is in the fields' text ([`RequestHead::target`]).
    target: Span,
    /// What the fields say that a server acts on, noted as they were read, as Node's parser
    /// sets its flags: [`RequestHead::framing`], [`RequestHead::keep_alive`],
    /// [`RequestHead::expectation`], [`RequestHead::upgrade`].
    pub(super) facts: Facts,
}

/// Two heads are equal when they say the same, wherever in their texts it is (the facts are
/// the fields' and the version's, so equal with them).
impl PartialEq for RequestHead {
    fn eq(&self, other: &RequestHead) -> bool {
        (self.method, self.version, self.target()) == (other.method, other.version, other.target())
            && self.fields == other.fields
    }
}

impl Eq for RequestHead {}

impl RequestHead {
    /// A head a program builds itself (a parsed one comes from [`parse_request_head`]).
    pub fn new(method: &'static str, target: &str, version: Version, mut fields: Fields) -> Self {
        let mut facts = FactsReader::default();
        for &field in fields.places() {
            facts.note(fields.text(), field);
        }
        let facts = facts.facts(version);
        let target = fields.push_text(target);
        RequestHead {
            method,
            version,
            fields,
            target,
            facts,
        }
    }

    /// The fields: names as sent, values with surrounding whitespace removed and bytes above
    /// 0x7F read as Latin-1 (as Node shows them).
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The memory the head was parsed in, to read the next head into.
    pub(crate) fn into_buffer(self) -> Vec<u8> {
        self.fields.into_buffer()
    }

    /// The request-target, as sent (`/path?query`, `http://host/path`, `host:443`, `*`).
    pub fn target(&self) -> &str {
        self.fields.at(self.target)
    }

    /// Every value of the field `name` (case-insensitive), in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields.values(name)
    }

    /// The first value of the field `name` (case-insensitive).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.fields.value(name)
    }

    /// Whether a comma-separated field (`Connection`, `Upgrade`) holds `token`, in any case.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.fields.has_token(name, token)
    }

    /// The path the request names, without the query: `/a` for `/a?b`, and for an
    /// absolute-form target (`http://host/a?b`) its path, `/` if it has none.
    pub fn path(&self) -> &str {
        let mut target = self.target();
        // Only the absolute form has a scheme to skip; the origin form (nearly every request)
        // starts with its path, and is not searched for one.
        if !target.starts_with('/') {
            if let Some(scheme_end) = target.find("://") {
                let rest = &target[scheme_end + 3..];
                target = rest.find('/').map_or("/", |i| &rest[i..]);
            }
        }
        let end = target.bytes().position(|b| b == b'?' || b == b'#');
        &target[..end.unwrap_or(target.len())]
    }

    /// Whether the connection may stay open after the response (RFC 9112 §9.3): `close` in
    /// `Connection` ends it; otherwise HTTP/1.1 keeps it and HTTP/1.0 keeps it only if
    /// `Connection` holds `keep-alive`.
    pub fn keep_alive(&self) -> bool {
        self.facts.keep_alive
    }

    /// How the request's body is delimited (RFC 9112 §6.3): `Transfer-Encoding` ending in
    /// `chunked`; else `Content-Length`; else no body. The ambiguous cases are errors.
    pub fn framing(&self) -> Result<Framing, ParseError> {
        self.facts.framing
    }

    /// What `Expect` asks for. Only HTTP/1.1 requests may ask.
    pub fn expectation(&self) -> Expectation {
        self.facts.expectation
    }

    /// The first `Upgrade` value, if the request asks to switch protocols.
    pub fn upgrade(&self) -> Option<&str> {
        self.facts.upgrade.map(|place| self.fields.at(place))
    }
}

/// Fails as soon as the bytes cannot begin with one of [`METHODS`] and a space, as Node's
/// parser does: a client speaking TLS or another protocol to this port gets its `400` after its
/// first few bytes, not after a timeout. Looks at no more than the longest method's length.
pub(super) fn check_method_prefix(line: &[u8]) -> Result<(), ParseError> {
    const LONGEST: usize = 11; // "UNSUBSCRIBE"
    match line {
        [b'\n', ..] => return Err(ParseError::BareLineFeed),
        [b'\r'] => return Ok(()), // the first half of an empty line's CRLF
        _ => {}
    }
    let word_end = line.iter().take(LONGEST + 1).position(|&b| b == b' ');
    let word = &line[..word_end.unwrap_or(line.len().min(LONGEST + 1))];
    if word_end.is_some() && method(word).is_some() {
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

/// Parses a complete head (as [`find_head`](super::find_head) delimits it: request line
/// through the empty line).
/// Given in a `Vec` of its own (as the server's reader gives it), an ASCII head becomes the
/// fields' text without a copy.
///
/// ```
/// use netnotes::http::message::{parse_request_head, Version};
/// let head = parse_request_head(b"GET /a?b HTTP/1.1\r\nHost: x\r\nX-Y:  z \r\n\r\n", 2000).unwrap();
/// assert_eq!((head.method, head.path(), head.version), ("GET", "/a", Version::Http11));
/// assert_eq!(head.fields().iter().collect::<Vec<_>>(), [("Host", "x"), ("X-Y", "z")]);
/// ```
pub fn parse_request_head(
    head: impl Into<Vec<u8>>,
    max_fields: usize,
) -> Result<RequestHead, ParseError> {
    let text = head_text(head.into())?;
    let mut lines = Lines::of(&text);
    let (method, target, version) = parse_request_line(&text, lines.next().unwrap_or((0, 0)))?;
    let mut facts = FactsReader::default();
    let spans = parse_fields(&text, lines, max_fields, |field| facts.note(&text, field))?;
    let facts = facts.facts(version);
    if version == Version::Http11 && !facts.host {
        return Err(ParseError::MissingHost);
    }
    Ok(RequestHead {
        method,
        version,
        fields: Fields::parsed(text, spans),
        target,
        facts,
    })
}

/// `request-line = method SP request-target SP HTTP-version` (RFC 9112 §3), the line at
/// `span` of `text`. Runs of spaces between the parts are accepted, as Node does; leading or
/// trailing space and HTAB are not.
fn parse_request_line(
    text: &str,
    (start, end): Span,
) -> Result<(&'static str, Span, Version), ParseError> {
    let line = &text.as_bytes()[start as usize..end as usize];
    // The three parts, each up to the next space, with runs of spaces between them. No part
    // may be missing, and nothing may come before the first or after the last.
    match request_line_parts(line) {
        Ok(parsed) => Ok(parsed),
        // A line that does not begin with a method is refused for that, as the head finder
        // refuses a head that is still coming.
        Err(e) => Err(check_method_prefix(line).err().unwrap_or(e)),
    }
    .map(|(method, (target_start, target_end), version)| {
        let target = (start + to_u32(target_start), start + to_u32(target_end));
        (method, target, version)
    })
}

/// [`parse_request_line`] of the line alone: the method, where the target is in the line,
/// and the version.
fn request_line_parts(line: &[u8]) -> Result<(&'static str, (usize, usize), Version), ParseError> {
    let mut parts = [(0, 0); 3];
    let mut i = 0;
    for part in &mut parts {
        if i == line.len() || line[i] == b' ' {
            return Err(ParseError::BadRequestLine);
        }
        let from = i;
        while i < line.len() && line[i] != b' ' {
            i += 1;
        }
        *part = (from, i);
        while i < line.len() && line[i] == b' ' {
            i += 1;
        }
    }
    if i < line.len() || line.last() == Some(&b' ') {
        return Err(ParseError::BadRequestLine);
    }
    let [method, target, version] = parts.map(|(from, to)| &line[from..to]);
    let Some(method) = self::method(method) else {
        // Not a method of the list; an HTAB in it means the parts were not split by spaces.
        return Err(match method.contains(&b'\t') {
            true => ParseError::BadRequestLine,
            false => ParseError::UnknownMethod,
        });
    };
    if !target.iter().all(|&b| (0x21..=0x7e).contains(&b)) {
        return Err(ParseError::BadTarget);
    }
    let version = match version {
        b"HTTP/1.1" => Version::Http11,
        b"HTTP/1.0" => Version::Http10,
        _ => return Err(ParseError::BadVersion),
    };
    Ok((method, parts[1], version))
}

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
    pub fields: Fields,
}

impl ResponseHead {
    /// Every value of the field `name` (case-insensitive), in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields.values(name)
    }

    /// The first value of the field `name` (case-insensitive).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.fields.value(name)
    }

    /// Whether a comma-separated field (`Connection`) holds `token`, in any case.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.fields.has_token(name, token)
    }

    /// Whether the server keeps the connection open after this response (RFC 9112 §9.3):
    /// `Connection: close` ends it; HTTP/1.1 keeps it otherwise; HTTP/1.0 only with
    /// `Connection: keep-alive`. (A close-delimited body ends it too: see
    /// [`ResponseFraming::UntilClose`](super::ResponseFraming::UntilClose).)
    pub fn keep_alive(&self) -> bool {
        let mut persistence = Persistence::default();
        self.values("connection").for_each(|v| persistence.note(v));
        persistence.keeps(self.version)
    }
}

impl ResponseHead {
    /// How the body of this response to a `method` request is delimited (RFC 9112 §6.3):
    ///
    /// 1. `HEAD`, 1xx, 204 and 304 have none, whatever the fields say (a `Content-Length` must
    ///    still be one valid value);
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
        response_framing(
            method,
            self.status,
            &FramingFields::read(self.fields.iter()),
        )
    }
}

/// Parses a complete response head (as [`find_response_head`](super::find_response_head)
/// delimits it).
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
pub fn parse_response_head(
    head: impl Into<Vec<u8>>,
    max_fields: usize,
) -> Result<ResponseHead, ParseError> {
    let text = head_text(head.into())?;
    let mut lines = Lines::of(&text);
    let (start, end) = lines.next().unwrap_or((0, 0));
    let status_line = &text.as_bytes()[start as usize..end as usize];
    let (version, status, reason) = parse_status_line(status_line)?;
    let spans = parse_fields(&text, lines, max_fields, |_| {})?;
    Ok(ResponseHead {
        version,
        status,
        reason,
        fields: Fields::parsed(text, spans),
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
    if !reason.iter().all(|&b| is_field_byte(b)) {
        return Err(ParseError::BadStatus);
    }
    let status = code.iter().fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
    let reason = latin1(reason);
    Ok((version, status, reason))
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::find::{find_head, find_response_head, HeadScan};
    use super::super::Framing;
    use super::*;

    pub(crate) fn parse(bytes: &[u8]) -> Result<RequestHead, ParseError> {
        match find_head(bytes, 0, MAX_HEADER_BYTES)? {
            HeadScan::Complete { start, end } => {
                parse_request_head(&bytes[start..end], MAX_HEADERS)
            }
            HeadScan::Incomplete { .. } => panic!("incomplete head: {bytes:?}"),
        }
    }

    pub(crate) fn req(fields: &str) -> Vec<u8> {
        format!("POST / HTTP/1.1\r\nHost: a\r\n{fields}\r\n").into_bytes()
    }

    #[test]
    fn each_method_is_found() {
        for m in METHODS {
            assert_eq!(method(m.as_bytes()), Some(m));
        }
        for word in ["", "get", "GETS", "GE", "M-SEARCH ", "ZZZ"] {
            assert_eq!(method(word.as_bytes()), None, "{word}");
        }
    }

    #[test]
    fn a_plain_request() {
        let head = parse(b"GET /x?y=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n").unwrap();
        assert_eq!(head.method, "GET");
        assert_eq!(head.target(), "/x?y=1");
        assert_eq!(head.path(), "/x");
        assert_eq!(head.version.as_str(), "1.1");
        assert_eq!(head.value("ACCEPT"), Some("*/*"));
        assert!(head.keep_alive());
        assert_eq!(head.framing(), Ok(Framing::None));
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
        // A URL in the query of an origin-form target is not a scheme to skip.
        assert_eq!(path("/go?to=http://h/x"), "/go");
    }

    pub(crate) fn response(bytes: &[u8]) -> Result<ResponseHead, ParseError> {
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
    fn responses_keep_the_connection_by_version_and_connection() {
        let keep = |bytes: &[u8]| response(bytes).unwrap().keep_alive();
        assert!(keep(b"HTTP/1.1 200 OK\r\n\r\n"));
        assert!(!keep(b"HTTP/1.1 200 OK\r\nConnection: x, Close\r\n\r\n"));
        assert!(!keep(b"HTTP/1.0 200 OK\r\n\r\n"));
        assert!(keep(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n"));
    }
}
