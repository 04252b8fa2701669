//! WebSocket数据传输 — a connection after the handshake: messages, control frames, the close
//! handshake, and every rule of RFC 6455 §5 and §7 with its close code.
//!
//! The events are named as the browser's `WebSocket` and Node's `ws` name them:
//!
//! ```text
//!   event                        what arrived                           we answer
//!   Open                         (the handshake is done)
//!   Message(Text | Binary)       a data frame with FIN, or the last     —
//!                                fragment of a fragmented message
//!   Ping(payload)                a ping                                 a pong, same payload
//!   Pong(payload)                a pong (solicited or not)              —
//!   Close { code, reason }       a close frame, or the end of TCP       a close, same code
//!   Error(violation)             a frame that broke a rule              close with its code
//! ```
//!
//! How a message is read, frame by frame, and where each rule bites:
//!
//! ```text
//!   header ── parse_header: RSV bits, opcode, control frame size and FIN, MASK, length ─▶ 1002
//!     │       a continuation with nothing to continue / a data frame mid-message ───────▶ 1002
//!     │       the message would pass max_message ─────────────────────────────────────▶ 1009
//!     ▼       (checked on the header: nothing is allocated for the payload, and no
//!     │       more is read than the read that brought the header)
//!   payload ─ read as it arrives, straight into the message, and unmasked there (after a
//!     │       long frame, the next one's start comes in the same read as its header);
//!     │       text is checked as each piece arrives: bytes that cannot begin valid
//!     │       UTF-8 end the connection at once, the rest of the frame unread ────────▶ 1007
//!     ▼
//!   FIN ───── text must end on a whole character ─────────────────────────────────────▶ 1007
//!             → Message
//! ```
//!
//! Control frames (ping, pong, close) may arrive between the fragments of a message and are
//! handled at once. The work per fragment is proportional to that fragment: a 4 MiB message in
//! 65,536 frames of 64 bytes costs what one frame of 4 MiB costs, give or take the headers.
//!
//! The close handshake: whoever closes first sends a close frame; the other answers with one;
//! then the TCP connection is closed at once (we do not wait for the peer's FIN). If our close
//! is not answered within [`CLOSE_TIMEOUT`], TCP is closed anyway. After receiving a close we
//! handle no further frames; after sending one we send nothing more.

use super::frame::{
    apply_mask, close_payload, encode_frame, header_bytes, parse_close, parse_header, FrameError,
    FrameHeader, Opcode, Role, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN,
};
use super::utf8::Utf8Validator;
use crate::tcp::inbox::time_left;
use crate::tcp::{Inbox, Socket, READ_SIZE, SEND_TIMEOUT};
use crate::timeout::{is_timeout, kernel_wait};
use crate::trace::Trace;
use std::fmt;
use std::fs::File;
use std::io::{self, ErrorKind, Read};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The longest message accepted, all its fragments together: 16 MiB. (Node's `ws` accepts
/// 100 MiB by default; a server that holds each message in memory wants less.) `1009`.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// How long we wait for the peer to answer our close frame before closing TCP anyway.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a connection may be silent before we ping it, and then how long the peer has to
/// answer (anything counts, a pong or a frame) before the connection is dropped as dead: 30 s.
/// Node's `ws` has no heartbeat of its own; its documentation shows users how to write this
/// one by hand, with a `setInterval`, `ws.ping()` and `ws.terminate()`.
pub const PING_INTERVAL: Duration = Duration::from_secs(30);

/// The most one wait for frames reads into the inbox: a header, a small frame or a few. The
/// rest of a longer payload is read straight into its message, not copied through the inbox.
const FRAME_READ: usize = 1024;

/// How long a connection keeps a message's buffer handed back with [`WebSocket::reuse`] while
/// nothing arrives: 1 s. Quiet that long, it gives the buffer back, so that a connection that
/// is idle holds no buffer; while messages keep coming, each is read into the last one's
/// memory.
pub const KEEP_SPARE: Duration = Duration::from_secs(1);

/// The largest buffer [`WebSocket::reuse`] keeps: 1 MiB. A larger message's memory is freed,
/// as it would be without `reuse`.
pub const SPARE_MAX: usize = 1024 * 1024;

/// A complete message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message: valid UTF-8, checked.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
}

