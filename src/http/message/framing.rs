//! HTTP报文, how long the body is (RFC 9112 §6): what `Content-Length` and
//! `Transfer-Encoding` declare, the rules that decide a request's and a response's framing
//! from them, which responses have no body at all; and the other facts a server acts on, noted
//! as a request's fields are parsed: whether the connection stays open (`Connection`, §9.3),
//! what `Expect` asks for, `Upgrade`.

use super::fields::{at, Span};
use super::list::{has_token, list_elements, trim_ows};
use super::{ParseError, Version};

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

/// What a server must know of a request before it answers it, as a head keeps it: noted while
/// its fields are parsed, as Node's parser sets its flags field by field, so that no one reads
/// the fields again to find them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Facts {
    pub(super) framing: Result<Framing, ParseError>,
    pub(super) keep_alive: bool,
    pub(super) expectation: Expectation,
    /// Where the first `Upgrade` value is in the fields' text.
    pub(super) upgrade: Option<Span>,
    /// Whether a `Host` field came.
    pub(super) host: bool,
}

/// What `Connection` says of the connection (RFC 9112 §9.3), the same rule for requests and
/// responses: `close` ends it; otherwise HTTP/1.1 keeps it and HTTP/1.0 keeps it only if
/// `Connection` holds `keep-alive`. Noted one `Connection` line at a time.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Persistence {
    close: bool,
    keep_alive: bool,
}

impl Persistence {
    /// Notes the tokens of one `Connection` value.
    pub(crate) fn note(&mut self, value: &str) {
        self.close |= has_token(value, "close");
        self.keep_alive |= has_token(value, "keep-alive");
    }

    /// Whether a value noted holds `close`: the connection ends after this message, whatever
    /// else is said (RFC 9112 §9.6 for a server that sends it).
    pub(crate) fn closes(self) -> bool {
        self.close
    }

    /// Whether the connection stays open after a message of `version` with the values noted.
    pub(super) fn keeps(self, version: Version) -> bool {
        !self.closes() && (version == Version::Http11 || self.keep_alive)
    }
}

/// Notes the fields of a request head one at a time, then gives its [`Facts`].
#[derive(Debug, Default)]
pub(super) struct FactsReader<'a> {
    framing: FramingFields<'a>,
    persistence: Persistence,
    expect: Option<&'a str>,
    upgrade: Option<Span>,
    host: bool,
}

impl<'a> FactsReader<'a> {
    /// Notes the field whose name and value are at these places of the head's text.
    pub(super) fn note(&mut self, text: &'a str, (name, place): (Span, Span)) {
        // The name is compared as bytes (a name is a token, ASCII), and only the value of a
        // name that matters is made into a `&str`.
        let name = &text.as_bytes()[name.0 as usize..name.1 as usize];
        let value = || at(text, place);
        if self.framing.note_with(name, value) {
            return;
        }
        if name.eq_ignore_ascii_case(b"host") {
            self.host = true;
        } else if name.eq_ignore_ascii_case(b"connection") {
            self.persistence.note(value());
        } else if name.eq_ignore_ascii_case(b"expect") {
            self.expect = self.expect.or_else(|| Some(value()));
        } else if name.eq_ignore_ascii_case(b"upgrade") {
            self.upgrade = self.upgrade.or(Some(place));
        }
    }

    /// The facts of a request of `version` with the fields noted.
    pub(super) fn facts(self, version: Version) -> Facts {
        // Only HTTP/1.1 requests may ask (RFC 9110 §10.1.1: a server MAY ignore `Expect` in
        // HTTP/1.0, and Node does).
        let expectation = match self.expect {
            _ if version != Version::Http11 => Expectation::None,
            None => Expectation::None,
            Some(v) if v.eq_ignore_ascii_case("100-continue") => Expectation::Continue,
            Some(_) => Expectation::Unknown,
        };
        Facts {
            framing: request_framing(&self.framing),
            keep_alive: self.persistence.keeps(version),
            expectation,
            upgrade: self.upgrade,
            host: self.host,
        }
    }
}

