//! The baseline: the plainest server of this design — `TcpListener`, a thread per connection,
//! a fixed reply — with nothing else: no events, no limits, no timeouts, no trace, no checks.
//! It is the floor of a thread per connection, so what our servers cost beyond it is what
//! their abstractions cost.
//!
//! It runs as its own process (this bench binary started again with `--baseline KIND`), so
//! that its CPU time is read as any server's is, and it answers exactly what the load
//! generator sends:
//!
//! ```text
//!   http       each request head (up to its blank line) → the bytes http-server answers
//!   tcp        each read → "hello", as tcp-server and the notes' Node server answer
//!   websocket  the generator's handshake → a fixed 101 (its key never changes);
//!              then each masked frame → the same frame, unmasked
//! ```
//!
//! It unmasks with the crate's own `apply_mask`, so that the WebSocket rows compare what
//! happens around the same XOR: reads, copies, allocations, events.
//!
//! Two variants of the HTTP baseline calibrate what instructions cost a server whose thread
//! is woken cold (`cargo bench --bench perf -- calibrate`). Each runs, per request, about as
//! many instructions as http-server (some 4,100, counted with callgrind: the baseline itself
//! runs 450), the extra ones to no purpose:
//!
//! ```text
//!   http-tight    in a loop: 13 scans of the head, in ~20 cache lines of code
//!   http-spread   straight through: 256 small functions, in ~280 cache lines of code
//!                 (http-server runs through ~300)
//! ```

use netnotes::ws::frame::apply_mask;
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

/// What http-server answers `GET /`, byte for byte, with a date that never changes.
const HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\
    Date: Mon, 07 Dec 2026 17:15:56 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\
    Transfer-Encoding: chunked\r\n\r\nc\r\nHello World\n\r\n0\r\n\r\n";

/// The answer to the generator's handshake, whose `Sec-WebSocket-Key` is RFC 6455's example.
const SWITCHING: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

/// `--baseline KIND`: listens on a free loopback port, prints it, and serves for ever.
pub fn serve(args: &[String]) {
    let kind = args.first().map(String::as_str).unwrap_or("");
    let serve: fn(TcpStream) -> io::Result<()> = match kind {
        "http" => |stream| http(stream, |_| {}),
        "http-tight" => |stream| http(stream, tight),
        "http-spread" => |stream| http(stream, spread),
        "http-strict" => super::strict::http,
        "tcp" => tcp,
        "websocket" => websocket,
        _ => {
            eprintln!("error: --baseline takes http, http-tight, http-spread, http-strict, tcp or websocket");
            std::process::exit(2);
        }
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    let port = listener.local_addr().expect("a bound address").port();
    println!("baseline {kind} server listening on 127.0.0.1:{port}");
    let _ = io::stdout().flush();
    for stream in listener.incoming().flatten() {
        thread::spawn(move || serve(stream));
    }
}

/// Each request head gets [`HELLO`], after `work` on the head; bytes after a head stay for
/// the next.
fn http(mut stream: TcpStream, work: fn(&[u8])) -> io::Result<()> {
    let mut buf = [0u8; 4096];
    let mut len = 0;
    loop {
        match stream.read(&mut buf[len..])? {
            0 => return Ok(()),
            n => len += n,
        }
        while let Some(end) = find(&buf[..len], b"\r\n\r\n") {
            work(&buf[..end]);
            stream.write_all(HELLO)?;
            buf.copy_within(end + 4..len, 0);
            len -= end + 4;
        }
        if len == buf.len() {
            return Ok(()); // a head longer than the buffer: not the generator's
        }
    }
}

/// Each read, however long, gets `hello`.
fn tcp(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if stream.read(&mut buf)? == 0 {
            return Ok(());
        }
        stream.write_all(b"hello")?;
    }
}

/// The handshake, then each frame echoed: unmasked in place, and sent back with its header
/// minus the mask bit and the 4-byte key.
fn websocket(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; 128 * 1024]; // a 64 KiB frame and the start of the next
    let mut len = 0;
    let head = loop {
        if let Some(end) = find(&buf[..len], b"\r\n\r\n") {
            break end + 4;
        }
        match stream.read(&mut buf[len..])? {
            0 => return Ok(()),
            n => len += n,
        }
    };
    stream.write_all(SWITCHING)?;
    buf.copy_within(head..len, 0);
    len -= head;
    loop {
        let (header, payload) = loop {
            match frame_size(&buf[..len]) {
                Some((h, p)) if h + p <= len => break (h, p),
                Some((h, p)) if h + p > buf.len() => return Ok(()), // not the generator's
                _ => {}
            }
            match stream.read(&mut buf[len..])? {
                0 => return Ok(()),
                n => len += n,
            }
        };
        let end = header + payload;
        let key = buf[header - 4..header].try_into().expect("4 bytes");
        apply_mask(&mut buf[header..end], key, 0);
        // The reply's header is the request's without the key: moved up 4 bytes, it ends
        // where the payload begins, and one write sends both.
        buf.copy_within(..header - 4, 4);
        buf[5] &= 0x7F; // no MASK bit
        stream.write_all(&buf[4..end])?;
        buf.copy_within(end..len, 0);
        len -= end;
    }
}

/// A masked frame's header length (with its key) and payload length, once enough has come
/// to tell (RFC 6455 §5.2).
fn frame_size(bytes: &[u8]) -> Option<(usize, usize)> {
    let extended = match bytes.get(1)? & 0x7F {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let field = bytes.get(2..2 + extended)?;
    let payload = match extended {
        0 => usize::from(bytes[1] & 0x7F),
        _ => field.iter().fold(0, |n, &b| n << 8 | usize::from(b)),
    };
    Some((2 + extended + 4, payload))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Work in few cache lines of code: the head scanned for its end again and again (each scan
/// about 300 instructions for the bench's head).
fn tight(head: &[u8]) {
    for _ in 0..13 {
        black_box(find(black_box(head), b"\r\n\r\n"));
    }
}

/// Work spread over many cache lines of code: 256 distinct functions, each called once.
fn spread(head: &[u8]) {
    let mut x = head.len() as u64;
    spread_steps!(x; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    black_box(x);
}

/// `x = step::<K>(x)` for K = 16 i + j, for each i given and j from 0 to 15.
macro_rules! spread_steps {
    ($x:ident; $($i:literal)*) => {
        $( spread_steps!(@row $x, $i; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15); )*
    };
    (@row $x:ident, $i:literal; $($j:literal)*) => {
        $( $x = step::<{ $i * 16 + $j }>(black_box($x)); )*
    };
}
use spread_steps;

/// A few arithmetic instructions whose constants depend on `K`, so that each `K` is a
/// function of its own, in its own place in the program.
#[inline(never)]
fn step<const K: u64>(x: u64) -> u64 {
    let k = K.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    ((x ^ k).wrapping_mul(k).rotate_left((K % 61) as u32 + 1) ^ (x >> (K % 17 + 1)))
        .wrapping_add(k >> 7)
}
