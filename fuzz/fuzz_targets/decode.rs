//! validate + decode (and re-encode of what decodes) on arbitrary bytes. Findings: panics,
//! hangs, memory blow-ups, and any disagreement between the fused one-pass decode
//! (`wire::decode_with`, the typed decoder feeding the validator) and the two-pass path
//! (`wire::validate::decode_two_pass`: validate collecting every error, then decode): both
//! must give the same verdict, the same errors in the same order, or the same value. The
//! standalone validator's verdict must match too, and validating the input a second time,
//! after the other passes (the validator reuses its buffers per thread), must give the same
//! result. Re-encoding is not checked for validity (known codec bugs, see
//! tests/wire_roundtrip.rs), only for panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oadr::wire::validate::decode_two_pass;
use oadr::wire::{decode_with, encode, validate, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_size: 1 << 20,
        ..Limits::default()
    };
    let checked = validate(data, &limits);
    let fused = decode_with(data, &limits);
    let two = decode_two_pass(data, &limits);
    match (&fused, &two) {
        // `Debug` as well as `==`, for NaN (which is not equal to itself).
        (Ok(a), Ok(b)) => assert!(
            a == b || format!("{a:?}") == format!("{b:?}"),
            "fused and two-pass decode to different values"
        ),
        (Err(a), Err(b)) => assert_eq!(a, b, "fused and two-pass report different errors"),
        (Ok(_), Err(e)) => panic!("fused accepts, two-pass refuses: {e}"),
        (Err(e), Ok(_)) => panic!("fused refuses ({e}), two-pass accepts"),
    }
    // A document the validator accepts with an oadrPayload root decodes (or the decoder
    // reports why not), and one it refuses never decodes.
    if checked.is_err() {
        assert!(fused.is_err(), "validate refuses, decode accepts");
    }
    if let Ok(payload) = fused {
        let _ = encode(&payload);
    }
    // The validator reuses its buffers per thread (`Scratch`): after the passes above, which
    // may have stopped half-way, the verdict on the same input is unchanged.
    assert_eq!(
        validate(data, &limits),
        checked,
        "validating again after decoding gives another verdict"
    );
});
