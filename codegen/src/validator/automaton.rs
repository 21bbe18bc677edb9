//! Content models as Glushkov (position) automata.
//!
//! Every particle is unrolled by its occurrence bounds into a regular expression over
//! *terms* (element declarations or wildcards), then the position automaton is built:
//! state 0 is the start, state `p + 1` means "just matched position `p`". XSD's Unique
//! Particle Attribution rule makes this automaton deterministic, so the runtime needs no
//! backtracking: from each state at most one follower position matches a given child.

use super::model::{Particle, Wildcard};

#[derive(Clone, Debug)]
pub enum Term {
    Element(usize),
    Any(Wildcard),
}

enum Re {
    Empty,
    Sym(usize),
    Seq(Vec<Re>),
    Alt(Vec<Re>),
    Opt(Box<Re>),
    Star(Box<Re>),
}

/// The automaton of one content model.
#[derive(Debug)]
pub struct Automaton {
    pub terms: Vec<Term>,
    /// `follow[0]` is the first set; `follow[p + 1]` the positions that may follow `p`.
    pub follow: Vec<Vec<usize>>,
    pub accepting: Vec<bool>,
}

/// Largest finite maxOccurs unrolled into positions.
const MAX_UNROLL: u64 = 64;

fn unroll(p: &Particle, terms: &mut Vec<Term>) -> Result<Re, String> {
    let (min, max) = match p {
        Particle::Element { min, max, .. }
        | Particle::Any { min, max, .. }
        | Particle::Sequence { min, max, .. }
        | Particle::Choice { min, max, .. } => (*min, *max),
    };
    if max.is_some_and(|m| m > MAX_UNROLL) || min > MAX_UNROLL {
        return Err(format!(
            "occurrence bound above {MAX_UNROLL} is not supported"
        ));
    }
    let one = |terms: &mut Vec<Term>| -> Result<Re, String> {
        Ok(match p {
            Particle::Element { decl, .. } => {
                terms.push(Term::Element(*decl));
                Re::Sym(terms.len() - 1)
            }
            Particle::Any { wildcard, .. } => {
                terms.push(Term::Any(wildcard.clone()));
                Re::Sym(terms.len() - 1)
            }
            Particle::Sequence { items, .. } => Re::Seq(
                items
                    .iter()
                    .map(|i| unroll(i, terms))
                    .collect::<Result<_, _>>()?,
            ),
            Particle::Choice { items, .. } => Re::Alt(
                items
                    .iter()
                    .map(|i| unroll(i, terms))
                    .collect::<Result<_, _>>()?,
            ),
        })
    };
    let mut parts = Vec::new();
    for _ in 0..min {
        parts.push(one(terms)?);
    }
    match max {
        None => parts.push(Re::Star(Box::new(one(terms)?))),
        Some(m) => {
            for _ in min..m {
                parts.push(Re::Opt(Box::new(one(terms)?)));
            }
        }
    }
    Ok(match parts.len() {
        0 => Re::Empty,
        1 => parts.pop().unwrap_or(Re::Empty),
        _ => Re::Seq(parts),
    })
}

struct Info {
    nullable: bool,
    first: Vec<usize>,
    last: Vec<usize>,
}

fn union(a: &mut Vec<usize>, b: &[usize]) {
    for x in b {
        if !a.contains(x) {
            a.push(*x);
        }
    }
}

fn glushkov(re: &Re, follow: &mut [Vec<usize>]) -> Info {
    match re {
        Re::Empty => Info {
            nullable: true,
            first: vec![],
            last: vec![],
        },
        Re::Sym(p) => Info {
            nullable: false,
            first: vec![*p],
            last: vec![*p],
        },
        Re::Opt(r) => {
            let mut i = glushkov(r, follow);
            i.nullable = true;
            i
        }
        Re::Star(r) => {
            let i = glushkov(r, follow);
            for l in &i.last {
                let f = i.first.clone();
                union(&mut follow[*l], &f);
            }
            Info {
                nullable: true,
                ..i
            }
        }
        Re::Alt(rs) => {
            let mut out = Info {
                nullable: rs.is_empty(),
                first: vec![],
                last: vec![],
            };
            for r in rs {
                let i = glushkov(r, follow);
                out.nullable |= i.nullable;
                union(&mut out.first, &i.first);
                union(&mut out.last, &i.last);
            }
            out
        }
        Re::Seq(rs) => {
            let mut out = Info {
                nullable: true,
                first: vec![],
                last: vec![],
            };
            for r in rs {
                let i = glushkov(r, follow);
                for l in &out.last {
                    union(&mut follow[*l], &i.first);
                }
                if out.nullable {
                    union(&mut out.first, &i.first);
                }
                if i.nullable {
                    union(&mut out.last, &i.last);
                } else {
                    out.last = i.last;
                }
                out.nullable &= i.nullable;
            }
            out
        }
    }
}

/// Build the position automaton of a content model.
pub fn build(p: &Particle) -> Result<Automaton, String> {
    let mut terms = Vec::new();
    let re = unroll(p, &mut terms)?;
    let mut follow_pos = vec![Vec::new(); terms.len()];
    let info = glushkov(&re, &mut follow_pos);
    let mut follow = Vec::with_capacity(terms.len() + 1);
    follow.push(info.first.clone());
    follow.extend(follow_pos);
    let mut accepting = vec![false; terms.len() + 1];
    accepting[0] = info.nullable;
    for l in &info.last {
        accepting[l + 1] = true;
    }
    for f in &mut follow {
        f.sort_unstable();
    }
    Ok(Automaton {
        terms,
        follow,
        accepting,
    })
}
