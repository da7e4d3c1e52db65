//! Eligibility, pure: the 270 inquiry writer and the 271 response reader (005010X279A1).
//!
//! - [`write_270`] turns an [`Envelope`](super::Envelope) and an [`Inquiry`] into one
//!   interchange (GS*HS): information source (payer), receiver (provider), subscriber and, when
//!   the patient is not the subscriber, the dependent; the DTP*291 date and one EQ per service
//!   type at the patient's level.
//! - [`read_271`] turns a 271 into an [`Eligibility`]: AAA rejections at every level, subscriber
//!   and dependent demographics (with the payer's corrections flagged by INS03 `001`), and the
//!   EB benefits with their REF/DTP/AAA/MSG/III segments and 2120 benefit-related entities.
//!
//! docs/eligibility.md describes what is read and how the output is checked.

pub mod codes;
pub mod model;
mod read271;
pub mod sample;
mod write270;

#[cfg(test)]
mod tests;

pub use model::*;
pub use read271::read_271;
pub use write270::{write_270, Inquiry, InquiryPerson, InquiryProvider, VERSION_270};
