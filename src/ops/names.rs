//! A server named on the command line by its name or by the short id the TUI shows, not
//! only by its full id: each such reference must match exactly one listed server. Pure: the
//! caller lists the projects and passes what they hold.

use super::Project;
use crate::cloud::wire::ServerDetail;

/// A full server id (a UUID): taken as given, with no listing needed.
pub fn is_full_id(r: &str) -> bool {
    r.len() == 36
        && r.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The TUI's short id is the first 8 characters; a prefix shorter than that would match too
/// much by chance to be a deliberate reference.
const MIN_PREFIX: usize = 8;

/// The full id each reference stands for, in order. A name matches exactly; a hex prefix of
/// at least `MIN_PREFIX` characters matches the ids it starts. None or several matches is
/// an error naming the reference (and the candidates), never a guess.
pub fn resolve(refs: &[String], listed: &[(Project, ServerDetail)]) -> Result<Vec<String>, String> {
    let mut out = Vec::with_capacity(refs.len());
    for r in refs {
        if is_full_id(r) {
            out.push(r.clone());
            continue;
        }
        let prefix = r.len() >= MIN_PREFIX && r.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        let mut hits: Vec<&(Project, ServerDetail)> = listed
            .iter()
            .filter(|(_, s)| {
                s.name.as_deref() == Some(r) || (prefix && s.id.starts_with(r.as_str()))
            })
            .collect();
        hits.dedup_by(|a, b| a.1.id == b.1.id);
        match hits.as_slice() {
            [] => {
                return Err(format!(
                    "no listed server is named {r:?} or has an id starting with it \
                     (a short id needs at least {MIN_PREFIX} characters)"
                ));
            }
            [(_, s)] => out.push(s.id.clone()),
            many => {
                let names: Vec<String> = many
                    .iter()
                    .map(|(p, s)| {
                        format!(
                            "{} ({}) in {}",
                            s.name.as_deref().unwrap_or("?"),
                            s.id,
                            p.label
                        )
                    })
                    .collect();
                return Err(format!(
                    "{r:?} matches {} servers: {}; name one by its full id",
                    many.len(),
                    names.join(", ")
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::ProjectRef;

    fn project(label: &str) -> Project {
        Project {
            project: ProjectRef {
                id: format!("p-{label}"),
                region: "cn-north-4".into(),
            },
            label: label.into(),
            protected: false,
            profile: None,
        }
    }

    fn server(id: &str, name: &str) -> ServerDetail {
        ServerDetail {
            id: id.into(),
            name: Some(name.into()),
            ..Default::default()
        }
    }

    const A: &str = "7a123497-b590-48a6-810e-ca38336ea2df";
    const B: &str = "7a123497-0000-48a6-810e-ca38336ea2df";
    const C: &str = "fb2511fd-3133-459f-b610-5c26bf9c4d2e";

    fn listed() -> Vec<(Project, ServerDetail)> {
        vec![
            (project("prod"), server(A, "web-01")),
            (project("prod"), server(B, "web-02")),
            (project("prod"), server(C, "db-01")),
            (
                project("staging"),
                server("0b0b0b0b-3133-459f-b610-5c26bf9c4d2e", "db-01"),
            ),
        ]
    }

    fn refs(r: &[&str]) -> Vec<String> {
        r.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn full_ids_pass_untouched_even_when_not_listed() {
        let unknown = "00000000-0000-0000-0000-000000000000";
        assert!(is_full_id(unknown));
        assert_eq!(resolve(&refs(&[unknown]), &[]).unwrap(), [unknown]);
        assert!(!is_full_id("web-01"));
        assert!(!is_full_id(&A.replace('-', "x")));
    }

    #[test]
    fn a_unique_name_or_short_id_gives_the_full_id() {
        assert_eq!(resolve(&refs(&["web-01"]), &listed()).unwrap(), [A]);
        assert_eq!(resolve(&refs(&["fb2511fd"]), &listed()).unwrap(), [C]);
        assert_eq!(resolve(&refs(&["7a123497-b5"]), &listed()).unwrap(), [A]);
    }

    #[test]
    fn ambiguous_or_unknown_references_are_errors_naming_the_candidates() {
        let e = resolve(&refs(&["7a123497"]), &listed()).unwrap_err();
        assert!(
            e.contains("matches 2 servers") && e.contains(A) && e.contains(B),
            "{e}"
        );
        let e = resolve(&refs(&["db-01"]), &listed()).unwrap_err();
        assert!(e.contains("in prod") && e.contains("in staging"), "{e}");
        let e = resolve(&refs(&["nope"]), &listed()).unwrap_err();
        assert!(e.contains("\"nope\""), "{e}");
        // A short prefix is not a reference to whatever happens to start with it.
        assert!(resolve(&refs(&["fb25"]), &listed()).is_err());
    }
}
