//! What a trial's database must show after the restart: the operation wholly present or
//! wholly absent — in every table's row count, in the operation's own records and in its
//! audit events — and a sound database.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::anyhow;
use chiiki_domain::{Doctor, Entity, Record, RoundId};
use chiiki_store::{DoctorFilter, Paging, Store};

use crate::db::AuditKey;
use crate::ops::{self, Op};

/// What one view of the database says about the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Present,
    Absent,
    /// Neither: what was found.
    Partial(String),
}

impl State {
    fn word(&self) -> &str {
        match self {
            State::Present => "present",
            State::Absent => "absent",
            State::Partial(_) => "partial",
        }
    }
}

/// The operation's own records, to look for after a trial.
pub enum Content {
    /// The doctors of the file, by id, as the file has them.
    Import { doctors: HashMap<String, Doctor> },
    /// The round decided, the run chosen and the assignments an uncontested decision writes.
    Decide {
        round: RoundId,
        seq: u32,
        assignments: Vec<(String, Record)>,
    },
    /// The version adopted.
    Publish { seq: u32 },
}

/// The template's state and an uncontested run's, to compare every trial with.
pub struct Reference {
    /// Rows of every table in the template.
    pub before: BTreeMap<String, i64>,
    /// Rows of every table after an uncontested run.
    pub after: BTreeMap<String, i64>,
    /// The template's highest audit event id.
    pub audit_base: i64,
    /// The audit events an uncontested run adds (sorted).
    pub audit: Vec<AuditKey>,
    pub content: Content,
}

/// The content reference before any run (the assignments of a decision are filled in from
/// the first uncontested run).
pub async fn content_of(op: Op, store: &dyn Store, file: Option<&Path>) -> anyhow::Result<Content> {
    Ok(match op {
        Op::Import => {
            let file = file.ok_or_else(|| anyhow!("no file of doctors"))?;
            let decoded = chiiki_tabular::read::<Doctor>(file, &mut |_, _| {})
                .map_err(|e| anyhow!("reading back {}: {e:?}", file.display()))?;
            if !decoded.issues.is_empty() {
                anyhow::bail!(
                    "{} has {} problems: {:?}",
                    file.display(),
                    decoded.issues.len(),
                    decoded.issues.first()
                );
            }
            Content::Import {
                doctors: decoded
                    .records
                    .into_iter()
                    .map(|(_, d)| (d.id.to_string(), d))
                    .collect(),
            }
        }
        Op::Decide => {
            let (round, seq) = ops::decide_target(store).await?;
            Content::Decide {
                round,
                seq,
                assignments: Vec::new(),
            }
        }
        Op::Publish => Content::Publish {
            seq: ops::publish_target(store).await?,
        },
    })
}

/// Reads the assignments an uncontested decision wrote (those its audit events name).
pub async fn decided_assignments(
    store: &dyn Store,
    audit: &[AuditKey],
) -> anyhow::Result<Vec<(String, Record)>> {
    let mut out = Vec::new();
    for (_, _, entity, id) in audit {
        if entity == Entity::Assignments.code() {
            let record = store
                .get(Entity::Assignments, id)
                .await?
                .ok_or_else(|| anyhow!("the decision's assignment {id} is not in the register"))?;
            out.push((id.clone(), record));
        }
    }
    if out.is_empty() {
        anyhow::bail!("an uncontested decision wrote no assignment");
    }
    Ok(out)
}

