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

/// Line ends are normalized before anything reads text (XML 1.0 §2.11): every valid fixture
/// rewritten with CR LF line ends decodes, through the fused pass and the two-pass path
/// alike, to the value of the original. The fused pass reads simple content from the
/// validator's copy of the text (line ends normalized), the two-pass decoder from its own
/// reading: this is where the two could drift apart. `xs:any` content is kept as raw
/// (escaped) text, so the documents that carry some compare through `agree` only.
#[test]
fn crlf_line_ends_decode_to_the_same_value() {
    let limits = Limits::default();
    let (mut same, mut any_content) = (0, 0);
    let mut failures = Vec::new();
    for f in support::fixture_files("valid") {
        let name = support::file_name(&f);
        let lf = std::fs::read(&f).expect("read fixture");
        let lf: Vec<u8> = lf.into_iter().filter(|b| *b != b'\r').collect();
        let crlf: Vec<u8> = lf
            .iter()
            .flat_map(|b| {
                if *b == b'\n' {
                    vec![b'\r', b'\n']
                } else {
                    vec![*b]
                }
            })
            .collect();
        match agree(&crlf, &limits) {
            Ok(true) => {}
            Ok(false) => {
                failures.push(format!("{name}: refused with CR LF line ends"));
                continue;
            }
            Err(e) => {
                failures.push(format!("{name} with CR LF line ends: {e}"));
                continue;
            }
        }
        let (Ok(a), Ok(b)) = (decode_with(&lf, &limits), decode_with(&crlf, &limits)) else {
            failures.push(format!("{name}: does not decode"));
            continue;
        };
        if a == b || format!("{a:?}") == format!("{b:?}") {
            same += 1;
        } else if name.contains("greenbutton-atom-feed") {
            // The Atom feed is `xs:any` content, whose text is kept raw, CRs included (see
            // the doc comment); fused and two-pass still agree on it (checked above).
            any_content += 1;
        } else {
            failures.push(format!("{name}: CR LF line ends change the decoded value"));
        }
    }
    eprintln!("{same} equal, {any_content} differ in xs:any text only");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(same > 100, "{same} fixtures decode to the same value");
    assert!(
        any_content <= 4,
        "{any_content} fixtures differ in xs:any text"
    );
}

/// The validator keeps its buffers per thread for the next document (`Scratch` in
/// `validate/engine.rs`): nothing of one document may leak into the verdict on the next.
/// Every document here is validated right after another one (which may have stopped half-way
/// with elements open, at the error limit or a fatal error, or have grown the buffers), and
/// the result must equal what a thread that never validated anything gets.
#[test]
fn validation_after_another_document_equals_validation_on_a_fresh_thread() {
    let limits = Limits {
        max_errors: 3,
        ..Limits::default()
    };
    let docs: Vec<(String, Vec<u8>)> = documents().into_iter().step_by(5).collect();
    let fresh: Vec<_> = std::thread::scope(|s| {
        docs.iter()
            .map(|(_, bytes)| {
                s.spawn(|| oadr::wire::validate(bytes, &limits))
                    .join()
                    .expect("validator thread")
            })
            .collect()
    });
    let mut failures = Vec::new();
    for (i, (name, bytes)) in docs.iter().enumerate() {
        let before = &docs[(i * 7 + 3) % docs.len()].1;
        let _ = oadr::wire::validate(before, &limits);
        let _ = decode_with(before, &limits);
        if oadr::wire::validate(bytes, &limits) != fresh[i] {
            failures.push(name.clone());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(fresh.iter().filter(|r| r.is_ok()).count() > 100);
    assert!(fresh.iter().filter(|r| r.is_err()).count() > 400);
}
