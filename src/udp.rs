//! UDP: the notes' section 构建UDP服务 (being written).
