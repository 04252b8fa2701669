//! HTTP报文, where a head ends: the empty line after the fields (RFC 9112 §2.1), found in bytes
//! that arrive piece by piece, under the head's bound, with the empty lines a peer may send
//! before a start line (§2.2) skipped, and a start line that cannot be HTTP refused from its
//! first bytes.

use super::head::check_method_prefix;
use super::ParseError;

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
    let start = empty_lines(buf);
    check_method_prefix(&buf[start..])?;
    scan_to_empty_line(buf, start, from, max_bytes)
}

/// How many bytes of empty lines (CRLFs) `buf` starts with: RFC 9112 §2.2 lets a recipient
/// skip them before a start line. [`find_head`], [`find_response_head`] and [`HeadFinder`]
/// all skip by this one rule.
fn empty_lines(buf: &[u8]) -> usize {
    let mut n = 0;
    while buf[n..].starts_with(b"\r\n") {
        n += 2;
    }
    n
}

/// The part of [`find_head`] and [`find_response_head`] that does not care about the start
/// line: look for CRLF CRLF from `from.max(start)` on, refusing bare LFs and long heads.
fn scan_to_empty_line(
    buf: &[u8],
    start: usize,
    from: usize,
    max_bytes: usize,
) -> Result<HeadScan, ParseError> {
    let mut from = from.max(start);
    while let Some(offset) = buf[from..].iter().position(|&b| b == b'\n') {
        let i = from + offset;
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
        from = i + 1;
    }
    if buf.len() - start > max_bytes {
        return Err(ParseError::HeadTooLarge);
    }
    Ok(HeadScan::Incomplete { resume: buf.len() })
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
    let start = empty_lines(buf);
    let line = &buf[start..];
    let seen = line.len().min(5);
    if line != b"\r" && line[..seen] != b"HTTP/"[..seen] {
        return Err(ParseError::ExpectedHttp);
    }
    scan_to_empty_line(buf, start, from, max_bytes)
}

/// Finds one head in bytes that arrive piece by piece and are used up as they go (a
/// connection's inbox): [`find_head`] or [`find_response_head`], resumed where it stopped,
/// with the empty lines a peer may send before the start line (RFC 9112 §2.2) dropped as
/// they come — never kept, never looked at twice — and counted toward the head's bound, so a
/// peer that sends nothing but CRLFs reaches [`ParseError::HeadTooLarge`] like one that
/// sends a long head. A request head still coming is judged by its first bytes, as
/// [`find_head`] judges it; a whole one is the parser's to judge, which checks its method
/// first, by the same rule ([`parse_request_head`](super::parse_request_head)), so that the
/// method is looked up once per request.
///
/// ```
/// use netnotes::http::message::{Found, HeadFinder};
/// let mut finder = HeadFinder::request(16384);
/// assert_eq!(finder.find(b"\r\n\r\nGET / HTTP/1.1\r\n"), Ok(Found::EmptyLines(4)));
/// assert_eq!(finder.find(b"GET / HTTP/1.1\r\n"), Ok(Found::NotYet));
/// assert_eq!(finder.find(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"), Ok(Found::Head(27)));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct HeadFinder {
    response: bool,
    max_bytes: usize,
    /// Bytes of empty lines dropped so far.
    skipped: usize,
    /// Where the next scan may start.
    resume: usize,
}

/// What [`HeadFinder::find`] found at the start of the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// This many bytes of empty lines: drop them, then look again.
    EmptyLines(usize),
    /// The start of a head, not yet its end: read more, then look again.
    NotYet,
    /// A whole head, its final empty line included, ending here.
    Head(usize),
}

impl HeadFinder {
    /// A finder for a request head of at most `max_bytes`, empty lines before it included.
    pub fn request(max_bytes: usize) -> HeadFinder {
        HeadFinder {
            response: false,
            max_bytes,
            skipped: 0,
            resume: 0,
        }
    }

    /// A finder for a response head of at most `max_bytes`, empty lines before it included.
    pub fn response(max_bytes: usize) -> HeadFinder {
        HeadFinder {
            response: true,
            ..HeadFinder::request(max_bytes)
        }
    }