impl Message {
    /// `"text"` or `"binary"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Text(_) => "text",
            Message::Binary(_) => "binary",
        }
    }

    /// The payload's length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Message::Text(text) => text.len(),
            Message::Binary(bytes) => bytes.len(),
        }
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A rule the peer broke; the connection is failed with [`Violation::close_code`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A frame header or close payload broke a rule of §5 (see [`FrameError`]).
    Frame(FrameError),
    /// §5.4: a continuation frame with no fragmented message to continue.
    UnexpectedContinuation,
    /// §5.4: a new text or binary frame while a fragmented message is unfinished.
    ExpectedContinuation,
    /// §8.1: a text message (or close reason) that is not UTF-8.
    InvalidUtf8,
    /// The message would be longer than the maximum.
    MessageTooBig {
        /// The maximum, in bytes.
        max: usize,
    },
}

impl Violation {
    /// The close code (§7.4.1): 1002 protocol error, 1007 invalid payload, 1009 too big.
    pub fn close_code(&self) -> u16 {
        match self {
            Violation::Frame(e) => e.close_code(),
            Violation::InvalidUtf8 => 1007,
            Violation::MessageTooBig { .. } => 1009,
            Violation::UnexpectedContinuation | Violation::ExpectedContinuation => 1002,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Frame(e) => write!(f, "{e}"),
            Violation::UnexpectedContinuation => {
                f.write_str("Invalid WebSocket frame: invalid opcode 0 (nothing to continue)")
            }
            Violation::ExpectedContinuation => {
                f.write_str("Invalid WebSocket frame: expected a continuation frame")
            }
            Violation::InvalidUtf8 => {
                f.write_str("Invalid WebSocket frame: invalid UTF-8 sequence")
            }
            Violation::MessageTooBig { max } => {
                write!(f, "Max payload size exceeded ({max} bytes)")
            }
        }
    }
}

impl std::error::Error for Violation {}

/// One event of a WebSocket connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebSocketEvent {
    /// `open`: the handshake is done; always the first event.
    Open,
    /// `message`: a whole message.
    Message(Message),
    /// `ping`: the peer pinged; the pong has been sent.
    Ping(Vec<u8>),
    /// `pong`: the peer ponged.
    Pong(Vec<u8>),
    /// `error`: the peer broke a rule; a close with its code has been sent. `Close` follows.
    Error(Violation),
    /// `close`: the connection is closed; always the last event. `code` is the peer's code,
    /// 1005 if its close frame had none, 1006 if TCP ended without a close frame; for a
    /// connection we failed, the code we sent.
    Close {
        /// The close code.
        code: u16,
        /// The reason, if any.
        reason: String,
    },
}

/// What a connection accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The longest message accepted ([`MAX_MESSAGE_BYTES`]).
    pub max_message: usize,
    /// How long one write may wait ([`SEND_TIMEOUT`]).
    pub send_timeout: Duration,
    /// The heartbeat ([`PING_INTERVAL`]); `None` turns it off.
    pub ping_interval: Option<Duration>,
    /// Where events are traced (module `ws`).
    pub trace: Trace,
}

impl Options {
    /// The defaults, with this trace.
    pub fn new(trace: Trace) -> Options {
        Options {
            max_message: MAX_MESSAGE_BYTES,
            send_timeout: SEND_TIMEOUT,
            ping_interval: Some(PING_INTERVAL),
            trace,
        }
    }
}

/// A fragmented message being put together.
#[derive(Debug)]
struct Partial {
    /// The payload so far: `data[..filled]`. What follows, up to `data.len()`, is memory
    /// already written (a reused buffer's old bytes), which a read may overwrite without
    /// zeroing it first.
    data: Vec<u8>,
    filled: usize,
    /// For a text message: the UTF-8 check, fed as the bytes arrive.
    utf8: Option<Utf8Validator>,
}

