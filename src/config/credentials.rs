//! Merging the `[credentials]` table with the SDK's environment variables (env wins), and
//! refusing combinations that would sign with halves of different credentials. No message
//! here ever holds a key, secret or token: they name where a value came from, not the value.

use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use super::error::{ConfigError, file_hint};
use super::schema::RawCredentials;
use super::validate::{Ctx, is_project_id};
use super::{Credentials, ENV_AK, ENV_PROJECT_ID, ENV_SECURITY_TOKEN, ENV_SK};
use crate::secret::Secret;

/// Where a merged value came from, for messages.
#[derive(Clone)]
enum Origin {
    File(Range<usize>),
    Env(&'static str),
}

/// A merged value and where it came from.
type Sourced<T> = Option<(T, Origin)>;

/// The file's value of one key, checked for emptiness and stray whitespace.
fn file_value<T>(
    field: Option<Spanned<T>>,
    key: &str,
    reveal: impl Fn(&T) -> &str,
    cx: &Ctx,
) -> Result<Option<(T, Range<usize>)>, ConfigError> {
    let Some(v) = field else { return Ok(None) };
    if let Some(why) = malformed(reveal(v.get_ref())) {
        let message = format!("{key} {why}; fix the value (it is not shown here)");
        return Err(cx.invalid(v.span(), key, message));
    }
    let span = v.span();
    Ok(Some((v.into_inner(), span)))
}

/// An environment value, checked like a file value.
fn env_value(
    env: &dyn Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<String>, ConfigError> {
    let Some(v) = env(var) else { return Ok(None) };
    match malformed(&v) {
        Some(why) => Err(ConfigError::Env {
            var,
            problem: format!("{why}; fix its value (it is not shown here)"),
        }),
        None => Ok(Some(v)),
    }
}

/// Keys, secrets and tokens are printable ASCII without spaces; anything else is a paste
/// accident that would only surface later as a signature mismatch.
fn malformed(v: &str) -> Option<&'static str> {
    if v.is_empty() {
        Some("is empty")
    } else if !v.chars().all(|c| c.is_ascii_graphic()) {
        Some("holds spaces, control or non-ASCII characters")
    } else {
        None
    }
}

/// Each credential key as the file and the environment give it.
struct Sources {
    file_ak: Option<(String, Range<usize>)>,
    file_sk: Option<(Secret, Range<usize>)>,
    file_token: Option<(Secret, Range<usize>)>,
    env_ak: Option<String>,
    env_sk: Option<Secret>,
    env_token: Option<Secret>,
}

impl Sources {
    fn read(
        raw: RawCredentials,
        cx: &Ctx,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            file_ak: file_value(raw.access_key, "credentials.access_key", String::as_str, cx)?,
            file_sk: file_value(raw.secret_key, "credentials.secret_key", Secret::expose, cx)?,
            file_token: file_value(
                raw.security_token,
                "credentials.security_token",
                Secret::expose,
                cx,
            )?,
            env_ak: env_value(env, ENV_AK)?,
            env_sk: env_value(env, ENV_SK)?.map(Secret::from),
            env_token: env_value(env, ENV_SECURITY_TOKEN)?.map(Secret::from),
        })
    }

    /// Whether the environment replaces the file's access key / secret key with another.
    fn replaced(&self) -> (bool, bool) {
        let differs =
            |e: Option<&str>, f: Option<&str>| e.is_some_and(|e| f.is_some_and(|f| e != f));
        (
            differs(
                self.env_ak.as_deref(),
                self.file_ak.as_ref().map(|v| v.0.as_str()),
            ),
            differs(
                self.env_sk.as_ref().map(Secret::expose),
                self.file_sk.as_ref().map(|v| v.0.expose()),
            ),
        )
    }

    /// The two guards of the module documentation of `config`.
    fn refuse_mixing(&self, cx: &Ctx, file: &str) -> Result<(), ConfigError> {
        let (ak_replaced, sk_replaced) = self.replaced();
        if self.file_ak.is_some() && self.file_sk.is_some() && ak_replaced != sk_replaced {
            let (set, unset) = if ak_replaced {
                (ENV_AK, ENV_SK)
            } else {
                (ENV_SK, ENV_AK)
            };
            return Err(ConfigError::MixedCredentials {
                message: format!(
                    "{set} is set but {unset} is not, while config file {file} holds both keys: \
                     that would pair a key from the environment with one from the file; set \
                     {unset} too, or unset {set}"
                ),
            });
        }
        if let Some((_, span)) = &self.file_token
            && self.env_token.is_none()
            && (ak_replaced || sk_replaced)
        {
            let line = super::Location::line_of(cx.text, span.start).line;
            return Err(ConfigError::MixedCredentials {
                message: format!(
                    "{ENV_AK} and {ENV_SK} replace the keys of config file {file} but not its \
                     security_token (line {line}), which belongs to those keys; set \
                     {ENV_SECURITY_TOKEN} too, or remove security_token from the file"
                ),
            });
        }
        Ok(())
    }
}

