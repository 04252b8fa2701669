//! WebSocket: the notes' section 构建WebSocket服务 (being written).
//!
//! - [`sha1`] and [`base64`]: the two transforms of the handshake's accept key;
//! - [`handshake`]: the accept key, key checks, token lists, the subprotocol choice.

pub mod base64;
pub mod handshake;
pub mod sha1;