/// Masking keys for a client's frames: fresh and unpredictable for every frame (§5.3), read
/// from the OS in batches so that a frame does not cost a system call.
#[derive(Debug)]
struct MaskKeys {
    source: Option<File>,
    batch: [u8; 256],
    used: usize,
}

impl MaskKeys {
    fn new() -> MaskKeys {
        MaskKeys {
            source: None,
            batch: [0; 256],
            used: 256,
        }
    }

    fn next(&mut self) -> io::Result<[u8; 4]> {
        if self.used == self.batch.len() {
            let source = match &mut self.source {
                Some(file) => file,
                None => self.source.insert(super::random_source()?),
            };
            source.read_exact(&mut self.batch)?;
            self.used = 0;
        }
        let mut key = [0u8; 4];
        key.copy_from_slice(&self.batch[self.used..self.used + 4]);
        self.used += 4;
        Ok(key)
    }
}

/// A WebSocket connection: frames in, events out; messages in, frames out.
#[derive(Debug)]
pub struct WebSocket {
    socket: Socket,
    peer: SocketAddr,
    role: Role,
    options: Options,
    inbox: Inbox,
    partial: Option<Partial>,
    masks: Option<MaskKeys>,
    opened: bool,
    close_sent: bool,
    /// When we stop waiting for the answer to our close.
    close_deadline: Option<Instant>,
    /// The Close event to report, once everything before it has been.
    closing: Option<(u16, String)>,
    closed: bool,
    /// The heartbeat: whether our ping, sent when the peer was quiet, is still unanswered.
    pinged: bool,
    /// A finished message's buffer, handed back with [`WebSocket::reuse`]: the next message
    /// is read into it. Empty (no memory) when there is none.
    spare: Vec<u8>,
    /// The header length of the last data frame too long to come through the inbox: the
    /// next frame's header is read as if it were as long (see [`WebSocket::read_frame`]).
    long_header: Option<usize>,
    /// How many bytes at the front of `spare` a read has put in place already: the start of
    /// the payload of the frame whose header is in the inbox (see [`WebSocket::read_frame`]).
    placed: usize,
}

/// Where one read puts what it brings.
enum Place<'a> {
    /// The inbox, [`FRAME_READ`] bytes at most: frame headers and small frames.
    Inbox,
    /// Part of the message being built, straight.
    Message(&'a mut [u8]),
    /// A frame whose header is guessed to be this long: the header into the inbox, the
    /// start of its payload straight into the spare buffer ([`WebSocket::read_frame`]).
    Frame(usize),
}

impl WebSocket {
    /// A connection on `socket` after the handshake, as `role`; `early` holds bytes that came
    /// after the handshake's head (the peer's first frames, perhaps).
    pub fn new(socket: Socket, role: Role, early: Vec<u8>, options: Options) -> WebSocket {
        let peer = socket.remote_address();
        let mut inbox = Inbox::default();
        inbox.push(&early);
        WebSocket {
            socket,
            peer,
            role,
            options,
            inbox,
            partial: None,
            masks: (role == Role::Client).then(MaskKeys::new),
            opened: false,
            close_sent: false,
            close_deadline: None,
            closing: None,
            closed: false,
            pinged: false,
            spare: Vec::new(),
            long_header: None,
            placed: 0,
        }
    }

    /// The peer's address.
    pub fn remote_address(&self) -> SocketAddr {
        self.peer
    }

    /// Hands a message back once it is no longer needed (after echoing it, say): the next
    /// message is read into its memory. A connection whose messages keep coming then
    /// allocates no buffer per message and zeroes none (safe Rust reads only into memory
    /// already written; a fresh buffer must be zeroed before a read may fill it), and with
    /// many threads, the allocator's locks and the pages it gives back and takes again stay
    /// out of the way.
    ///
    /// Optional: a message not handed back is freed as any `Vec` is. The buffer is kept only
    /// while the connection is busy: quiet for [`KEEP_SPARE`], it is given back; and only up
    /// to [`SPARE_MAX`].
    pub fn reuse(&mut self, message: Message) {
        let buffer = match message {
            Message::Text(text) => text.into_bytes(),
            Message::Binary(bytes) => bytes,
        };
        if (FRAME_READ..=SPARE_MAX).contains(&buffer.capacity()) {
            self.spare = buffer;
        } else if buffer.capacity() < FRAME_READ {
            // A small message came in the inbox's own buffer, made for what one read brought:
            // it goes back there, for the next read to fill.
            self.inbox.reuse(buffer);
        }
    }

