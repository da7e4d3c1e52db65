//! Placeholder: the X12 837P writer and 999/277CA readers are being written (pure: no HTTP, no SQL).
