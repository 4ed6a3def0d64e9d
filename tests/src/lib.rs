//! Cross-crate tests of the volc-live workspace live in `tests/`; this library is empty.