    /// `ws.send(text)`.
    pub fn send_text(&mut self, text: &str) -> io::Result<()> {
        self.send(Opcode::Text, text.as_bytes())
    }

    /// `ws.send(buffer)`.
    pub fn send_binary(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.send(Opcode::Binary, bytes)
    }

    /// Sends a message of the same kind as `message`.
    pub fn send_message(&mut self, message: &Message) -> io::Result<()> {
        match message {
            Message::Text(text) => self.send_text(text),
            Message::Binary(bytes) => self.send_binary(bytes),
        }
    }

    /// `ws.ping(payload)`: at most 125 bytes.
    pub fn ping(&mut self, payload: &[u8]) -> io::Result<()> {
        if payload.len() as u64 > MAX_CONTROL_PAYLOAD {
            return Err(io::Error::new(
                ErrorKind::InvalidInput,
                "ping payload over 125 bytes",
            ));
        }
        self.send(Opcode::Ping, payload)
    }

    /// `ws.close(code, reason)`: starts the close handshake. Events go on until the peer's
    /// answer (or [`CLOSE_TIMEOUT`]) ends the connection with `Close`.
    pub fn close(&mut self, code: u16, reason: &str) -> io::Result<()> {
        if self.close_sent {
            return Ok(());
        }
        self.close_deadline = Some(Instant::now() + CLOSE_TIMEOUT);
        let sent = self.send(Opcode::Close, &close_payload(code, reason));
        self.close_sent = true;
        sent
    }

    fn send(&mut self, opcode: Opcode, payload: &[u8]) -> io::Result<()> {
        if self.close_sent || self.closed {
            return Err(io::Error::new(
                ErrorKind::NotConnected,
                "the close frame was sent",
            ));
        }
        let mask = match &mut self.masks {
            Some(keys) => Some(keys.next()?),
            None => None,
        };
        let timeout = Some(self.options.send_timeout);
        let sent = match mask {
            // A server's payload goes out as it is, beside its header (on the stack): one
            // writev, no copy, no allocation.
            None => {
                let (header, len) = header_bytes(true, opcode, None, payload.len() as u64);
                self.socket
                    .write_all_parts([&header[..len], payload], timeout)
            }
            // A client masks a copy (the caller's bytes are not ours to change).
            Some(key) => {
                let frame = encode_frame(true, opcode, payload, Some(key));
                self.socket.write_all(&frame, timeout)
            }
        };
        if sent.is_err() {
            // Part of a frame may have gone out, so nothing can follow it (the peer stopped
            // reading, or reset): the connection is over, abnormally. The next event says so.
            self.close_sent = true;
            if self.closing.is_none() {
                self.closing = Some((1006, String::new()));
            }
            self.socket.shutdown_and_drain(Duration::ZERO);
        }
        sent
    }

    /// Waits for the next event; `None` after `Close`.
    pub fn next_event(&mut self) -> Option<WebSocketEvent> {
        let event = self.poll()?;
        if self.options.trace.is_on() {
            self.trace(&event);
        }
        Some(event)
    }

