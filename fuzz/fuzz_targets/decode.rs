//! validate + decode (and re-encode of what decodes) on arbitrary bytes: must never panic,
//! never accept a document it then fails to re-encode validly... except for known codec
//! bugs, so only panics and hangs are findings here.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oadr::wire::{decode, encode, validate, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_size: 1 << 20, ..Limits::default() };
    let _ = validate(data, &limits);
    if let Ok(payload) = decode(data) {
        let _ = encode(&payload);
    }
});
