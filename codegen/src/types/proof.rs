//! Generator proof that a generated type's encoder writes only child sequences its element
//! declaration's content model accepts, so that the validating writer runs no automaton step
//! for the children of such an element (`w.decl_proven(i)`, see `wire::encode::check`).
//!
//! The encoder of a generated type writes its children in field order: a field of type `T`
//! writes one element, `Option<T>` zero or one, `Vec<T>` any number, a choice enum one of its
//! variants, a group field its group's children. That is a regular language over element
//! declarations ([`Lang`]), read off the Rust type. Where the Rust type does not enforce the
//! schema's occurrence bounds (a `Vec` for `minOccurs="1" maxOccurs="unbounded"`), the
//! encoder counts the values at run time (`w.occurs(n, min, max)`: outside the bounds the
//! writer refuses the document, the full validator reports why) and the language uses the
//! schema's bounds.
//!
//! The proof ([`Model::accepts_all`]) runs the declaration's content-model automaton (the same
//! Glushkov automaton the validator tables carry, with the same substitution group members per
//! term) over the whole language at once: it tracks the set of automaton states that some
//! prefix can reach, fails as soon as one element of the language has no transition from one
//! of them (the runtime's `child_by_decl` would refuse it), and requires every state reachable
//! after a complete word to be accepting. Success means every value of the Rust type is written
//! as a child sequence the validator accepts; debug builds re-check each child anyway.

use std::collections::BTreeSet;

use crate::validator::automaton::{self, Term};
use crate::validator::model::{Compiled, ContentDef};

/// Element sequences over declaration indices (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lang {
    /// One element of this declaration.
    Decl(u16),
    /// The parts one after the other.
    Seq(Vec<Lang>),
    /// One of the parts.
    Alt(Vec<Lang>),
    /// The part between `min` and `max` (`None`: unbounded) times.
    Repeat(Box<Lang>, u64, Option<u64>),
}

/// Occurrence bounds as the encoder enforces them: the Rust type's range (`rust`), narrowed
/// to the schema's (`schema`) by a run-time count where the type does not enforce them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Fewest values written.
    pub min: u64,
    /// Most values written (`None`: unbounded).
    pub max: Option<u64>,
    /// The encoder counts the values (the Rust range is wider than the schema's).
    pub counted: bool,
}

impl Bounds {
    /// The bounds for a Rust range `rust` and the schema's `schema`.
    pub fn new(rust: (u64, Option<u64>), schema: (u64, Option<u64>)) -> Self {
        let within = rust.0 >= schema.0 && le(rust.1, schema.1);
        if within {
            return Self {
                min: rust.0,
                max: rust.1,
                counted: false,
            };
        }
        Self {
            min: rust.0.max(schema.0),
            max: match (rust.1, schema.1) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, None) => a,
                (None, b) => b,
            },
            counted: true,
        }
    }
}

/// `a <= b` for upper bounds (`None`: unbounded).
fn le(a: Option<u64>, b: Option<u64>) -> bool {
    match (a, b) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(a), Some(b)) => a <= b,
    }
}

/// `lang` repeated within `b`.
pub fn repeat(lang: Lang, b: Bounds) -> Lang {
    if b.min == 1 && b.max == Some(1) {
        lang
    } else {
        Lang::Repeat(Box::new(lang), b.min, b.max)
    }
}

/// One content model: its automaton, with the declarations each term accepts.
#[derive(Debug)]
pub struct Model {
    /// `follow[0]`: the first positions; `follow[p + 1]`: the positions after position `p`.
    follow: Vec<Vec<usize>>,
    accepting: Vec<bool>,
    /// Per position: the declarations it accepts, `None` for a wildcard.
    terms: Vec<Option<Vec<u16>>>,
}

/// The content models of the compiled complex types (`None`: no element content, or an
/// automaton the tables could not build either).
pub fn models(c: &Compiled) -> Vec<Option<Model>> {
    c.complex
        .iter()
        .map(|t| {
            let ContentDef::Model(p) = &t.content else {
                return None;
            };
            let a = automaton::build(p).ok()?;
            let terms = a
                .terms
                .iter()
                .map(|t| match t {
                    Term::Element(d) => crate::validator::emit::substitutes(c, *d)
                        .into_iter()
                        .map(|(_, i)| u16::try_from(i).ok())
                        .collect(),
                    Term::Any(_) => None,
                })
                .collect();
            Some(Model {
                follow: a.follow,
                accepting: a.accepting,
                terms,
            })
        })
        .collect()
}

/// Largest repetition count unrolled by the proof (larger bounds are not proven).
const MAX_COUNT: u64 = 1024;

impl Model {
    /// Whether every word of `lang` is accepted from the start state (see the module docs).
    pub fn accepts_all(&self, lang: &Lang) -> bool {
        self.run(lang, BTreeSet::from([0]))
            .is_some_and(|end| end.iter().all(|q| self.accepting.get(*q) == Some(&true)))
    }

    /// The transition the runtime's `child_by_decl` takes: the first follower position whose
    /// term accepts `decl` (a wildcard alone is not a proof).
    fn step(&self, state: usize, decl: u16) -> Option<usize> {
        self.follow.get(state)?.iter().find_map(|p| {
            let accepts = self.terms.get(*p)?.as_ref()?.contains(&decl);
            accepts.then_some(p + 1)
        })
    }