    /// The trace line of `event` (the trace being on): out of the way of the event loop.
    #[cold]
    fn trace(&self, event: &WebSocketEvent) {
        let trace = self.options.trace;
        let peer = Some(self.peer);
        match event {
            WebSocketEvent::Open => trace.emit("open", peer, format_args!("")),
            WebSocketEvent::Message(m) => trace.emit(
                "message",
                peer,
                format_args!("{} {} bytes", m.kind(), m.len()),
            ),
            WebSocketEvent::Ping(p) => trace.emit("ping", peer, format_args!("{} bytes", p.len())),
            WebSocketEvent::Pong(p) => trace.emit("pong", peer, format_args!("{} bytes", p.len())),
            WebSocketEvent::Error(v) => trace.emit("error", peer, format_args!("{v}")),
            WebSocketEvent::Close { code, reason } if reason.is_empty() => {
                trace.emit("close", peer, format_args!("{code}"))
            }
            WebSocketEvent::Close { code, reason } => {
                trace.emit("close", peer, format_args!("{code} {reason}"))
            }
        }
    }

    fn poll(&mut self) -> Option<WebSocketEvent> {
        if self.closed {
            return None;
        }
        if !self.opened {
            self.opened = true;
            return Some(WebSocketEvent::Open);
        }
        if let Some((code, reason)) = self.closing.take() {
            self.closed = true;
            return Some(WebSocketEvent::Close { code, reason });
        }
        match self.read_event() {
            Ok(event) => Some(event),
            Err(Stop::Violation(violation)) => {
                let code = violation.close_code();
                self.fail(code);
                self.closing = Some((code, String::new()));
                Some(WebSocketEvent::Error(violation))
            }
            Err(Stop::Closed(code, reason)) => {
                self.closed = true;
                Some(WebSocketEvent::Close { code, reason })
            }
        }
    }

    /// Fails the connection (§7.1.7): our close frame with `code`, then TCP closed.
    fn fail(&mut self, code: u16) {
        if !self.close_sent {
            let _ = self.send(Opcode::Close, &close_payload(code, ""));
            self.close_sent = true;
        }
        // Read and drop what the peer is still sending, so that our close frame is not lost
        // to a reset (see Socket::shutdown_and_drain).
        self.socket.shutdown_and_drain(CLOSE_TIMEOUT);
    }

    /// Reads frames until one makes an event.
    fn read_event(&mut self) -> Result<WebSocketEvent, Stop> {
        loop {
            let header = self.read_header()?;
            self.inbox.consume(header.header_len);
            if header.opcode.is_control() {
                if let Some(event) = self.control_frame(&header)? {
                    return Ok(event);
                }
                continue;
            }
            if let Some(message) = self.data_frame(&header)? {
                return Ok(WebSocketEvent::Message(message));
            }
        }
    }

    fn read_header(&mut self) -> Result<FrameHeader, Stop> {
        let max = self.options.max_message;
        let too_big = Stop::Violation(Violation::MessageTooBig { max });
        loop {
            let parsed = match self.inbox.available() {
                [] => Ok(None), // nothing yet: the usual case between messages
                bytes => parse_header(bytes, self.role, self.frame_max()),
            };
            match parsed {
                Ok(Some(header)) => {
                    self.check_sequence(&header)?;
                    // A fragment may only be as long as what is left of the allowance.
                    let so_far = self.partial.as_ref().map_or(0, |p| p.filled);
                    let room = max.saturating_sub(so_far) as u64;
                    if !header.opcode.is_control() && header.payload_len > room {
                        return Err(too_big);
                    }
                    return Ok(header);
                }
                Ok(None) => {
                    // After a long frame, guess that the next is as long: one read for
                    // its header and its payload.
                    self.read_more(self.long_header.map_or(Place::Inbox, Place::Frame))?;
                }
                Err(FrameError::PayloadTooBig { .. }) => return Err(too_big),
                Err(e) => return Err(Stop::Violation(Violation::Frame(e))),
            }
        }
    }

    /// The longest frame [`parse_header`] lets through. The limit is for messages; a control
    /// frame (at most 125 bytes) is never held to it, however small it is.
    fn frame_max(&self) -> u64 {
        (self.options.max_message as u64).max(MAX_CONTROL_PAYLOAD)
    }