    /// Looks at `buf`, the bytes not used yet, which hold what the last call was shown (less
    /// the empty lines it reported) and maybe more.
    pub fn find(&mut self, buf: &[u8]) -> Result<Found, ParseError> {
        let blank = empty_lines(buf);
        if blank > 0 {
            self.skipped += blank;
            if self.skipped > self.max_bytes {
                return Err(ParseError::HeadTooLarge);
            }
            self.resume = self.resume.saturating_sub(blank);
            return Ok(Found::EmptyLines(blank));
        }
        let max_bytes = self.max_bytes - self.skipped;
        let scan = if self.response {
            find_response_head(buf, self.resume, max_bytes)?
        } else {
            // A whole head is parsed next, and the parser checks its start line, the method
            // first, by the same rule (`parse_request_line`); only a head still coming is
            // judged by its first bytes here.
            match scan_to_empty_line(buf, 0, self.resume, max_bytes) {
                Ok(complete @ HeadScan::Complete { .. }) => complete,
                scan => {
                    check_method_prefix(buf)?;
                    scan?
                }
            }
        };
        Ok(match scan {
            HeadScan::Incomplete { resume } => {
                self.resume = resume;
                Found::NotYet
            }
            HeadScan::Complete { end, .. } => Found::Head(end),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::message::MAX_HEADER_BYTES;

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
    fn a_whole_head_s_method_is_refused_as_its_first_bytes_would_be() {
        // The finder leaves a whole request head's method to the parser: the answer must be
        // the one the finder gives the same head while it is still coming.
        for line in [
            &b"hello world"[..],
            b"\x16\x03\x01\x02\x00 / HTTP/1.1",
            b"GET2 / HTTP/1.1",
            b"GX / HTTP/1.1",
            b"get / HTTP/1.1",
            b" GET / HTTP/1.1",
            b"GET\t/ HTTP/1.1",
            b"UNSUBSCRIBEX / HTTP/1.1",
        ] {
            let whole = [line, b"\r\nHost: a\r\n\r\n"].concat();
            let coming = find_head(line, 0, MAX_HEADER_BYTES).unwrap_err();
            let mut finder = HeadFinder::request(MAX_HEADER_BYTES);
            assert_eq!(
                finder.find(&whole),
                Ok(Found::Head(whole.len())),
                "{line:?}"
            );
            let parsed = crate::http::message::parse_request_head(whole, 100).unwrap_err();
            assert_eq!(parsed, coming, "{line:?}");
        }
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

    /// Feeds `wire` to a finder `piece` bytes at a time, as a connection's inbox would hold
    /// them: what it found, and the most bytes it was ever shown at once.
    fn find_in_pieces(
        mut finder: HeadFinder,
        wire: &[u8],
        piece: usize,
    ) -> (Result<usize, ParseError>, usize) {
        let (mut inbox, mut at, mut most) = (Vec::new(), 0, 0);
        loop {
            most = most.max(inbox.len());
            match finder.find(&inbox) {
                Ok(Found::EmptyLines(n)) => drop(inbox.drain(..n)),
                Ok(Found::Head(end)) => return (Ok(end), most),
                Ok(Found::NotYet) if at < wire.len() => {
                    let end = (at + piece).min(wire.len());
                    inbox.extend_from_slice(&wire[at..end]);
                    at = end;
                }
                Ok(Found::NotYet) => panic!("no head in {wire:?}"),
                Err(e) => return (Err(e), most),
            }
        }
    }

    #[test]
    fn empty_lines_are_dropped_as_they_come_and_count_toward_the_bound() {
        let head = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        let mut wire = b"\r\n".repeat(100);
        wire.extend_from_slice(head);
        for piece in [1, 2, 3, 7, wire.len()] {
            let (found, most) = find_in_pieces(HeadFinder::request(MAX_HEADER_BYTES), &wire, piece);
            assert_eq!(found, Ok(head.len()), "piece {piece}");
            assert!(
                most <= piece + head.len(),
                "piece {piece}: held {most} bytes"
            );
        }
        // The bound counts them: 200 bytes of empty lines and a 27-byte head fit in 227.
        let bound = |max| find_in_pieces(HeadFinder::request(max), &wire, 5).0;
        assert_eq!(bound(227), Ok(head.len()));
        assert_eq!(bound(226), Err(ParseError::HeadTooLarge));
        assert_eq!(bound(199), Err(ParseError::HeadTooLarge));
        // Nothing but empty lines, for ever: refused once they pass the bound, having held
        // no more than one piece at a time.
        let endless = b"\r\n".repeat(MAX_HEADER_BYTES);
        let (found, most) = find_in_pieces(HeadFinder::request(MAX_HEADER_BYTES), &endless, 1000);
        assert_eq!((found, most), (Err(ParseError::HeadTooLarge), 1000));
        let mut response = b"\r\n".repeat(3);
        response.extend_from_slice(b"HTTP/1.1 200 OK\r\n\r\n");
        let (found, _) = find_in_pieces(HeadFinder::response(MAX_HEADER_BYTES), &response, 1);
        assert_eq!(found, Ok(19));
        let (found, _) = find_in_pieces(HeadFinder::response(MAX_HEADER_BYTES), b"\r\nx", 1);
        assert_eq!(found, Err(ParseError::ExpectedHttp));
    }
}
