//! Node `net` against our tcp-server and tcp-client (being written).