    /// §5.4: fragments of one message come in order, with no other message in between.
    fn check_sequence(&self, header: &FrameHeader) -> Result<(), Stop> {
        match (header.opcode, &self.partial) {
            (Opcode::Continuation, None) => Err(Stop::Violation(Violation::UnexpectedContinuation)),
            (Opcode::Text | Opcode::Binary, Some(_)) => {
                Err(Stop::Violation(Violation::ExpectedContinuation))
            }
            _ => Ok(()),
        }
    }

    /// Reads more bytes into the inbox (see [`WebSocket::read_more`]).
    fn fill(&mut self) -> Result<(), Stop> {
        self.read_more(Place::Inbox).map(|_| ())
    }

    /// Reads the next bytes of a payload straight into `data`, part of the message being
    /// built, at most all of it; how many came (as [`WebSocket::fill`] waits and answers, but
    /// with no copy through the inbox).
    fn fill_message(&mut self, data: &mut [u8]) -> Result<usize, Stop> {
        self.read_more(Place::Message(data))
    }

    /// Reads more bytes into their [`Place`]: the inbox, part of a message being built, or a
    /// guessed frame; how many came. The connection's end is a `Close` (1006 without a close
    /// frame).
    ///
    /// The heartbeat lives here, the one place that waits for the peer: a peer quiet for the
    /// ping interval gets a ping; quiet for another interval, it is taken for dead (its host
    /// gone, a NAT that forgot the flow: TCP alone would wait for ever), traced as `timeout`,
    /// and the connection ends with 1006, as `ws.terminate()` ends it.
    ///
    /// ```text
    ///   bytes in ──▶ pinged = false
    ///   a read waited the interval for nothing, not pinged ──▶ send a ping; pinged = true
    ///   a read waited the interval for nothing, pinged ──────▶ timeout: close TCP, Close 1006
    /// ```
    ///
    /// Each read waits the whole interval (the socket's receive timeout), so the peer is
    /// never taken for quiet without the socket being asked, and no clock is read per message.
    ///
    /// A connection with a buffer in hand (a spare or an inbox buffer from
    /// [`WebSocket::reuse`], or a message being read) waits [`KEEP_SPARE`] at most at a time:
    /// quiet that long, it gives them back, and waits on for what is left of the interval. The
    /// socket's receive timeout stays the same while messages keep coming, so that costs no
    /// system call.
    fn read_more(&mut self, mut place: Place) -> Result<usize, Stop> {
        // How long this call has waited in steps of KEEP_SPARE without a byte.
        let mut waited = Duration::ZERO;
        loop {
            let heartbeat = self
                .options
                .ping_interval
                .filter(|_| self.close_deadline.is_none());
            // Our close waits for its answer until a deadline; otherwise one read waits one
            // ping interval at most (for ever without a heartbeat).
            let wait = match self.close_deadline {
                Some(deadline) => time_left(deadline).map(Some),
                None => kernel_wait(heartbeat.map(|interval| interval.saturating_sub(waited))),
            };
            let holding = !matches!(place, Place::Inbox)
                || self.spare.capacity() > 0
                || self.inbox.capacity() > 0;
            let step =
                holding && matches!(wait, Ok(wait) if wait.is_none_or(|wait| wait > KEEP_SPARE));
            let wait = if step { Ok(Some(KEEP_SPARE)) } else { wait };
            let read = wait.and_then(|wait| match &mut place {
                Place::Message(data) => self.socket.read_straight_into(data, wait),
                // Only the first bytes of a message's first frame can be guessed at, and only
                // with a spare to read its payload into (given back while the peer was quiet,
                // it is not there).
                Place::Frame(header_len)
                    if self.inbox.available().is_empty()
                        && self.partial.is_none()
                        && !self.spare.is_empty() =>
                {
                    self.read_frame(*header_len, wait)
                }
                _ => self.inbox.fill_at_most(&self.socket, FRAME_READ, wait),
            });
            if read.as_ref().is_err_and(is_timeout) {
                // Quiet: no buffer is kept for a connection that is (see `reuse`).
                self.spare = Vec::new();
                self.inbox.release_if_empty();
                if step {
                    waited += KEEP_SPARE;
                    continue;
                }
            }
            match read {
                Ok(0) => return Err(Stop::Closed(1006, String::new())),
                Ok(n) => {
                    self.pinged = false;
                    return Ok(n);
                }
                Err(e) if heartbeat.is_some() && is_timeout(&e) && !self.pinged => {
                    self.pinged = true;
                    waited = Duration::ZERO;
                    if self.send(Opcode::Ping, b"").is_err() {
                        return Err(Stop::Closed(1006, String::new()));
                    }
                }
                // Our ping, or our close, went unanswered, or the socket failed: close TCP,
                // abnormally.
                Err(e) => {
                    if let (Some(interval), true) = (heartbeat, is_timeout(&e)) {
                        let quiet = interval.as_millis() * 2;
                        self.options.trace.emit(
                            "timeout",
                            Some(self.peer),
                            format_args!("no answer to a ping: quiet for {quiet} ms"),
                        );
                    }
                    self.socket.shutdown_and_drain(Duration::ZERO);
                    return Err(Stop::Closed(1006, String::new()));
                }
            }
        }
    }

