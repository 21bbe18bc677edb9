//! Property tests of the model: JSON (serde) round trips for every message type.

mod model {
    pub mod strategies;
}

use model::strategies;
use oadr::model::Message;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// model → JSON → model is the identity, for every message type.
    #[test]
    fn json_round_trip(m in strategies::message()) {
        let json = serde_json::to_string(&m).expect("serialize");
        let back: Message = serde_json::from_str(&json).map_err(|e| {
            TestCaseError::fail(format!("{e}\n{json}"))
        })?;
        prop_assert_eq!(back, m);
    }
}

#[test]
fn every_message_type_is_generated() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut seen = std::collections::BTreeSet::new();
    let mut runner = TestRunner::deterministic();
    let strategy = strategies::message();
    for _ in 0..2000 {
        let m = strategy.new_tree(&mut runner).expect("tree").current();
        seen.insert(m.message_type());
    }
    assert_eq!(
        seen.len(),
        Message::TYPES.len(),
        "missing: {:?}",
        Message::TYPES
            .iter()
            .filter(|t| !seen.contains(*t))
            .collect::<Vec<_>>()
    );
}
