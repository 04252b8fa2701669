//! HTTP: the notes' section 构建HTTP服务 (building an HTTP service).
//!
//! The notes give only headings; the book chapter they follow fills them in, and so does this
//! module, one file per heading:
//!
//! - 什么是HTTP — HTTP/1.1 is text messages over a TCP connection: a request, then a response,
//!   then maybe the next request on the same connection (keep-alive);
//! - HTTP报文 (messages): [`message`], pure functions over bytes, and [`reader`], the one
//!   place a head is read off a connection;
//! - HTTP模块 (the http module): [`server`], a TCP server whose connections carry messages;
//! - HTTP请求 (the request): [`request`], Node's `req`;
//! - HTTP响应 (the response): [`response`], Node's `res`;
//! - HTTP服务事件 (the server's events): [`server::Handler`], one method per Node event; the
//!   client's events: [`client::ClientRequestEvent`];
//! - HTTP代理, both readings: the book's `http.Agent`, [`agent`], the pool that the client
//!   ([`client`], Node's `http.request`) takes its connections from; and a forward proxy,
//!   [`proxy`], built on the server's `request` and `connect` events.
//!
//! ```text
//!   client                                              server
//!     │ ── GET / HTTP/1.1 ─ Host ─ ... ─ CRLF CRLF ──▶   │  'connection' (first time), 'request'
//!     │ ◀── HTTP/1.1 200 OK ─ ... ─ CRLF CRLF ─ body ──  │  res.write_head(..); res.end(..)
//!     │ ── GET /next HTTP/1.1 ... (same connection) ──▶  │  'request' again: keep-alive
//! ```
//!
//! `docs/src/http.md` has the annotated messages, the framing rules and the limits.

pub mod agent;
pub mod client;
pub mod dissect;
pub mod message;
pub mod proxy;
pub mod reader;
pub mod request;
pub mod response;
pub mod server;

pub use agent::Agent;
pub use client::{ClientError, ClientRequest, ClientRequestEvent, IncomingMessage, RequestOptions};
pub use request::Request;
pub use response::Response;
pub use server::{Handler, Limits, Server, ServerOptions};
