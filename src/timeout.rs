//! Timeouts: how a wait that ran out is recognised, the same way in every module.
//!
//! A blocking socket waits with a limit (`SO_RCVTIMEO`, `SO_SNDTIMEO`, `socket(7)`); when the
//! limit passes, the read or write fails with `EAGAIN`, which std calls
//! [`ErrorKind::WouldBlock`]. A wait that the crate cuts short itself (a deadline that has
//! passed before the read begins) fails with [`ErrorKind::TimedOut`]. Both mean the same
//! thing to a caller — the time is up, the connection is still fine — and [`is_timeout`] is
//! the one place that says so.

use std::io::{self, ErrorKind};

/// Whether a read or write gave up because its time limit ran out (Linux says `EAGAIN`),
/// rather than because the connection failed.
///
/// ```
/// use netnotes::timeout::is_timeout;
/// use std::io::{Error, ErrorKind};
/// assert!(is_timeout(&Error::from(ErrorKind::WouldBlock)));
/// assert!(is_timeout(&Error::from(ErrorKind::TimedOut)));
/// assert!(!is_timeout(&Error::from(ErrorKind::ConnectionReset)));
/// ```
pub fn is_timeout(err: &io::Error) -> bool {
    matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}
