//! Huawei Cloud CSMS as a second escrow sink: which secret holds a server's password.
//!
//! `[escrow] csms = { region = "cn-north-4", name = "ecs-{server_id}" }`. The name is a
//! template; CSMS accepts only `^[a-zA-Z0-9_-]{1,64}$` (`CreateSecretRequestBody.name`), so
//! the literal parts are held to that at load time, and every expansion is checked again
//! before anything is sent (a server name may hold any character). Pure: no I/O.

/// The name used when `name` is not given.
pub const DEFAULT_NAME: &str = "ecs-{server_id}";

/// CSMS's limit on a secret name.
pub const MAX_NAME: usize = 64;

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 4] = ["server_id", "name", "region", "project_id"];

/// Length of an ECS server id (a UUID), the shortest value `{server_id}` takes.
const SERVER_ID_LEN: usize = 36;
/// Length of a Huawei Cloud project id (32 hex digits).
const PROJECT_ID_LEN: usize = 32;

/// `[escrow] csms`: where each generated password is also stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsmsConfig {
    /// The region whose CSMS holds the secrets; `None` = each server's own region.
    pub region: Option<String>,
    pub name: NameTemplate,
}

/// A validated secret-name template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameTemplate(String);

/// The values a template is expanded with.
#[derive(Debug, Clone, Copy)]
pub struct NameFields<'a> {
    pub server_id: &'a str,
    pub name: &'a str,
    pub region: &'a str,
    pub project_id: &'a str,
}

enum Part<'a> {
    Text(&'a str),
    Field(&'a str),
}

/// Splits a template into text and placeholders, or says what is wrong with it.
fn parts(t: &str) -> Result<Vec<Part<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = t;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            None => {
                out.push(Part::Text(rest));
                break;
            }
            Some(i) if rest.as_bytes()[i] == b'}' => {
                return Err("has a '}' with no '{' before it".into());
            }
            Some(i) => {
                if i > 0 {
                    out.push(Part::Text(&rest[..i]));
                }
                let after = &rest[i + 1..];
                let end = after
                    .find('}')
                    .ok_or_else(|| "has a '{' that is never closed".to_owned())?;
                out.push(Part::Field(&after[..end]));
                rest = &after[end + 1..];
            }
        }
    }
    Ok(out)
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// What CSMS accepts as a secret name.
pub fn is_secret_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_NAME && s.chars().all(name_char)
}

impl NameTemplate {
    /// Checks a template: known placeholders only, `{server_id}` present (two servers must
    /// never share a secret), literal text CSMS accepts, short enough for a server id.
    pub fn parse(t: &str) -> Result<Self, String> {
        let mut has_id = false;
        let mut fixed = 0;
        for part in parts(t)? {
            match part {
                Part::Text(s) => {
                    if let Some(c) = s.chars().find(|c| !name_char(*c)) {
                        return Err(format!(
                            "holds {c:?}, which CSMS does not allow in a secret name (letters, \
                             digits, '_' and '-' only)"
                        ));
                    }
                    fixed += s.len();
                }
                Part::Field("server_id") => {
                    has_id = true;
                    fixed += SERVER_ID_LEN;
                }
                Part::Field("project_id") => fixed += PROJECT_ID_LEN,
                Part::Field(f) if PLACEHOLDERS.contains(&f) => fixed += 1,
                Part::Field(f) => {
                    return Err(format!(
                        "has an unknown placeholder {{{f}}}; use {}",
                        PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                    ));
                }
            }
        }
        if !has_id {
            return Err(
                "must contain {server_id}: each server needs a secret of its own".to_owned(),
            );
        }
        if fixed > MAX_NAME {
            return Err(format!(
                "is too long: with a {SERVER_ID_LEN}-character server id (and a \
                 {PROJECT_ID_LEN}-character project id) it is at least {fixed} characters, and \
                 CSMS allows {MAX_NAME}"
            ));
        }
        Ok(Self(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The secret name for one server, or why that server cannot have one.
    pub fn expand(&self, f: &NameFields) -> Result<String, String> {
        let mut out = String::new();
        for part in parts(&self.0).expect("validated by parse") {
            out.push_str(match part {
                Part::Text(s) => s,
                Part::Field("server_id") => f.server_id,
                Part::Field("name") => f.name,
                Part::Field("region") => f.region,
                Part::Field("project_id") => f.project_id,
                Part::Field(_) => unreachable!("validated by parse"),
            });
        }
        if is_secret_name(&out) {
            Ok(out)
        } else if out.len() > MAX_NAME {
            Err(format!(
                "the CSMS secret name from {:?} would be {} characters; CSMS allows {MAX_NAME}",
                self.0,
                out.len()
            ))
        } else {
            Err(format!(
                "the CSMS secret name from {:?} would hold characters CSMS does not allow \
                 (letters, digits, '_' and '-' only); use a template without {{name}}",
                self.0
            ))
        }
    }
}

impl Default for NameTemplate {
    fn default() -> Self {
        Self::parse(DEFAULT_NAME).expect("the default template is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "6a3f1c2e-8b7d-4e5f-9a0b-1c2d3e4f5a6b";

    fn fields(name: &str) -> NameFields<'_> {
        NameFields {
            server_id: ID,
            name,
            region: "cn-north-4",
            project_id: "0123456789abcdef0123456789abcdef",
        }
    }

    #[test]
    fn placeholders_expand() {
        let t = NameTemplate::parse("pw_{region}-{name}-{server_id}").unwrap();
        assert_eq!(
            t.expand(&fields("web-1")).unwrap(),
            format!("pw_cn-north-4-web-1-{ID}")
        );
        let d = NameTemplate::default();
        assert_eq!(d.expand(&fields("x")).unwrap(), format!("ecs-{ID}"));
    }

    #[test]
    fn bad_templates_say_why() {
        let e = |t: &str| NameTemplate::parse(t).unwrap_err();
        assert!(
            e("ecs-{id}").contains("unknown placeholder {id}"),
            "{}",
            e("ecs-{id}")
        );
        assert!(e("ecs-{name}").contains("must contain {server_id}"));
        assert!(
            e("ecs.{server_id}").contains("'.'"),
            "{}",
            e("ecs.{server_id}")
        );
        assert!(e("ecs-{server_id").contains("never closed"));
        assert!(e("ecs-}{server_id}").contains("'}'"));
        assert!(e("").contains("{server_id}"));
        let long = format!("{}{{server_id}}", "a".repeat(29));
        assert!(e(&long).contains("at least 65"), "{}", e(&long));
        assert!(NameTemplate::parse(&format!("{}{{server_id}}", "a".repeat(28))).is_ok());
        assert!(e("{project_id}{server_id}").contains("at least 68"));
    }

    #[test]
    fn an_expansion_csms_would_refuse_is_an_error_per_server() {
        let t = NameTemplate::parse("{name}-{server_id}").unwrap();
        let e = t.expand(&fields("web 1.example")).unwrap_err();
        assert!(e.contains("characters CSMS does not allow"), "{e}");
        let e = t.expand(&fields(&"n".repeat(40))).unwrap_err();
        assert!(e.contains("77 characters"), "{e}");
    }

    #[test]
    fn secret_names_follow_the_sdk_pattern() {
        assert!(is_secret_name("ecs-A_9"));
        assert!(is_secret_name(&"a".repeat(64)));
        for bad in ["", "a b", "a.b", "ä", &"a".repeat(65)] {
            assert!(!is_secret_name(bad), "{bad:?}");
        }
    }
}
