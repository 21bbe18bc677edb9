//! Generating twice from the same schema gives byte-identical files (reviewable diffs on a
//! schema update depend on it), and every file starts with the `@generated` header.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn read_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("output dir")
        .map(|e| {
            let p = e.expect("entry").path();
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("read"))
        })
        .collect()
}

#[test]
fn two_runs_write_identical_bytes() {
    let xsd = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../xsd");
    let base =
        std::env::temp_dir().join(format!("oadr-codegen-determinism-{}", std::process::id()));
    let (a, b) = (base.join("a"), base.join("b"));
    oadr_codegen::generate(&xsd, &a).expect("first run");
    oadr_codegen::generate(&xsd, &b).expect("second run");
    let (fa, fb) = (read_dir(&a), read_dir(&b));
    let _ = std::fs::remove_dir_all(&base);
    assert!(
        fa.contains_key("wire_generated.rs") && fa.contains_key("oadr.rs"),
        "{:?}",
        fa.keys()
    );
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        assert!(
            bytes.starts_with(b"// @generated"),
            "{name} lacks the header"
        );
        assert!(fb[name] == *bytes, "{name} differs between two runs");
    }
}