/// Env over file, key by key; see the module documentation of `config` for the guards.
pub(super) fn merge(
    raw: Option<RawCredentials>,
    cx: &Ctx,
    path: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>, ConfigError> {
    let sources = Sources::read(raw.unwrap_or_default(), cx, env)?;
    let project_id = project_id(env)?;
    let file = file_hint(path);
    sources.refuse_mixing(cx, &file)?;
    let ak = pick(sources.env_ak, ENV_AK, sources.file_ak);
    let sk = pick(sources.env_sk, ENV_SK, sources.file_sk);
    let token = pick(sources.env_token, ENV_SECURITY_TOKEN, sources.file_token);
    match (ak, sk, token) {
        (Some((access_key, _)), Some((secret_key, _)), token) => Ok(Some(Credentials {
            access_key,
            secret_key,
            security_token: token.map(|(t, _)| t),
            project_id,
        })),
        (Some((_, from)), None, _) => Err(incomplete(cx, &file, from, Half::AccessKey)),
        (None, Some((_, from)), _) => Err(incomplete(cx, &file, from, Half::SecretKey)),
        (None, None, Some((_, from))) => Err(ConfigError::IncompleteCredentials {
            message: format!(
                "a security token is set ({}) but no access key and secret key; set {ENV_AK} \
                 and {ENV_SK}, or add access_key and secret_key to the [credentials] table of \
                 {file}",
                describe(cx, &from, "security_token")
            ),
        }),
        (None, None, None) => Ok(None),
    }
}

/// The environment's value if set, else the file's.
fn pick<T>(env: Option<T>, var: &'static str, file: Option<(T, Range<usize>)>) -> Sourced<T> {
    env.map(|v| (v, Origin::Env(var)))
        .or_else(|| file.map(|(v, span)| (v, Origin::File(span))))
}

/// Which half of the key pair is present.
#[derive(Clone, Copy)]
enum Half {
    AccessKey,
    SecretKey,
}

fn describe(cx: &Ctx, from: &Origin, key: &str) -> String {
    match from {
        Origin::Env(var) => format!("by {var}"),
        Origin::File(span) => format!(
            "by credentials.{key} on line {} of {}",
            super::Location::line_of(cx.text, span.start).line,
            cx.file.display()
        ),
    }
}

fn incomplete(cx: &Ctx, file: &str, from: Origin, present: Half) -> ConfigError {
    let (have, have_key, missing, missing_key, missing_var) = match present {
        Half::AccessKey => (
            "access key",
            "access_key",
            "secret key",
            "secret_key",
            ENV_SK,
        ),
        Half::SecretKey => (
            "secret key",
            "secret_key",
            "access key",
            "access_key",
            ENV_AK,
        ),
    };
    let fix = format!(
        "add {missing_key} to the [credentials] table of {file} (then chmod 600 it), or set \
         {missing_var}"
    );
    match from {
        Origin::File(span) => {
            let key = format!("credentials.{have_key}");
            let message = format!("{key} is set but the {missing} is missing; {fix}");
            cx.invalid(span, &key, message)
        }
        Origin::Env(var) => ConfigError::IncompleteCredentials {
            message: format!("the {have} is set by {var} but the {missing} is missing; {fix}"),
        },
    }
}

fn project_id(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<String>, ConfigError> {
    match env(ENV_PROJECT_ID) {
        Some(id) if !is_project_id(&id) => Err(ConfigError::Env {
            var: ENV_PROJECT_ID,
            problem: format!("must be a project id (letters, digits, '-' or '_'), got {id:?}"),
        }),
        other => Ok(other),
    }
}
