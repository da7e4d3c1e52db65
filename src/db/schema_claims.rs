//! Claim and submission-queue tables (being written).
