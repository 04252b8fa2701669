//! HTTP报文, how long the body is (RFC 9112 §6): what `Content-Length` and
//! `Transfer-Encoding` declare, the rules that decide a request's and a response's framing
//! from them, which responses have no body at all, and what `Expect` asks for.

use super::head::values_of;
use super::list::{list_elements, trim_ows};
use super::{ParseError, RequestHead, ResponseHead, Version};

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

impl RequestHead {
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
    if has_te {
        if values_of(fields, "content-length").next().is_some() {
            return Err(ParseError::ContentLengthWithTransferEncoding);
        }
        let codings = values_of(fields, "transfer-encoding")
            .flat_map(list_elements)
            .collect();
        return Ok(Declared::Codings(codings));
    }
    Ok(match content_length(fields)? {
        None => Declared::Nothing,
        Some(n) => Declared::Length(n),
    })
}

/// The one `Content-Length` of `fields`, if any: twice, even with equal values, or not
/// `1*DIGIT`, is an error (RFC 9110 §8.6; Node's parser refuses both).
fn content_length(fields: &[(String, String)]) -> Result<Option<u64>, ParseError> {
    let mut lengths = values_of(fields, "content-length");
    let Some(first) = lengths.next() else {
        return Ok(None);
    };
    if lengths.next().is_some() {
        return Err(ParseError::DuplicateContentLength);
    }
    parse_content_length(first).map(Some)
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
        if bodiless(method, self.status) {
            // The length frames nothing here, but it still says something (a HEAD's answer
            // gives the GET's length) and a proxy passes it on: a broken or repeated one is
            // refused as on any other response, as Node's parser refuses it.
            content_length(&self.fields)?;
            return Ok(ResponseFraming::None);
        }
        if method == "CONNECT" && self.status / 100 == 2 {
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

    #[test]
    fn bodiless_responses() {
        assert!(bodiless("HEAD", 200) && bodiless("GET", 204) && bodiless("GET", 304));
        assert!(bodiless("GET", 100) && !bodiless("GET", 200));
    }
}