/// A request's framing from its framing fields (RFC 9112 §6.3).
fn request_framing(fields: &FramingFields<'_>) -> Result<Framing, ParseError> {
    match fields.declared()? {
        Declared::Nothing => Ok(Framing::None),
        Declared::Length(n) => Ok(Framing::Length(n)),
        // RFC 9112 §6.3: in a request, chunked must be the last coding, and once.
        Declared::Codings(codings) if codings.chunked_last && codings.chunked == 1 => {
            Ok(Framing::Chunked)
        }
        Declared::Codings(_) => Err(ParseError::BadTransferEncoding),
    }
}

/// The framing fields of a message, `Content-Length` and `Transfer-Encoding` (RFC 9112 §6),
/// read in one pass and kept as read. The one reading of them: the parser decides a
/// request's or a response's framing from it, and the head writer checks a sender's fields
/// with it ([`check_framing`](super::check_framing)), so the two cannot disagree on what a
/// message declares.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FramingFields<'a> {
    /// The first `Content-Length` value, as given.
    pub(super) length: Option<&'a str>,
    /// Whether `Content-Length` is given more than once.
    repeated_length: bool,
    /// Whether `Transfer-Encoding` is given at all (even empty).
    transfer_encoding: bool,
    /// The transfer codings, as far as framing cares.
    codings: Codings,
}

/// What a `Transfer-Encoding` (all its lines, one list: RFC 9110 §5.6.1) says of `chunked`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Codings {
    /// How many times `chunked` is listed.
    pub(super) chunked: usize,
    /// Whether the last coding is `chunked`.
    pub(super) chunked_last: bool,
}

/// What a message's framing fields declare, before the rules for requests and responses part
/// ways (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Declared {
    /// Neither `Transfer-Encoding` nor `Content-Length`.
    Nothing,
    /// One valid `Content-Length`.
    Length(u64),
    /// `Transfer-Encoding` (and no `Content-Length`).
    Codings(Codings),
}

impl<'a> FramingFields<'a> {
    /// Reads the framing fields among `fields` (names compared without regard to case), in
    /// one pass, without allocating.
    pub(super) fn read(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut read = FramingFields::default();
        for (name, value) in fields {
            read.note(name, value);
        }
        read
    }

    /// Notes one field, if it is a framing field: whether it was (for a reader that goes
    /// through the fields once for more than their framing).
    pub(crate) fn note(&mut self, name: &str, value: &'a str) -> bool {
        self.note_with(name.as_bytes(), || value)
    }

    /// [`FramingFields::note`] of a value made only if the name is a framing field's.
    pub(super) fn note_with(&mut self, name: &[u8], value: impl FnOnce() -> &'a str) -> bool {
        if name.eq_ignore_ascii_case(b"content-length") {
            self.repeated_length |= self.length.is_some();
            self.length = self.length.or(Some(value()));
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            self.transfer_encoding = true;
            for coding in list_elements(value()) {
                self.codings.chunked_last = coding.eq_ignore_ascii_case("chunked");
                self.codings.chunked += usize::from(self.codings.chunked_last);
            }
        } else {
            return false;
        }
        true
    }

    /// The one `Content-Length`, if any: twice, even with equal values, or not `1*DIGIT`, is
    /// an error (RFC 9110 §8.6; Node's parser refuses both).
    pub(super) fn length(&self) -> Result<Option<u64>, ParseError> {
        if self.repeated_length {
            return Err(ParseError::DuplicateContentLength);
        }
        self.length.map(parse_content_length).transpose()
    }

    /// What the fields declare. `Transfer-Encoding` and `Content-Length` at once is a
    /// smuggling attempt (RFC 9112 §6.3), refused before anything else;
    /// then [`length`](Self::length)'s rules.
    pub(super) fn declared(&self) -> Result<Declared, ParseError> {
        if self.transfer_encoding {
            if self.length.is_some() {
                return Err(ParseError::ContentLengthWithTransferEncoding);
            }
            return Ok(Declared::Codings(self.codings));
        }
        Ok(match self.length()? {
            None => Declared::Nothing,
            Some(n) => Declared::Length(n),
        })
    }
}

