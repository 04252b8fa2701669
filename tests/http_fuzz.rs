//! A deterministic, std-only fuzz test of the HTTP message parser (`http::message`): seeded
//! mutations of valid requests — truncations, splices, flipped and random bytes, huge numbers —
//! fed whole and in random pieces. It asserts what must hold for any input: no panic, the same
//! answer however the bytes are split, a parsed head that obeys the rules it was checked
//! against, and a bounded amount of work.

use netnotes::http::message::{
    find_head, parse_request_head, ChunkedDecoder, Framing, HeadScan, ParseError, RequestHead,
    MAX_HEADERS, MAX_HEADER_BYTES,
};
use std::time::{Duration, Instant};

/// xorshift64*: a tiny, seeded generator, so every run tries the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SEEDS: &[&[u8]] = &[
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n",
    b"\r\nHEAD /x?y HTTP/1.0\r\nConnection: keep-alive\r\nX:  v \r\n\r\n",
    b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\nExpect: 100-continue\r\n\r\n",
];

const INSERTS: &[&[u8]] = &[
    b"\r\n",
    b"\n",
    b"\r",
    b" ",
    b"\t",
    b":",
    b"\0",
    b"\x7f",
    b"\xff",
    b";",
    b",",
    b"Content-Length: 18446744073709551616\r\n",
    b"Content-Length: 3\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"ffffffffffffffffffff\r\n",
    b"HTTP/1.1",
    b"0\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: b\r\n\r\n",
];

fn mutate(rng: &mut Rng) -> Vec<u8> {
    let mut bytes = rng.pick(SEEDS).to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 => bytes.truncate(at),
            1 => {
                let insert = rng.pick(INSERTS);
                bytes.splice(at..at, insert.iter().copied());
            }
            2 if at < bytes.len() => bytes[at] ^= 1 << rng.below(8),
            3 if at < bytes.len() => bytes[at] = rng.next() as u8,
            4 => {
                let other = rng.pick(SEEDS);
                let from = rng.below(other.len());
                bytes.splice(at..at, other[from..].iter().copied());
            }
            _ => {
                let len = rng.below(64);
                let noise: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                bytes.splice(at..at, noise);
            }
        }
    }
    bytes
}

/// What the parser makes of a whole buffer.
#[derive(Debug, PartialEq)]
enum Outcome {
    Incomplete,
    Rejected(ParseError),
    Head(Box<RequestHead>, Result<Framing, ParseError>, usize),
}

fn parse_whole(bytes: &[u8]) -> Outcome {
    match find_head(bytes, 0, MAX_HEADER_BYTES) {
        Err(e) => Outcome::Rejected(e),
        Ok(HeadScan::Incomplete { .. }) => Outcome::Incomplete,
        Ok(HeadScan::Complete { start, end }) => {
            match parse_request_head(&bytes[start..end], MAX_HEADERS) {
                Err(e) => Outcome::Rejected(e),
                Ok(head) => {
                    let framing = head.framing();
                    Outcome::Head(Box::new(head), framing, end)
                }
            }
        }
    }
}

/// The same, with the bytes arriving in random pieces and the scan resumed each time.
fn parse_in_pieces(bytes: &[u8], rng: &mut Rng) -> Outcome {
    let mut resume = 0;
    let mut have = 0;
    loop {
        have = (have + 1 + rng.below(8)).min(bytes.len());
        match find_head(&bytes[..have], resume, MAX_HEADER_BYTES) {
            Err(e) => return Outcome::Rejected(e),
            Ok(HeadScan::Incomplete { resume: r }) if have < bytes.len() => resume = r,
            Ok(HeadScan::Incomplete { .. }) => return Outcome::Incomplete,
            Ok(HeadScan::Complete { .. }) => return parse_whole(&bytes[..have]),
        }
    }
}