    /// One read for the next frame, its header guessed to be `header_len` bytes long: the
    /// header into the inbox, and the start of the payload straight into the spare buffer,
    /// where its message will be built. For a frame that begins a message, with nothing of it
    /// read yet (see [`WebSocket::read_more`]). A long frame then costs one read, as it would
    /// with a buffer of its own (the inbox reads a kilobyte at most, and a payload read after
    /// its header is a second read). How many bytes came.
    ///
    /// A wrong guess costs a copy, never a wrong byte: unless the bytes read are the header of
    /// a data frame of exactly that length and the start of its payload, everything after the
    /// header goes into the inbox behind it, in the order it came, as if read there.
    fn read_frame(&mut self, header_len: usize, wait: Option<Duration>) -> io::Result<usize> {
        let mut header = [0u8; MAX_HEADER_LEN];
        let room = self.spare.len().min(READ_SIZE);
        let n = self.socket.read_straight_into_two(
            &mut header[..header_len],
            &mut self.spare[..room],
            wait,
        )?;
        self.inbox.push(&header[..n.min(header_len)]);
        let came = n.saturating_sub(header_len);
        self.placed = match parse_header(self.inbox.available(), self.role, self.frame_max()) {
            Ok(Some(frame)) if frame.header_len == header_len && !frame.opcode.is_control() => {
                came.min(frame.payload_len as usize) // and what follows, the next frame's
            }
            _ => 0,
        };
        self.inbox.push(&self.spare[self.placed..came]);
        Ok(n)
    }

    /// Reads a control frame's payload (at most 125 bytes) and acts on it.
    fn control_frame(&mut self, header: &FrameHeader) -> Result<Option<WebSocketEvent>, Stop> {
        let len = header.payload_len as usize; // parse_header capped it at 125
        while self.inbox.available().len() < len {
            self.fill()?;
        }
        let mut payload = self.inbox.available()[..len].to_vec();
        self.inbox.consume(len);
        if let Some(key) = header.mask {
            apply_mask(&mut payload, key, 0);
        }
        match header.opcode {
            Opcode::Ping => {
                // A pong may not follow our close; the ping is still reported.
                if !self.close_sent {
                    let _ = self.send(Opcode::Pong, &payload);
                }
                Ok(Some(WebSocketEvent::Ping(payload)))
            }
            Opcode::Pong => Ok(Some(WebSocketEvent::Pong(payload))),
            _ => self.close_frame(&payload).map(|()| None),
        }
    }