/// `Content-Length = 1*DIGIT` (RFC 9110 §8.6): no sign, no hex, no list, not empty; leading
/// zeros are fine; the value must fit in a `u64`.
pub fn parse_content_length(value: &str) -> Result<u64, ParseError> {
    let value = trim_ows(value);
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::BadContentLength);
    }
    value.parse().map_err(|_| ParseError::BadContentLength)
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

/// A request's framing is a response's without [`ResponseFraming::UntilClose`] (a request
/// body cannot be ended by closing: there would be no way to answer it).
impl From<Framing> for ResponseFraming {
    fn from(framing: Framing) -> ResponseFraming {
        match framing {
            Framing::None => ResponseFraming::None,
            Framing::Length(n) => ResponseFraming::Length(n),
            Framing::Chunked => ResponseFraming::Chunked,
        }
    }
}

/// How the body of a response with `status` to a `method` request is delimited, given its
/// framing fields: [`ResponseHead::framing`](super::ResponseHead::framing)'s rules.
pub(super) fn response_framing(
    method: &str,
    status: u16,
    fields: &FramingFields<'_>,
) -> Result<ResponseFraming, ParseError> {
    if bodiless(method, status) {
        // The length frames nothing here, but it still says something (a HEAD's answer gives
        // the GET's length) and a proxy passes it on: a broken or repeated one is refused as on
        // any other response, as Node's parser refuses it.
        fields.length()?;
        return Ok(ResponseFraming::None);
    }
    if method == "CONNECT" && status / 100 == 2 {
        return Ok(ResponseFraming::None);
    }
    Ok(match fields.declared()? {
        Declared::Nothing => ResponseFraming::UntilClose,
        Declared::Length(n) => ResponseFraming::Length(n),
        // A response whose last coding is chunked is chunked (however many times chunked is
        // listed before it); any other runs until the close.
        Declared::Codings(codings) if codings.chunked_last => ResponseFraming::Chunked,
        Declared::Codings(_) => ResponseFraming::UntilClose,
    })
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

#[cfg(test)]
mod tests {
    use super::super::head::tests::{parse, req, response};
    use super::super::RequestHead;
    use super::*;

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
    fn facts_are_noted_alike_when_parsed_and_when_built() {
        use super::super::Fields;
        let heads = [
            "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nUpgrade: h2c\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: x, close\r\n\r\n",
            "GET / HTTP/1.0\r\nConnection: keep-alive\r\nExpect: 100-continue\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
        ];
        for text in heads {
            let parsed = parse(text.as_bytes()).unwrap();
            let fields = Fields::from_pairs(parsed.fields().iter());
            let built = RequestHead::new(parsed.method, parsed.target(), parsed.version, fields);
            let facts = |head: &RequestHead| {
                let upgrade = head.upgrade().map(str::to_string);
                (
                    head.framing(),
                    head.keep_alive(),
                    head.expectation(),
                    upgrade,
                )
            };
            assert_eq!(facts(&parsed), facts(&built), "{text:?}");
            assert_eq!(parsed, built, "{text:?}");
        }
        let upgrade = parse(heads[0].as_bytes()).unwrap();
        assert_eq!(upgrade.upgrade(), Some("websocket"), "the first Upgrade");
        let expecting = parse(heads[1].as_bytes()).unwrap();
        assert_eq!(expecting.framing(), Ok(Framing::Length(5)));
        assert_eq!(expecting.expectation(), Expectation::Continue);
        let twice = parse(heads[5].as_bytes()).unwrap();
        assert_eq!(twice.framing(), Err(ParseError::DuplicateContentLength));
        assert!(twice.keep_alive());
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
            assert_eq!(
                framing(status, &format!("{cl}{cl}"), method),
                Err(ParseError::DuplicateContentLength),
                "{status} {method}"
            );
            assert_eq!(
                framing(status, "Content-Length: -1\r\n", method),
                Err(ParseError::BadContentLength),
                "{status} {method}"
            );
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

    /// The head writer's check and the parser read framing fields the same way: what the
    /// writer sends, the parser reads as the writer meant it; what the writer refuses, the
    /// parser refuses with the same error, except where writing is stricter (a `chunked` that
    /// is not the last coding, or listed twice, which a response's reader still delimits).
    #[test]
    fn the_writer_and_the_parser_agree_on_framing_fields() {
        use super::super::{check_framing, DeclaredFraming, InvalidHead};
        const CL: &str = "Content-Length";
        const TE: &str = "Transfer-Encoding";
        let table: &[&[(&str, &str)]] = &[
            &[],
            &[("X", "1")],
            &[(CL, "12")],
            &[("content-length", "0")],
            &[(CL, " 007\t")],
            &[(CL, "18446744073709551615")],
            &[(CL, "18446744073709551616")],
            &[(CL, "abc")],
            &[(CL, "")],
            &[(CL, "-1")],
            &[(CL, "1,1")],
            &[(CL, "1"), (CL, "1")],
            &[(CL, "abc"), (CL, "1")],
            &[(CL, "1"), (CL, "abc")],
            &[(CL, "1"), (TE, "chunked")],
            &[(TE, "gzip"), (CL, "1")],
            &[(CL, "abc"), (TE, "chunked")],
            &[(TE, "chunked, chunked"), (CL, "1")],
            &[(CL, "1"), (CL, "1"), (TE, "chunked")],
            &[(TE, "chunked")],
            &[(TE, "CHUNKED")],
            &[(TE, "gzip, chunked")],
            &[(TE, "gzip"), ("transfer-encoding", "chunked")],
            &[(TE, "gzip")],
            &[(TE, "xchunked")],
            &[(TE, "")],
            &[(TE, " , ")],
            &[(TE, "chunked, gzip")],
            &[(TE, "chunked, chunked")],
            &[(TE, "chunked"), (TE, "chunked")],
            &[(TE, "chunked"), (TE, "gzip")],
        ];
        for &fields in table {
            let lines: String = fields
                .iter()
                .map(|(n, v)| format!("{n}: {v}\r\n"))
                .collect();
            let request = parse(&req(&lines)).unwrap().framing();
            let head = format!("HTTP/1.1 200 OK\r\n{lines}\r\n");
            let reply = response(head.as_bytes()).unwrap().framing("GET");
            match check_framing(fields.iter().copied()) {
                Ok(DeclaredFraming {
                    length,
                    chunked,
                    transfer_encoding,
                }) => {
                    let (expected_request, expected_reply) = match (length, transfer_encoding) {
                        (Some(n), _) => (Ok(Framing::Length(n)), ResponseFraming::Length(n)),
                        (None, false) => (Ok(Framing::None), ResponseFraming::UntilClose),
                        (None, true) if chunked => (Ok(Framing::Chunked), ResponseFraming::Chunked),
                        // Sendable in a response (it runs until the close), never in a request.
                        (None, true) => (
                            Err(ParseError::BadTransferEncoding),
                            ResponseFraming::UntilClose,
                        ),
                    };
                    assert_eq!(request, expected_request, "{fields:?}");
                    assert_eq!(reply, Ok(expected_reply), "{fields:?}");
                }
                Err(InvalidHead::ContentLength(value)) => {
                    assert_eq!(request, Err(ParseError::BadContentLength), "{fields:?}");
                    assert_eq!(reply, Err(ParseError::BadContentLength), "{fields:?}");
                    assert!(fields.contains(&(CL, value.as_str())), "{fields:?}");
                }
                Err(InvalidHead::Framing(ParseError::BadTransferEncoding)) => {
                    // Writing is stricter than reading a response, never than reading a request.
                    assert_eq!(request, Err(ParseError::BadTransferEncoding), "{fields:?}");
                    assert!(
                        matches!(reply, Ok(_) | Err(ParseError::BadTransferEncoding)),
                        "{fields:?}"
                    );
                }
                Err(InvalidHead::Framing(error)) => {
                    assert_eq!(request, Err(error), "{fields:?}");
                    assert_eq!(reply, Err(error), "{fields:?}");
                }
                Err(other) => panic!("{fields:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn bodiless_responses() {
        assert!(bodiless("HEAD", 200) && bodiless("GET", 204) && bodiless("GET", 304));
        assert!(bodiless("GET", 100) && !bodiless("GET", 200));
    }
}