/// Decodes a chunked body in random pieces; returns the data and the bytes used, or the error.
fn dechunk(body: &[u8], rng: &mut Rng) -> Result<(Vec<u8>, usize), ParseError> {
    let mut decoder = ChunkedDecoder::new(MAX_HEADER_BYTES);
    let mut data = Vec::new();
    let mut at = 0;
    let mut steps = 0;
    while !decoder.is_done() && at < body.len() {
        let end = (at + 1 + rng.below(16)).min(body.len());
        let (used, range) = decoder.decode(&body[at..end], 1 + rng.below(8))?;
        data.extend_from_slice(&body[at..end][range]);
        at += used;
        steps += 1;
        assert!(steps <= 2 * body.len() + 2, "the decoder made no progress");
    }
    Ok((data, at))
}

#[test]
fn the_parser_survives_mutated_requests_and_agrees_with_itself() {
    let started = Instant::now();
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let (mut heads, mut rejected, mut bodies) = (0, 0, 0);
    for _ in 0..20_000 {
        let bytes = mutate(&mut rng);
        let whole = parse_whole(&bytes);
        assert_eq!(whole, parse_in_pieces(&bytes, &mut rng), "{bytes:?}");
        match whole {
            Outcome::Rejected(e) => {
                rejected += 1;
                assert!(matches!(e.status(), 400 | 431), "{e:?}");
            }
            Outcome::Incomplete => {}
            Outcome::Head(head, framing, end) => {
                heads += 1;
                // What the parser let through obeys the rules it enforces.
                assert!(netnotes::http::message::METHODS.contains(&head.method));
                assert!(head.target().bytes().all(|b| (0x21..=0x7e).contains(&b)));
                assert!(head.fields().iter().all(|(n, v)| !n.is_empty()
                    && !v.starts_with([' ', '\t'])
                    && !v.contains(['\r', '\n', '\0'])));
                if let Ok(Framing::Chunked) = framing {
                    let body = &bytes[end..];
                    let once = dechunk(body, &mut Rng(1));
                    let again = dechunk(body, &mut rng);
                    match (&once, &again) {
                        (Ok((a, _)), Ok((b, _))) => {
                            bodies += 1;
                            assert!(a.starts_with(b) || b.starts_with(a), "{body:?}");
                        }
                        (Err(a), Err(b)) => assert_eq!(a, b, "{body:?}"),
                        // One split reached an error the other had no bytes left to reach.
                        _ => {}
                    }
                }
            }
        }
    }
    // The mutations reach every kind of outcome, or the test proves little.
    assert!(
        heads > 1000 && rejected > 1000 && bodies > 100,
        "{heads} {rejected} {bodies}"
    );
    // A hang detector, not a benchmark: 20,000 small inputs take well under a second.
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn huge_and_endless_inputs_are_cut_at_the_limit() {
    // A head that never ends is refused once it passes the limit, after one pass over it.
    let mut endless = b"GET /".to_vec();
    endless.resize(4 * MAX_HEADER_BYTES, b'a');
    let mut resume = 0;
    let mut refused_at = None;
    for have in (1024..=endless.len()).step_by(1024) {
        match find_head(&endless[..have], resume, MAX_HEADER_BYTES) {
            Ok(HeadScan::Incomplete { resume: r }) => resume = r,
            Err(e) => {
                assert_eq!(e, ParseError::HeadTooLarge);
                refused_at = Some(have);
                break;
            }
            Ok(done) => panic!("{done:?}"),
        }
    }
    assert_eq!(refused_at, Some(MAX_HEADER_BYTES + 1024));
    // A chunk size of 2^64 and more is an overflow, not a wrapped small number.
    for size in [
        "10000000000000000",
        "ffffffffffffffffff",
        "99999999999999999999",
    ] {
        let body = format!("{size}\r\nx\r\n0\r\n\r\n");
        let mut decoder = ChunkedDecoder::new(64);
        assert_eq!(
            decoder.decode(body.as_bytes(), usize::MAX),
            Err(ParseError::ChunkSizeOverflow),
            "{size}"
        );
    }
}