/// Whether the operation's records are in the store, all of them as they should be, or
/// none.
pub async fn content_state(store: &dyn Store, content: &Content) -> anyhow::Result<State> {
    match content {
        Content::Import { doctors } => {
            let (mut found, mut differing) = (0usize, Vec::new());
            let mut offset = 0;
            loop {
                let page = store
                    .list_doctors(&DoctorFilter {
                        paging: Paging {
                            limit: Some(5000),
                            offset,
                        },
                        ..DoctorFilter::default()
                    })
                    .await?;
                if page.items.is_empty() {
                    break;
                }
                offset += page.items.len() as u64;
                for d in &page.items {
                    if let Some(want) = doctors.get(d.id.as_str()) {
                        found += 1;
                        if want != d {
                            differing.push(d.id.to_string());
                        }
                    }
                }
            }
            Ok(if found == 0 {
                State::Absent
            } else if found == doctors.len() && differing.is_empty() {
                State::Present
            } else {
                State::Partial(format!(
                    "doctors: {found} of the file's {} in the register, {} differing from the file{}",
                    doctors.len(),
                    differing.len(),
                    differing
                        .first()
                        .map(|d| format!(" (first {d})"))
                        .unwrap_or_default()
                ))
            })
        }
        Content::Decide {
            round,
            seq,
            assignments,
        } => {
            let decision = store.get_decision(*round).await?;
            let (mut found, mut equal) = (0usize, 0usize);
            for (id, want) in assignments {
                if let Some(r) = store.get(Entity::Assignments, id).await? {
                    found += 1;
                    if &r == want {
                        equal += 1;
                    }
                }
            }
            Ok(match decision {
                None if found == 0 => State::Absent,
                Some(d) if d.run == *seq && equal == assignments.len() => State::Present,
                d => State::Partial(format!(
                    "placement_decisions: {}; assignments: {found} of the decision's {} present, {equal} as decided",
                    match d {
                        None => format!("{round} undecided"),
                        Some(d) => format!("{round} decided with run {}", d.run),
                    },
                    assignments.len()
                )),
            })
        }
        Content::Publish { seq } => {
            let adoptions = store.list_adoptions(ops::iwate()).await?;
            let of_seq = adoptions.iter().filter(|a| a.seq == *seq).count();
            Ok(match (of_seq, adoptions.len()) {
                (0, 0) => State::Absent,
                (1, 1) => State::Present,
                (n, all) => State::Partial(format!(
                    "rotation_adoptions: {n} adoptions of version {seq}, {all} in all"
                )),
            })
        }
    }
}

/// Whether every table's row count is the template's or an uncontested run's.
pub fn counts_state(reference: &Reference, counts: &BTreeMap<String, i64>) -> State {
    if counts == &reference.before {
        return State::Absent;
    }
    if counts == &reference.after {
        return State::Present;
    }
    let mut tables: Vec<&String> = reference
        .before
        .keys()
        .chain(reference.after.keys())
        .chain(counts.keys())
        .collect();
    tables.sort();
    tables.dedup();
    let diffs: Vec<String> = tables
        .into_iter()
        .filter_map(|t| {
            let (b, a, n) = (
                reference.before.get(t),
                reference.after.get(t),
                counts.get(t),
            );
            (n != b || n != a).then(|| {
                format!(
                    "{t}: {} rows (template {}, after the operation {})",
                    show(n),
                    show(b),
                    show(a)
                )
            })
        })
        .collect();
    State::Partial(diffs.join("; "))
}

fn show(n: Option<&i64>) -> String {
    n.map_or("—".into(), |n| n.to_string())
}

/// Whether the audit events added since the template are none or exactly an uncontested
/// run's.
pub fn audit_state(reference: &Reference, delta: &[AuditKey]) -> State {
    if delta.is_empty() {
        State::Absent
    } else if delta == reference.audit.as_slice() {
        State::Present
    } else {
        let missing = reference
            .audit
            .iter()
            .filter(|k| !delta.contains(k))
            .count();
        State::Partial(format!(
            "audit_events: {} new events, an uncontested run writes {} ({missing} of them missing)",
            delta.len(),
            reference.audit.len()
        ))
    }
}

/// How a trial ended after the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Present,
    Absent,
    Loss(LossKind, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossKind {
    /// Part of the operation written, part not.
    Partial,
    /// The database is not sound or does not open.
    Integrity,
    /// The audit trail disagrees with the data.
    Audit,
    /// An operation that reported success is absent.
    Lost,
    /// The victim failed on its own, or a check could not run.
    Error,
}

impl LossKind {
    pub fn code(self) -> &'static str {
        match self {
            LossKind::Partial => "partial",
            LossKind::Integrity => "integrity",
            LossKind::Audit => "audit",
            LossKind::Lost => "lost",
            LossKind::Error => "error",
        }
    }
}

