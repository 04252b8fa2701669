//! The baseline made strict: the plain server of `baseline.rs`, with the work each request
//! of `http-server`'s `/` must cost whatever shape the code takes, written as tightly as we
//! could: one pass over the head with a table of byte classes, and the response composed
//! straight into one buffer. `--baseline http-strict`.
//!
//! Per request it does what http-server checks and decides, no more: the request line (a
//! method of Node's list, a target of visible ASCII, HTTP/1.0 or 1.1), each field line (a
//! token, a colon, a value of field bytes, no bare LF, no obs-fold, at most 2,000 lines),
//! `Host` required of 1.1, the framing (`Content-Length` as `1*DIGIT`, once; not beside
//! `Transfer-Encoding`), `Connection`, `Expect` and `Upgrade` noted, the head checked as
//! UTF-8 (what safe Rust asks before bytes may be read as `&str`, as a handler reads them), the
//! deadline read from the clock; then the handler's status and field checked, the `Date` line
//! (cached for the second), `Connection` and `Keep-Alive`, and a chunked body. What it leaves
//! out is what this request never reaches: events, traces, bodies, Latin-1 text, errors
//! answered.
//!
//! So it is the floor of any HTTP server of this design that answers as ours does: the
//! calibration (`cargo bench --bench perf -- calibrate`) sets ours against it.

use netnotes::http::message::{
    has_token, http_date, is_field_byte, is_tchar, list_elements, parse_content_length,
    reason_phrase, METHODS,
};
use std::cell::RefCell;
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const TOKEN: u8 = 1; // tchar, RFC 9110 §5.6.2
const VALUE: u8 = 2; // a field value's byte: HTAB, SP, VCHAR, obs-text (RFC 9110 §5.5)
const TARGET: u8 = 4; // a request-target's byte: visible ASCII

/// Each byte's classes.
const CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if is_tchar(byte) {
            table[b] |= TOKEN;
        }
        if is_field_byte(byte) {
            table[b] |= VALUE;
        }
        if matches!(byte, 0x21..=0x7e) {
            table[b] |= TARGET;
        }
        b += 1;
    }
    table
};

/// What the server must know of a request head to answer it.
#[allow(dead_code)] // read only through black_box
struct Head {
    close: bool,
    length: Option<u64>,
    chunked: bool,
    expect: bool,
    upgrade: bool,
    started: Instant,
}

/// Serves as `baseline::http` does, each answer composed for its request.
pub fn http(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 4096];
    let mut out = Vec::with_capacity(512);
    let mut len = 0;
    loop {
        match stream.read(&mut buf[len..])? {
            0 => return Ok(()),
            n => len += n,
        }
        while let Some(end) = find_end(&buf[..len]) {
            let Some(head) = parse(&buf[..end]) else {
                return Ok(()); // not the generator's
            };
            black_box(&head);
            out.clear();
            answer(
                &mut out,
                &head,
                200,
                &[("Content-Type", "text/plain")],
                b"Hello World\n",
            );
            stream.write_all(&out)?;
            buf.copy_within(end..len, 0);
            len -= end;
        }
        if len == buf.len() {
            return Ok(());
        }
    }
}

