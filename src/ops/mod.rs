//! Operations: durability checks, online backup and restore, live code-table reloads and the
//! graceful stop of `medbill serve`.

pub mod backup;
pub mod code_reload;
pub mod durability;
pub mod restore;
pub mod stop;
