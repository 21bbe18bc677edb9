//! The encoders carry the validator tables' declaration indices where a name has one
//! declaration, and mark the sites whose Rust value type guarantees a valid value
//! (`types/checks.rs`): checked on a few sites of known types.

use std::path::PathBuf;

/// The hint statement right before each encoder site that writes element `tag` (`None` for a
/// site without one).
fn hints(src: &str, tag: &str) -> Vec<Option<String>> {
    const CALL: &str = "crate::wire::encode::EncodeElement::encode_element(";
    let src: String = src.chars().filter(|c| !c.is_whitespace()).collect();
    let site = format!(",w,b\"{tag}\"");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = src[from..].find(&site) {
        let before = &src[..from + at];
        from += at + site.len();
        let Some(call) = before.rfind(CALL) else {
            continue;
        };
        let stmt = before[..call]
            .strip_suffix(';')
            .map(|b| &b[b.rfind([';', '{', '}']).map_or(0, |i| i + 1)..])
            .unwrap_or("");
        out.push(
            stmt.starts_with("w.decl")
                .then(|| stmt.split('(').next().unwrap_or("").to_owned()),
        );
    }
    out
}

#[test]
fn sites_carry_declarations_and_trust_where_the_types_guarantee_validity() {
    let xsd = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../xsd");
    let out = std::env::temp_dir().join(format!("oadr-codegen-hints-{}", std::process::id()));
    oadr_codegen::generate(&xsd, &out).expect("generate");
    let read = |f: &str| std::fs::read_to_string(out.join(f)).expect("generated file");
    let (ei, xcal, strm) = (read("ei.rs"), read("xcal.rs"), read("strm.rs"));
    let _ = std::fs::remove_dir_all(&out);
    let cases = [
        // A generated enumeration of exactly the declared type's values.
        (&ei, "ei:eventStatus", "w.decl_trusted"),
        // xs:string, unrestricted.
        (&ei, "ei:eventID", "w.decl_trusted"),
        // xs:unsignedInt held in a u32.
        (&ei, "ei:modificationNumber", "w.decl_trusted"),
        // A union with the extension-token pattern: the value is checked.
        (&ei, "ei:signalName", "w.decl"),
        // A pattern facet (xcal:DateTimeType): checked.
        (&xcal, "xcal:date-time", "w.decl"),
        // Content models proven by the generator (`types/proof.rs`): sequences of required,
        // optional and repeated children, choices, substitution groups.
        (&ei, "ei:eventDescriptor", "w.decl_proven"),
        (&ei, "ei:eiEventSignal", "w.decl_proven"),
        (&ei, "strm:intervals", "w.decl_proven"),
        (&strm, "ei:interval", "w.decl_proven"),
        // `xcal:duration` has two declarations, one complex and one simple: the interval's
        // child is the complex one (`CheckIndex::decl`).
        (&ei, "xcal:duration", "w.decl_proven"),
        // `xcal:components` has two complex declarations: no index, so no proof yet.
        (&ei, "ei:eiActivePeriod", "w.decl"),
    ];
    // `ei:interval` is `maxOccurs="unbounded"` with `minOccurs="1"`: the `Vec` is counted.
    let compact: String = strm.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        compact.contains("w.occurs(<[_]>::len(&self.interval),1,usize::MAX);"),
        "no count of ei:interval"
    );
    for (src, tag, want) in cases {
        let found = hints(src, tag);
        assert!(!found.is_empty(), "no encoder site for {tag}");
        for h in found {
            assert_eq!(h.as_deref(), Some(want), "{tag}");
        }
    }
}
