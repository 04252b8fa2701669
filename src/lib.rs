//! # netnotes: the network chapter of Node.js, in std-only blocking Rust
//!
//! The notes this crate follows are a Chinese study note, "Node 网络编程", that summarises the
//! network chapter (chapter 7, 网络编程) of the book 《深入浅出Node.js》: TCP and its events,
//! Nagle's algorithm, UDP, HTTP, WebSocket. Each of their sections is a module here, each of
//! their programs a binary in `src/bin/` whose stdout matches the Node original line for line
//! while the event trace goes to stderr. The book in `docs/` (an mdBook) walks through them.
//!
//! | the notes | here | the binaries |
//! |---|---|---|
//! | 构建TCP服务: 什么是TCP, 服务器事件, 连接事件, Nagle | [`tcp`] | `tcp-server`, `tcp-client`, `nagle` |
//! | 构建UDP服务 | [`udp`] | `udp-server`, `udp-client` |
//! | 构建HTTP服务: 报文, 模块, 请求, 响应, 服务事件 | [`http`] | `http-server` |
//! | 构建HTTP服务: 代理 (the Agent pool, a forward proxy) | [`http::agent`], [`http::proxy`] | `http-client`, `http-proxy` |
//! | 构建WebSocket服务: 握手, 数据传输 | [`ws`] | `ws-server`, `ws-client` |
//! | (the lab) every chunk of bytes, and what it means | [`wire`] | `--wire` on every binary |
//!
//! And the pieces every binary shares:
//!
//! - [`cli`]: the command-line contract (flags, `--help`, exit codes);
//! - [`trace`]: the event trace on stderr;
//! - [`inspect`]: Node's `console.log` formatting, for stdout parity;
//! - [`error`]: errors worded as Node words them;
//! - [`addr`]: hosts and ports;
//! - [`timeout`]: what a time limit means, and how a wait that ran out is recognised.
//!
//! ## The one idea
//!
//! Node hands you callbacks (`socket.on('data', ...)`); blocking Rust has no event loop, but
//! every Node event is the outcome of a blocking call. So each event is a value of an `enum`
//! ([`tcp::SocketEvent`], [`tcp::ServerEvent`]), and a connection's thread is one loop:
//!
//! ```no_run
//! # use netnotes::tcp::{Socket, SocketEvent};
//! # let mut socket: Socket = unimplemented!();
//! while let Some(event) = socket.next_event() {
//!     match event {
//!         SocketEvent::Data(bytes) => { socket.write(b"hello"); }
//!         SocketEvent::End => println!("断开连接"),
//!         _ => {}
//!     }
//! }
//! ```
//!
//! Each such `enum` is named after what emits it, the type whose `next_event` returns it, as
//! Node names the emitter: [`tcp::Socket`] gives [`tcp::SocketEvent`], [`tcp::Server`]
//! [`tcp::ServerEvent`], [`udp::Socket`] [`udp::SocketEvent`], [`http::ClientRequest`]
//! [`http::ClientRequestEvent`] and [`ws::WebSocket`] [`ws::WebSocketEvent`]. The HTTP
//! server's events are the methods of [`http::Handler`] instead (its module says why).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod addr;
pub mod cli;
pub mod error;
pub mod http;
pub mod inspect;
pub mod tcp;
pub mod timeout;
pub mod trace;
pub mod udp;
pub mod wire;
pub mod ws;
