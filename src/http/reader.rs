//! HTTP报文 read off a connection: the one head reader of the server (requests), the client
//! (responses) and the WebSocket client (the handshake's answer).
//!
//! ```text
//!   inbox: [\r\n\r\n]            empty lines: dropped as they come, counted toward the bound
//!   inbox: [GET / HTTP/1.1\r\nHo] not yet: read more, if the deadline allows
//!   inbox: [...\r\n\r\nnext]      a head: parsed, consumed; "next" stays for the body
//! ```
//!
//! The bound ([`HeadFinder`]) holds for everything before the head's end, so a peer can make
//! a connection hold no more than one read's bytes beyond it; the deadline holds for the
//! whole head, so a peer that trickles a byte at a time, or sends empty lines for ever, is cut
//! off when it runs out, not merely when one read waits too long.

use super::message::{Found, HeadFinder, ParseError};
use crate::tcp::inbox::time_left;
use crate::tcp::Inbox;
use std::io;
use std::time::{Duration, Instant};

/// Why no head was read.
#[derive(Debug)]
pub enum HeadError {
    /// The bytes broke a rule of HTTP, or the bound ([`ParseError::HeadTooLarge`]).
    Parse(ParseError),
    /// The peer closed the connection first.
    Closed,
    /// A read failed, or the deadline passed (`TimedOut`, or `WouldBlock` from the socket's
    /// own timeout).
    Io(io::Error),
}

/// Reads into `inbox` until `finder` reports a whole head, then takes it out and parses it
/// with `parse`; the bytes after it stay in `inbox`. The whole head must have come by
/// `deadline`. `read` is one read from the connection, appended to the buffer it is given,
/// waiting at most the time it is given.
pub fn read_head<H>(
    inbox: &mut Inbox,
    mut finder: HeadFinder,
    deadline: Instant,
    mut read: impl FnMut(&mut Vec<u8>, Duration) -> io::Result<usize>,
    parse: impl FnOnce(Vec<u8>) -> Result<H, ParseError>,
) -> Result<H, HeadError> {
    loop {
        match finder.find(inbox.available()).map_err(HeadError::Parse)? {
            Found::EmptyLines(n) => inbox.consume(n),
            Found::Head(end) => {
                return parse(inbox.take_front(end)).map_err(HeadError::Parse);
            }
            Found::NotYet => {
                let wait = time_left(deadline).map_err(HeadError::Io)?;
                match inbox.fill_with(|buf| read(buf, wait)) {
                    Ok(0) => return Err(HeadError::Closed),
                    Ok(_) => {}
                    Err(e) => return Err(HeadError::Io(e)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::message::{parse_request_head, MAX_HEADERS};
    use std::io::ErrorKind;

    /// A connection that delivers `pieces`, one a read, then closes.
    fn reads(
        pieces: Vec<&'static [u8]>,
    ) -> impl FnMut(&mut Vec<u8>, Duration) -> io::Result<usize> {
        let mut pieces = pieces.into_iter();
        move |buf, _| {
            let piece = pieces.next().unwrap_or_default();
            buf.extend_from_slice(piece);
            Ok(piece.len())
        }
    }

    fn parse(head: Vec<u8>) -> Result<String, ParseError> {
        parse_request_head(head, MAX_HEADERS).map(|h| h.target().to_string())
    }

    #[test]
    fn a_head_in_pieces_after_empty_lines_leaves_what_follows() {
        let mut inbox = Inbox::default();
        let pieces = vec![
            &b"\r\n\r"[..],
            b"\nGET /a HT",
            b"TP/1.1\r\nHost: a\r\n\r\nbody",
        ];
        let deadline = Instant::now() + Duration::from_secs(60);
        let head = read_head(
            &mut inbox,
            HeadFinder::request(64),
            deadline,
            reads(pieces),
            parse,
        );
        assert_eq!(head.unwrap(), "/a");
        assert_eq!(inbox.available(), b"body");
    }

    #[test]
    fn the_bound_counts_empty_lines_and_the_deadline_the_whole_head() {
        let mut inbox = Inbox::default();
        let crlfs: Vec<&[u8]> = vec![b"\r\n\r\n\r\n\r\n"; 100];
        let deadline = Instant::now() + Duration::from_secs(60);
        let head = read_head(
            &mut inbox,
            HeadFinder::request(64),
            deadline,
            reads(crlfs),
            parse,
        );
        assert!(
            matches!(head, Err(HeadError::Parse(ParseError::HeadTooLarge))),
            "{head:?}"
        );

        let past = Instant::now();
        let head = read_head(
            &mut inbox,
            HeadFinder::request(64),
            past,
            reads(vec![]),
            parse,
        );
        assert!(matches!(head, Err(HeadError::Io(e)) if e.kind() == ErrorKind::TimedOut));
        let head = read_head(
            &mut Inbox::default(),
            HeadFinder::request(64),
            deadline,
            reads(vec![b"GET"]),
            parse,
        );
        assert!(matches!(head, Err(HeadError::Closed)), "{head:?}");
    }
}
