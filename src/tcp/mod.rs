//! TCP: the notes' section 构建TCP服务 (building a TCP service).
//!
//! TCP is a transport-layer protocol (layer 4 of the OSI picture): it turns the network's
//! packets into one reliable, ordered stream of bytes in each direction, and it is
//! connection-oriented: a three-way handshake comes before any data.
//!
//! ```text
//!   client                                   server
//!     │ ── SYN seq=x ──────────────────────▶   │   connect() sends; listen() queues it
//!     │ ◀───────────── SYN-ACK seq=y ack=x+1 ─ │
//!     │ ── ACK ack=y+1 ─────────────────────▶  │   connect() returns; accept() can return
//!     │ ══ data both ways ═══════════════════  │   'data' on each side
//!     │ ── FIN ────────────────────────────▶   │   end() here is 'end' there
//! ```
//!
//! The module follows the notes' two headings:
//!
//! - [`server`]: 1.1 服务器事件, the server's events ([`Server`], [`ServerEvent`]);
//! - [`socket`]: 1.2 连接事件, a connection's events ([`Socket`], [`SocketEvent`]);
//! - [`places`]: the server's count of open connections (`maxConnections`, `--exit-after`),
//!   which a server's sockets hold places in;
//! - [`nagle`]: the notes' closing remark on Nagle's algorithm, measured.
//!
//! `docs/src/tcp.md` tells the same story with pictures; `docs/src/nagle.md` has the measurements.

pub mod inbox;
pub mod nagle;
pub mod places;
pub mod server;
pub mod socket;

pub use inbox::Inbox;
pub use places::{ExitAfter, Place, Places};
pub use server::{CloseHandle, Server, ServerEvent, ServerOptions};
pub use socket::{
    connect_stream, first_to_accept, Socket, SocketEvent, HIGH_WATER_MARK, READ_SIZE, SEND_TIMEOUT,
};
