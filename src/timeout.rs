//! Timeouts: what a time limit means, the same in every module, and how a wait that ran out
//! is recognised.
//!
//! A time limit is an `Option<Duration>` (or a `Duration` where there is always one):
//!
//! - `None` is no limit: the wait lasts as long as it takes.
//! - `Some(d)`: the wait gives up after `d`, with an error [`is_timeout`] recognises.
//! - A zero `Duration` is a limit already reached: the call gives up at once, without
//!   waiting and without reading or writing, as a deadline in the past does. It never means
//!   "no limit": that is `None`. (Node's `socket.setTimeout(0)` turns the timeout off, and
//!   Linux reads a zero `SO_RCVTIMEO` as no limit at all; std refuses a zero socket timeout.
//!   Here `None` says "off", so zero can say what it says everywhere else.)
//!
//! On the command line every flag that takes a time limit takes milliseconds from 1 up, and
//! `0` is refused (`error:`, exit 2): a limit reached before anything can happen is never
//! what a user means, and "no limit" is not spelled 0 (`cli::Kind::Millis`). A period is not
//! a limit: `ws-server --ping-interval 0` turns the heartbeat off (`cli::Kind::Interval`).
//!
//! A blocking socket waits with a limit (`SO_RCVTIMEO`, `SO_SNDTIMEO`, `socket(7)`); when the
//! limit passes, the read or write fails with `EAGAIN`, which std calls
//! [`ErrorKind::WouldBlock`]. A wait that the crate cuts short itself (a zero limit, a
//! deadline that has passed) fails with [`ErrorKind::TimedOut`]. Both mean the same thing to a
//! caller — the time is up, the connection is still fine — and [`is_timeout`] is the one
//! place that says so.

use std::io::{self, ErrorKind};
use std::time::Duration;

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

/// The wait to hand the kernel (`set_read_timeout`, `set_write_timeout`, `connect_timeout`)
/// for a limit: `None` and a non-zero limit as they are; a zero limit is already reached, so
/// the error of a wait that ran out, at once.
///
/// ```
/// use netnotes::timeout::{is_timeout, kernel_wait};
/// use std::time::Duration;
/// assert_eq!(kernel_wait(None).unwrap(), None);
/// let second = Some(Duration::from_secs(1));
/// assert_eq!(kernel_wait(second).unwrap(), second);
/// assert!(is_timeout(&kernel_wait(Some(Duration::ZERO)).unwrap_err()));
/// ```
pub fn kernel_wait(limit: Option<Duration>) -> io::Result<Option<Duration>> {
    match limit {
        Some(limit) if limit.is_zero() => Err(ErrorKind::TimedOut.into()),
        limit => Ok(limit),
    }
}
