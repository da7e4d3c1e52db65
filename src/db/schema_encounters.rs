//! Encounter tables (being written).
