//! Nagle's algorithm, measured (being written).