    /// The peer's close frame: answer it (unless it answers ours) and close TCP.
    fn close_frame(&mut self, payload: &[u8]) -> Result<(), Stop> {
        let close = parse_close(payload).map_err(|e| Stop::Violation(Violation::Frame(e)))?;
        let code = close.code.unwrap_or(1005);
        let reason = close.reason.to_string();
        if !self.close_sent {
            // Echo the peer's code (RFC 6455 §5.5.1), 1000 if it gave none. A message left
            // half-finished is dropped: a close mid-message is still a normal close.
            let answer = close_payload(close.code.unwrap_or(1000), "");
            let _ = self.send(Opcode::Close, &answer);
            self.close_sent = true;
        }
        // Both close frames are out: the TCP connection MUST be closed (RFC 6455 §5.5.1).
        // §7.1.1 has the server close it first; a client MAY close at any time after both
        // frames, and this one does rather than wait.
        self.socket.shutdown_and_drain(Duration::ZERO);
        Err(Stop::Closed(code, reason))
    }

    /// Reads a data frame's payload as it arrives into the message being built; returns the
    /// message once its last fragment is in.
    fn data_frame(&mut self, header: &FrameHeader) -> Result<Option<Message>, Stop> {
        let mut partial = match self.partial.take() {
            Some(partial) => partial,
            None => Partial {
                data: std::mem::take(&mut self.spare),
                filled: 0,
                utf8: (header.opcode == Opcode::Text).then(Utf8Validator::new),
            },
        };
        let frame_len = header.header_len as u64 + header.payload_len;
        self.long_header = (frame_len > FRAME_READ as u64).then_some(header.header_len);
        // At most max_message: parse_header checked.
        let mut left = header.payload_len as usize;
        let mut offset = 0;
        // Read with the header, in the buffer the message starts in (see `read_frame`).
        let mut placed = std::mem::take(&mut self.placed);
        while left > 0 {
            let start = partial.filled;
            let here = self.inbox.available().len();
            if placed > 0 {
                partial.filled = std::mem::take(&mut placed);
            } else if here == 0 {
                // Straight into the message, over what a reused buffer holds: only memory the
                // buffer never had is zeroed for the read.
                let end = start + left.min(READ_SIZE);
                if partial.data.len() < end {
                    partial.data.resize(end, 0);
                }
                partial.filled += self.fill_message(&mut partial.data[start..end])?;
            } else if start == 0 && here == left && partial.data.capacity() < left {
                // The payload is all here and nothing after it (a small frame, usually), and
                // no spare is big enough: the inbox's buffer becomes the message's.
                partial.data = self.inbox.take();
                partial.filled = left;
            } else {
                let n = here.min(left);
                let piece = &self.inbox.available()[..n];
                if partial.data.len() >= start + n {
                    partial.data[start..start + n].copy_from_slice(piece);
                } else {
                    // Room for this piece and one read more: one allocation for a frame of
                    // up to 64 KiB. Not more: a peer may announce far more than it sends.
                    partial.data.truncate(start);
                    partial.data.reserve(left.min(n + READ_SIZE));
                    partial.data.extend_from_slice(piece);
                }
                partial.filled += n;
                self.inbox.consume(n);
            }
            let piece = &mut partial.data[start..partial.filled];
            if let Some(key) = header.mask {
                apply_mask(piece, key, offset);
            }
            if let Some(utf8) = &mut partial.utf8 {
                // §8.1: fail as soon as the text so far cannot be valid.
                utf8.feed(piece)
                    .map_err(|_| Stop::Violation(Violation::InvalidUtf8))?;
            }
            left -= piece.len();
            offset += piece.len();
        }
        if !header.fin {
            self.partial = Some(partial);
            return Ok(None);
        }
        partial.data.truncate(partial.filled);
        self.inbox.release_if_empty();
        match partial.utf8 {
            Some(utf8) => {
                utf8.finish()
                    .map_err(|_| Stop::Violation(Violation::InvalidUtf8))?;
                // The validator accepted every byte, so this cannot fail.
                let text = String::from_utf8(partial.data)
                    .map_err(|_| Stop::Violation(Violation::InvalidUtf8))?;
                Ok(Some(Message::Text(text)))
            }
            None => Ok(Some(Message::Binary(partial.data))),
        }
    }
}

/// Why reading frames stopped.
#[derive(Debug)]
enum Stop {
    /// The peer broke a rule: fail the connection.
    Violation(Violation),
    /// The connection is over: the close code and reason to report.
    Closed(u16, String),
}
