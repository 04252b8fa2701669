//! The wire view of WebSocket frames: each frame taken apart, every field under its RFC 6455
//! name, by the same [`parse_header`] and [`parse_close`] the connection uses.
//!
//! RFC 6455 §5.7's masked "Hello", as `--wire` shows it:
//!
//! ```text
//! frame: FIN 1, RSV1 0, RSV2 0, RSV3 0, opcode 0x1 (text), MASK 1
//! payload length: 5 (7-bit form)
//! masking key: 37 fa 21 3d
//! payload as sent (masked): 7f 9f 4d 51 58
//! payload unmasked: 48 65 6c 6c 6f
//! text: "Hello"
//! ```
//!
//! A WebSocket connection begins as HTTP, so [`pair`] is HTTP's dissector pair handed the
//! WebSocket [`Upgrade`]: the handshake's heads are shown by `http::dissect`, and after them
//! both directions are [`Frames`].

use super::frame::{
    apply_mask, close_code_meaning, parse_close, parse_header, FrameHeader, Opcode, Role,
};
use super::server::is_websocket_request;
use crate::http::dissect::{pair_with, Upgrade};
use crate::http::message::RequestHead;
use crate::wire::{hex, Dissector, Side};

/// The two dissectors of a connection that may become a WebSocket, `(inbound, outbound)` for
/// `side`: a [`wire::Protocol`](crate::wire::Protocol) for `wire::enable`.
pub fn pair(side: Side) -> (Box<dyn Dissector>, Box<dyn Dissector>) {
    pair_with(side, &WebSocket)
}

/// The switch from HTTP to WebSocket (RFC 6455 §4), as the wire view sees it.
struct WebSocket;

impl Upgrade for WebSocket {
    fn asked(&self, head: &RequestHead) -> Option<String> {
        is_websocket_request(head)
            .then(|| "no body: asks to switch to WebSocket; frames follow if answered 101".into())
    }

    fn switched(&self) -> String {
        "switching protocols: WebSocket frames follow".into()
    }

    fn sent_by_client(&self) -> Box<dyn Dissector> {
        Box::new(Frames::from_client())
    }

    fn sent_by_server(&self) -> Box<dyn Dissector> {
        Box::new(Frames::from_server())
    }
}

/// How many payload bytes an annotation line shows (the hex block above it has them all, up
/// to `--wire-bytes`).
const SHOWN: usize = 64;

/// The frames of one direction of a connection.
#[derive(Debug)]
pub struct Frames {
    /// Who receives these frames, for the masking rule (§5.1): `Role::Server` for the frames
    /// a client sends.
    receiver: Role,
    buf: Vec<u8>,
    /// The frame whose payload is arriving: its header, how much has come, the first bytes.
    current: Option<(FrameHeader, u64, Vec<u8>)>,
    broken: bool,
}

impl Frames {
    /// The frames a client sends (masked); a server receives them.
    pub fn from_client() -> Frames {
        Frames::new(Role::Server)
    }

    /// The frames a server sends (unmasked); a client receives them.
    pub fn from_server() -> Frames {
        Frames::new(Role::Client)
    }

    fn new(receiver: Role) -> Frames {
        Frames {
            receiver,
            buf: Vec::new(),
            current: None,
            broken: false,
        }
    }
}

impl Dissector for Frames {
    fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        if self.broken {
            return lines;
        }
        self.buf.extend_from_slice(bytes);
        loop {
            match &mut self.current {
                None => match parse_header(&self.buf, self.receiver, u64::MAX) {
                    Ok(None) => return lines,
                    Ok(Some(header)) => {
                        lines.extend(header_lines(&header));
                        self.buf.drain(..header.header_len);
                        self.current = Some((header, 0, Vec::new()));
                    }
                    Err(e) => {
                        lines.push(format!("not a valid frame: {e} (close {})", e.close_code()));
                        self.broken = true;
                        self.buf = Vec::new();
                        return lines;
                    }
                },
                Some((header, seen, shown)) => {
                    let left = header.payload_len - *seen;
                    let n = usize::try_from(left)
                        .unwrap_or(usize::MAX)
                        .min(self.buf.len());
                    let keep = n.min(SHOWN.saturating_sub(shown.len()));
                    shown.extend_from_slice(&self.buf[..keep]);
                    self.buf.drain(..n);
                    *seen += n as u64;
                    if *seen < header.payload_len {
                        if n > 0 {
                            lines.push(format!(
                                "payload: {seen} of {} bytes so far",
                                header.payload_len
                            ));
                        }
                        return lines;
                    }
                    lines.extend(payload_lines(header, shown));
                    self.current = None;
                }
            }
        }
    }
}

/// The header's fields, named as in RFC 6455 §5.2.
pub fn header_lines(header: &FrameHeader) -> Vec<String> {
    let bit = |b: bool| u8::from(b);
    let form = match header.header_len - if header.mask.is_some() { 4 } else { 0 } {
        2 => "7-bit form",
        4 => "16-bit form: 126, then 2 bytes",
        _ => "64-bit form: 127, then 8 bytes",
    };
    let mut lines = vec![
        format!(
            // RSV1-3 are 0 in every header parse_header accepts (§5.2: no extension is
            // negotiated); a frame with one set is "not a valid frame" below.
            "frame: FIN {}, RSV1 0, RSV2 0, RSV3 0, opcode 0x{:x} ({}), MASK {}",
            bit(header.fin),
            header.opcode.as_u8(),
            opcode_name(header.opcode),
            bit(header.mask.is_some())
        ),
        format!("payload length: {} ({form})", header.payload_len),
    ];
    if let Some(key) = header.mask {
        lines.push(format!("masking key: {}", hex(&key, 4)));
    }
    lines
}