/// Judges a trial from its checks. `reported` is whether the victim said `done` (the
/// operation returned, so it must be present).
pub fn judge(
    integrity: &[String],
    counts: &State,
    audit: &State,
    content: &State,
    reported: bool,
) -> Verdict {
    if !integrity.is_empty() {
        return Verdict::Loss(LossKind::Integrity, integrity.join("; "));
    }
    for s in [content, counts] {
        if let State::Partial(what) = s {
            return Verdict::Loss(LossKind::Partial, what.clone());
        }
    }
    if counts != content {
        return Verdict::Loss(
            LossKind::Partial,
            format!(
                "the row counts say {}, the operation's records say {}",
                counts.word(),
                content.word()
            ),
        );
    }
    if audit != content {
        let what = match audit {
            State::Partial(w) => w.clone(),
            other => format!(
                "the audit events are {}, the data {}",
                other.word(),
                content.word()
            ),
        };
        return Verdict::Loss(LossKind::Audit, what);
    }
    match content {
        State::Absent if reported => Verdict::Loss(
            LossKind::Lost,
            "the operation reported success but is absent after the restart".into(),
        ),
        State::Absent => Verdict::Absent,
        _ => Verdict::Present,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> AuditKey {
        ("cli".into(), "create".into(), "doctors".into(), id.into())
    }

    fn reference() -> Reference {
        Reference {
            before: BTreeMap::from([("doctors".into(), 300), ("audit_events".into(), 1000)]),
            after: BTreeMap::from([("doctors".into(), 302), ("audit_events".into(), 1002)]),
            audit_base: 1000,
            audit: vec![key("SYN-0000001"), key("SYN-0000002")],
            content: Content::Publish { seq: 1 },
        }
    }

    #[test]
    fn counts_are_the_templates_or_an_uncontested_runs() {
        let r = reference();
        assert_eq!(counts_state(&r, &r.before), State::Absent);
        assert_eq!(counts_state(&r, &r.after), State::Present);
        let half = BTreeMap::from([("doctors".into(), 301), ("audit_events".into(), 1001)]);
        let State::Partial(what) = counts_state(&r, &half) else {
            panic!("a half-written operation is partial");
        };
        assert!(what.contains("doctors: 301 rows (template 300, after the operation 302)"));
    }

    #[test]
    fn audit_events_are_none_or_all() {
        let r = reference();
        assert_eq!(audit_state(&r, &[]), State::Absent);
        assert_eq!(audit_state(&r, &r.audit), State::Present);
        assert!(matches!(
            audit_state(&r, &[key("SYN-0000001")]),
            State::Partial(_)
        ));
    }

    #[test]
    fn a_trial_loses_on_any_disagreement() {
        let (p, a) = (State::Present, State::Absent);
        let part = State::Partial("x".into());
        assert_eq!(judge(&[], &p, &p, &p, false), Verdict::Present);
        assert_eq!(judge(&[], &a, &a, &a, false), Verdict::Absent);
        let kind = |v: Verdict| match v {
            Verdict::Loss(k, _) => Some(k),
            _ => None,
        };
        assert_eq!(kind(judge(&[], &a, &a, &a, true)), Some(LossKind::Lost));
        assert_eq!(
            kind(judge(&["page 3 broken".into()], &p, &p, &p, false)),
            Some(LossKind::Integrity)
        );
        assert_eq!(
            kind(judge(&[], &part, &p, &p, false)),
            Some(LossKind::Partial)
        );
        assert_eq!(
            kind(judge(&[], &p, &p, &part, false)),
            Some(LossKind::Partial)
        );
        assert_eq!(kind(judge(&[], &a, &a, &p, false)), Some(LossKind::Partial));
        assert_eq!(kind(judge(&[], &p, &a, &p, false)), Some(LossKind::Audit));
        assert_eq!(
            kind(judge(&[], &a, &part, &a, false)),
            Some(LossKind::Audit)
        );
    }
}
