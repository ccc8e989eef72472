//! Compares two audits: servers that appeared, vanished, or changed flag.

use super::record::AuditRecord;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagChange {
    pub record: AuditRecord,
    pub before: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditDiff {
    pub appeared: Vec<AuditRecord>,
    pub vanished: Vec<AuditRecord>,
    pub changed: Vec<FlagChange>,
}

impl AuditDiff {
    pub fn is_empty(&self) -> bool {
        self.appeared.is_empty() && self.vanished.is_empty() && self.changed.is_empty()
    }
}

/// Servers are matched by (project id, server id).
pub fn diff(before: &[AuditRecord], after: &[AuditRecord]) -> AuditDiff {
    let key = |r: &AuditRecord| (r.project_id.clone(), r.server_id.clone());
    let old: BTreeMap<_, _> = before.iter().map(|r| (key(r), r)).collect();
    let new: BTreeMap<_, _> = after.iter().map(|r| (key(r), r)).collect();
    let mut d = AuditDiff::default();
    for (k, r) in &new {
        match old.get(k) {
            None => d.appeared.push((*r).clone()),
            Some(o) if o.reset_supported != r.reset_supported => {
                d.changed.push(FlagChange {
                    record: (*r).clone(),
                    before: o.reset_supported,
                });
            }
            Some(_) => {}
        }
    }
    d.vanished = old
        .iter()
        .filter(|(k, _)| !new.contains_key(*k))
        .map(|(_, r)| (*r).clone())
        .collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, flag: Option<bool>) -> AuditRecord {
        AuditRecord {
            project_id: "p".into(),
            region: "cn-north-4".into(),
            server_id: id.into(),
            kind: Default::default(),
            name: id.into(),
            status: "ACTIVE".into(),
            os_type: None,
            reset_supported: flag,
            error: None,
            not_offered: false,
            profile: None,
        }
    }

    #[test]
    fn finds_appeared_vanished_and_changed() {
        let before = vec![rec("a", Some(true)), rec("b", Some(false)), rec("c", None)];
        let after = vec![
            rec("a", Some(true)),
            rec("b", Some(true)),
            rec("d", Some(false)),
        ];
        let d = diff(&before, &after);
        assert_eq!(
            d.appeared
                .iter()
                .map(|r| r.server_id.as_str())
                .collect::<Vec<_>>(),
            ["d"]
        );
        assert_eq!(
            d.vanished
                .iter()
                .map(|r| r.server_id.as_str())
                .collect::<Vec<_>>(),
            ["c"]
        );
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].before, Some(false));
        assert!(diff(&after, &after).is_empty());
    }
}
