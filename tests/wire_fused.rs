//! Differential test of the fused pass of `wire::decode` (the typed decoder and the validator
//! over one tokenization, used for valid messages): on every fixture, hostile input and
//! encoding variant, and on thousands of deterministic mutants (the generator of
//! `wire_xmllint.rs`), `decode` gives exactly what the two-pass path gives (validate the
//! whole document, collecting every error, then decode): the same errors in the same order,
//! or the same value. The fuzz corpus (`fuzz/corpus/decode/`, inputs that reached new code
//! in the decoder and validator) is included as it is. Also under tight limits (depth, size,
//! error count).

mod mutants;
mod support;

use oadr::wire::validate::decode_two_pass;
use oadr::wire::{decode_with, Limits};

/// Mutants per fixture (wire_xmllint uses 24 with the same seeds; these go further).
const PER_FIXTURE: u64 = 40;

fn agree(bytes: &[u8], limits: &Limits) -> Result<bool, String> {
    let fused = decode_with(bytes, limits);
    let two = decode_two_pass(bytes, limits);
    match (&fused, &two) {
        // `Debug` for NaN (which is not equal to itself).
        (Ok(a), Ok(b)) if a == b || format!("{a:?}") == format!("{b:?}") => Ok(true),
        (Err(a), Err(b)) if a == b => Ok(false),
        (Ok(_), Ok(_)) => Err("both decode, to different values".into()),
        (Ok(_), Err(e)) => Err(format!("fused accepts, two-pass refuses: {e}")),
        (Err(e), Ok(_)) => Err(format!("fused refuses ({e}), two-pass accepts")),
        (Err(a), Err(b)) => Err(format!("different errors: fused {a:?}, two-pass {b:?}")),
    }
}

fn documents() -> Vec<(String, Vec<u8>)> {
    let mut docs = Vec::new();
    let dirs = [
        "valid",
        "signed/openleadr",
        "invalid",
        "encodings",
        "disputed",
        "hostile",
    ];
    for (fi, f) in dirs
        .iter()
        .flat_map(|d| support::fixture_files(d))
        .enumerate()
    {
        let bytes = std::fs::read(&f).expect("read fixture");
        let name = support::file_name(&f);
        // Hostile inputs as they are: the mutant tree of a 20 000-deep document would
        // overflow the stack of the (recursive) mutant generator.
        let hostile = f.components().any(|c| c.as_os_str() == "hostile");
        if let Some(doc) = (!hostile).then(|| mutants::parse(&bytes)).flatten() {
            for j in 0..PER_FIXTURE {
                if let Some((label, xml)) = mutants::mutate(&doc, (fi as u64) << 20 | j) {
                    docs.push((format!("{label} from {name}"), xml.into_bytes()));
                }
            }
        }
        docs.push((name, bytes));
    }
    let corpus = support::root().join("fuzz/corpus/decode");
    let mut entries: Vec<_> = std::fs::read_dir(&corpus)
        .expect("fuzz corpus")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    assert!(
        entries.len() > 500,
        "fuzz corpus has {} inputs",
        entries.len()
    );
    for p in entries {
        let bytes = std::fs::read(&p).expect("read corpus input");
        docs.push((format!("fuzz corpus {}", support::file_name(&p)), bytes));
    }
    docs
}

#[test]
fn fused_decode_equals_validate_then_decode() {
    let limits = Limits::default();
    let (mut valid, mut invalid) = (0, 0);
    let mut failures = Vec::new();
    for (name, bytes) in documents() {
        match agree(&bytes, &limits) {
            Ok(true) => valid += 1,
            Ok(false) => invalid += 1,
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    eprintln!(
        "{valid} decode, {invalid} are refused, {} disagree",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Both outcomes are exercised in numbers, so agreement is not vacuous.
    assert!(
        valid > 500 && invalid > 2000,
        "{valid} valid, {invalid} invalid"
    );
}

#[test]
fn fused_decode_equals_validate_then_decode_under_tight_limits() {
    let tight = [
        Limits {
            max_depth: 6,
            ..Limits::default()
        },
        Limits {
            max_errors: 1,
            ..Limits::default()
        },
        Limits {
            max_size: 4096,
            ..Limits::default()
        },
    ];
    let mut failures = Vec::new();
    let mut refused = [0; 3];
    for (name, bytes) in documents().iter().step_by(7) {
        for (i, limits) in tight.iter().enumerate() {
            match agree(bytes, limits) {
                Ok(true) => {}
                Ok(false) => refused[i] += 1,
                Err(e) => failures.push(format!("{name} under {limits:?}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        refused.iter().all(|n| *n > 50),
        "refusals per limit: {refused:?}"
    );
}