/// The payload as sent and unmasked, and what it says: text as text, a close's code and reason.
/// `shown` is the payload's first bytes as they came (masked, for a client's frame).
pub fn payload_lines(header: &FrameHeader, shown: &[u8]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut plain = shown.to_vec();
    if let Some(key) = header.mask {
        if !shown.is_empty() {
            lines.push(format!("payload as sent (masked): {}", hex(shown, SHOWN)));
        }
        apply_mask(&mut plain, key, 0);
    }
    let whole = plain.len() as u64 == header.payload_len;
    if !plain.is_empty() {
        let label = if header.mask.is_some() {
            "payload unmasked"
        } else {
            "payload"
        };
        let more = if whole {
            String::new()
        } else {
            format!(" (first {} of {})", plain.len(), header.payload_len)
        };
        lines.push(format!("{label}: {}{more}", hex(&plain, SHOWN)));
    }
    match header.opcode {
        Opcode::Text | Opcode::Continuation if !plain.is_empty() => {
            lines.push(format!("text: {:?}", String::from_utf8_lossy(&plain)));
        }
        Opcode::Close => lines.push(match parse_close(&plain) {
            Ok(close) => match close.code {
                Some(code) => format!(
                    "close code: {code} ({}), reason: {:?}",
                    close_code_meaning(code),
                    close.reason
                ),
                None => "close: no code, no reason".to_string(),
            },
            Err(e) => format!("close payload not valid: {e} (close {})", e.close_code()),
        }),
        _ => {}
    }
    lines
}

/// The opcode's name (RFC 6455 §11.8).
pub fn opcode_name(opcode: Opcode) -> &'static str {
    match opcode {
        Opcode::Continuation => "continuation",
        Opcode::Text => "text",
        Opcode::Binary => "binary",
        Opcode::Close => "close",
        Opcode::Ping => "ping",
        Opcode::Pong => "pong",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dissect(frames: &mut Frames, bytes: &[u8]) -> Vec<String> {
        frames.feed(bytes)
    }

    #[test]
    fn an_upgrade_turns_both_ways_into_frames() {
        let (mut requests, mut responses) = pair(Side::Server);
        let lines = requests.feed(
            b"GET /updates HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\
              \x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58",
        );
        assert!(lines.contains(&"text: \"Hello\"".to_string()), "{lines:?}");
        let lines = responses.feed(b"HTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x02hi");
        assert!(lines.contains(&"switching protocols: WebSocket frames follow".to_string()));
        assert!(lines.contains(&"text: \"hi\"".to_string()), "{lines:?}");
    }

    #[test]
    fn rfc_6455_s_masked_hello() {
        let bytes = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        assert_eq!(
            dissect(&mut Frames::from_client(), &bytes),
            [
                "frame: FIN 1, RSV1 0, RSV2 0, RSV3 0, opcode 0x1 (text), MASK 1",
                "payload length: 5 (7-bit form)",
                "masking key: 37 fa 21 3d",
                "payload as sent (masked): 7f 9f 4d 51 58",
                "payload unmasked: 48 65 6c 6c 6f",
                "text: \"Hello\"",
            ]
        );
    }

    #[test]
    fn a_126_length_frame_arriving_in_pieces() {
        let mut bytes = vec![0x82, 0x7e, 0x01, 0x00];
        bytes.extend(std::iter::repeat_n(0xab, 256));
        let mut frames = Frames::from_server();
        assert_eq!(dissect(&mut frames, &bytes[..3]), Vec::<String>::new());
        assert_eq!(
            dissect(&mut frames, &bytes[3..100]),
            [
                "frame: FIN 1, RSV1 0, RSV2 0, RSV3 0, opcode 0x2 (binary), MASK 0",
                "payload length: 256 (16-bit form: 126, then 2 bytes)",
                "payload: 96 of 256 bytes so far",
            ]
        );
        let rest = dissect(&mut frames, &bytes[100..]);
        assert_eq!(
            rest,
            [format!(
                "payload: {} (first 64 of 256)",
                vec!["ab"; 64].join(" ")
            )]
        );
    }

    #[test]
    fn a_close_frame_with_its_code_and_reason() {
        let frame = [0x88, 0x05, 0x03, 0xe8, b'b', b'y', b'e'];
        assert_eq!(
            dissect(&mut Frames::from_server(), &frame),
            [
                "frame: FIN 1, RSV1 0, RSV2 0, RSV3 0, opcode 0x8 (close), MASK 0",
                "payload length: 5 (7-bit form)",
                "payload: 03 e8 62 79 65",
                "close code: 1000 (normal closure), reason: \"bye\"",
            ]
        );
    }

    #[test]
    fn a_bad_frame_is_said_once_and_the_rest_is_left_alone() {
        let mut frames = Frames::from_client();
        let lines = dissect(&mut frames, &[0x81, 0x05, b'H']); // a client frame without MASK
        assert_eq!(
            lines,
            ["not a valid frame: Invalid WebSocket frame: MASK must be set (close 1002)"]
        );
        assert!(dissect(&mut frames, b"ello").is_empty());
    }
}
