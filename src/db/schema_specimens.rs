//! Specimen tables (being written).
