//! WebSocket: the notes' section 构建WebSocket服务 (being written).
