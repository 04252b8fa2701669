//! HTTP (being written).
pub mod message;
