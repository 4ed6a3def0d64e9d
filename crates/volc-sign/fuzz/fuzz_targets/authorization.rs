//! Fuzzes the `Authorization` parser: any bytes, never a panic; whatever parses respects
//! the documented bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(parsed) = volc_sign::parse_authorization(text) {
            assert!(text.len() <= volc_sign::MAX_AUTHORIZATION_LEN);
            assert!(parsed.signed_header_names().count() <= volc_sign::MAX_SIGNED_HEADERS);
            assert!(!parsed.access_key_id.is_empty());
        }
    }
});