/// One past the head's empty line, if it has come (a search for four bytes known here,
/// which the compiler makes a few comparisons).
fn find_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// The request line and the fields, every byte checked by its class.
fn parse(head: &[u8]) -> Option<Head> {
    std::str::from_utf8(black_box(head)).ok()?;
    let mut i = 0;
    let word = |i: &mut usize, class: u8| {
        let start = *i;
        while CLASS[usize::from(head[*i])] & class != 0 {
            *i += 1;
        }
        &head[start..*i]
    };
    let method = word(&mut i, TOKEN);
    METHODS.iter().find(|m| m.as_bytes() == method)?;
    spaces(head, &mut i)?;
    let target = word(&mut i, TARGET);
    spaces(head, &mut i)?;
    let version = head.get(i..i + 10)?;
    let http11 = match version {
        b"HTTP/1.1\r\n" => true,
        b"HTTP/1.0\r\n" => false,
        _ => return None,
    };
    if target.is_empty() {
        return None;
    }
    i += 10;
    let mut parsed = Head {
        close: !http11,
        length: None,
        chunked: false,
        expect: false,
        upgrade: false,
        started: Instant::now(),
    };
    let (mut host, mut lines) = (false, 0);
    while head[i] != b'\r' {
        lines += 1;
        let name = word(&mut i, TOKEN);
        if name.is_empty() || head[i] != b':' || lines > 2000 {
            return None;
        }
        i += 1;
        while matches!(head[i], b' ' | b'\t') {
            i += 1;
        }
        let value = word(&mut i, VALUE);
        if head.get(i..i + 2)? != b"\r\n" {
            return None;
        }
        i += 2;
        // The value as text, for the crate's own readings of the fields that matter (the head
        // was checked as UTF-8, and a value ends at an ASCII byte).
        let value = value.trim_ascii_end();
        let text = || std::str::from_utf8(value).ok();
        match name.len() {
            4 if name.eq_ignore_ascii_case(b"host") => host = true,
            6 if name.eq_ignore_ascii_case(b"expect") => parsed.expect = true,
            7 if name.eq_ignore_ascii_case(b"upgrade") => parsed.upgrade = true,
            10 if name.eq_ignore_ascii_case(b"connection") => {
                parsed.close |= has_token(text()?, "close");
            }
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                if parsed.length.is_some() {
                    return None;
                }
                parsed.length = Some(parse_content_length(text()?).ok()?);
            }
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                let last = list_elements(text()?).last().unwrap_or_default();
                parsed.chunked = last.eq_ignore_ascii_case("chunked");
            }
            _ => {}
        }
    }
    if (http11 && !host) || (parsed.chunked && parsed.length.is_some()) {
        return None;
    }
    Some(parsed)
}

/// At least one space.
fn spaces(head: &[u8], i: &mut usize) -> Option<()> {
    let start = *i;
    while head[*i] == b' ' {
        *i += 1;
    }
    (*i > start).then_some(())
}

thread_local! {
    /// The `Date` line and the second it is for.
    static DATE: RefCell<(u64, Vec<u8>)> = const { RefCell::new((u64::MAX, Vec::new())) };
}

/// The response: status line, the handler's fields (checked), `Date`, `Connection`, the
/// framing, and `body` as one chunk and the last chunk.
fn answer(out: &mut Vec<u8>, head: &Head, status: u16, fields: &[(&str, &str)], body: &[u8]) {
    assert!((100..=999).contains(&status));
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(&[
        b'0' + (status / 100) as u8,
        b'0' + (status / 10 % 10) as u8,
        b'0' + (status % 10) as u8,
        b' ',
    ]);
    out.extend_from_slice(reason_phrase(status).as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in fields {
        let ok = !name.is_empty()
            && name.bytes().all(|b| CLASS[usize::from(b)] & TOKEN != 0)
            && value.bytes().all(|b| CLASS[usize::from(b)] & VALUE != 0);
        assert!(ok);
        for piece in [name.as_bytes(), b": ", value.as_bytes(), b"\r\n"] {
            out.extend_from_slice(piece);
        }
    }
    let now = SystemTime::now();
    let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    DATE.with(|date| {
        let mut date = date.borrow_mut();
        if date.0 != second {
            *date = (second, format!("Date: {}\r\n", http_date(now)).into_bytes());
        }
        out.extend_from_slice(&date.1);
    });
    out.extend_from_slice(match head.close {
        true => b"Connection: close\r\n",
        false => b"Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n",
    });
    out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
    let digits = (usize::BITS - body.len().leading_zeros())
        .div_ceil(4)
        .max(1);
    for shift in (0..digits).rev() {
        out.push(b"0123456789abcdef"[(body.len() >> (shift * 4)) & 15]);
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n0\r\n\r\n");
}