    /// The states some word of `lang` reaches from `from`; `None` when a word gets stuck.
    fn run(&self, lang: &Lang, from: BTreeSet<usize>) -> Option<BTreeSet<usize>> {
        match lang {
            Lang::Decl(d) => from.iter().map(|s| self.step(*s, *d)).collect(),
            Lang::Seq(parts) => parts.iter().try_fold(from, |s, p| self.run(p, s)),
            Lang::Alt(parts) if parts.is_empty() => None,
            Lang::Alt(parts) => {
                let mut out = BTreeSet::new();
                for p in parts {
                    out.extend(self.run(p, from.clone())?);
                }
                Some(out)
            }
            Lang::Repeat(part, min, max) => {
                if *min > MAX_COUNT || max.is_some_and(|m| m > MAX_COUNT) {
                    return None;
                }
                let mut current = from;
                for _ in 0..*min {
                    current = self.run(part, current)?;
                }
                let mut all = current.clone();
                let mut count = *min;
                while max.is_none_or(|m| count < m) {
                    let next = self.run(part, current)?;
                    // Nothing new: later rounds start from states already explored.
                    if next.is_subset(&all) {
                        break;
                    }
                    all.extend(next.iter().copied());
                    current = next;
                    count += 1;
                }
                Some(all)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validator::model::{Particle, Qn};

    fn compiled(model: Particle) -> Compiled {
        let elements = (0..4)
            .map(|i| crate::validator::model::ElemDef {
                name: Qn {
                    ns: String::new(),
                    local: format!("e{i}"),
                },
                ty: crate::validator::model::TypeRef::Simple(0),
                nillable: false,
                abstract_: false,
                fixed: None,
                default: None,
                global: false,
                head: None,
            })
            .collect();
        Compiled {
            complex: vec![crate::validator::model::ComplexDef {
                name: "t".into(),
                attrs: vec![],
                any_attr: None,
                content: ContentDef::Model(model),
                mixed: false,
                abstract_: false,
                base: None,
            }],
            elements,
            ..Compiled::default()
        }
    }

    fn el(decl: usize, min: u64, max: Option<u64>) -> Particle {
        Particle::Element { decl, min, max }
    }

    fn model(p: Particle) -> Model {
        models(&compiled(p)).pop().flatten().expect("model")
    }

    fn d(i: u16) -> Lang {
        Lang::Decl(i)
    }

    fn rep(l: Lang, min: u64, max: Option<u64>) -> Lang {
        Lang::Repeat(Box::new(l), min, max)
    }

    #[test]
    fn a_sequence_is_its_fields() {
        // (e0, e1?, e2*, e3{1,unbounded})
        let m = model(Particle::Sequence {
            items: vec![
                el(0, 1, Some(1)),
                el(1, 0, Some(1)),
                el(2, 0, None),
                el(3, 1, None),
            ],
            min: 1,
            max: Some(1),
        });
        let fields =
            |e3: Lang| Lang::Seq(vec![d(0), rep(d(1), 0, Some(1)), rep(d(2), 0, None), e3]);
        assert!(m.accepts_all(&fields(rep(d(3), 1, None))));
        // A Vec without a count: the empty list is refused by the schema.
        assert!(!m.accepts_all(&fields(rep(d(3), 0, None))));
        // Wrong order, a missing required element, too many.
        assert!(!m.accepts_all(&Lang::Seq(vec![rep(d(1), 0, Some(1)), d(0), d(3)])));
        assert!(!m.accepts_all(&Lang::Seq(vec![d(3)])));
        assert!(!m.accepts_all(&Lang::Seq(vec![rep(d(0), 1, Some(2)), d(3)])));
    }

    #[test]
    fn choices_and_bounded_repeats() {
        // (e0 | e1){1,3}, e2?
        let m = model(Particle::Sequence {
            items: vec![
                Particle::Choice {
                    items: vec![el(0, 1, Some(1)), el(1, 1, Some(1))],
                    min: 1,
                    max: Some(3),
                },
                el(2, 0, Some(1)),
            ],
            min: 1,
            max: Some(1),
        });
        let choice = Lang::Alt(vec![d(0), d(1)]);
        assert!(m.accepts_all(&rep(choice.clone(), 1, Some(3))));
        assert!(m.accepts_all(&Lang::Seq(vec![rep(choice.clone(), 2, Some(2)), d(2)])));
        assert!(!m.accepts_all(&rep(choice.clone(), 1, Some(4))));
        assert!(!m.accepts_all(&rep(choice.clone(), 0, Some(1))));
        assert!(!m.accepts_all(&rep(choice, 1, None)));
        assert!(!m.accepts_all(&Lang::Alt(vec![])));
    }

    #[test]
    fn bounds_count_only_where_the_type_is_wider() {
        let b = Bounds::new((0, None), (1, None));
        assert_eq!((b.min, b.max, b.counted), (1, None, true));
        let b = Bounds::new((0, Some(1)), (0, Some(1)));
        assert_eq!((b.min, b.max, b.counted), (0, Some(1), false));
        let b = Bounds::new((0, None), (0, Some(5)));
        assert_eq!((b.min, b.max, b.counted), (0, Some(5), true));
        let b = Bounds::new((1, Some(1)), (0, None));
        assert_eq!((b.min, b.max, b.counted), (1, Some(1), false));
    }
}
