//! Finding, reading and parsing the config file, then handing it to validation.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};

use zeroize::Zeroize;

use super::error::{self, ConfigError};
use super::schema::{RawCredentials, RawFile};
use super::validate::{self, Ctx};
use super::{Config, ENV_CONFIG, LoadOptions, credentials, validate_ui};

/// [`super::load`] with the default path injected, so tests never read the real one.
pub(super) fn load_with_default(
    opts: &LoadOptions,
    default: Option<PathBuf>,
) -> Result<Config, ConfigError> {
    let env = |name: &str| (opts.env)(name).filter(|v| !v.is_empty());
    let (path, named_by) = match (&opts.path, env(ENV_CONFIG)) {
        (Some(p), _) => (Some(p.clone()), Some("--config")),
        (None, Some(p)) => (Some(PathBuf::from(p)), Some(ENV_CONFIG)),
        (None, None) => (default, None),
    };
    let mut text = match &path {
        Some(p) => read(p, named_by)?,
        None => None,
    };
    let source = text.as_ref().and(path.clone());
    let result = resolve(path.as_deref(), source, text.as_ref(), &env);
    if let Some((t, _)) = text.as_mut() {
        t.zeroize();
    }
    result
}

fn resolve(
    path: Option<&Path>,
    source: Option<PathBuf>,
    text: Option<&(String, Metadata)>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let file = path.unwrap_or(Path::new(""));
    let raw = match text {
        Some((t, _)) => toml::from_str::<RawFile>(t).map_err(|e| error::from_toml(file, t, &e))?,
        None => RawFile::default(),
    };
    let profile_secret = raw.profiles.values().any(|p| {
        p.get_ref()
            .credentials
            .as_ref()
            .is_some_and(RawCredentials::holds_secret)
    });
    if let Some((_, meta)) = text
        && (profile_secret
            || raw
                .credentials
                .as_ref()
                .is_some_and(RawCredentials::holds_secret))
    {
        check_private(file, meta)?;
    }
    let cx = Ctx {
        file,
        text: text.map_or("", |(t, _)| t.as_str()),
        dir: source.as_deref().and_then(Path::parent),
    };
    let explicit = super::schema::RawEndpoints::explicit(raw.endpoints.as_ref());
    let mut endpoints = validate::endpoints(raw.endpoints, &cx)?;
    super::presets::apply(raw.cloud, "cloud", explicit, &mut endpoints, &cx)?;
    let mut projects = validate::projects(raw.projects, &cx)?;
    let profiles = super::profiles::profiles(raw.profiles, &mut projects, &cx)?;
    let config = Config {
        source: None,
        credentials: credentials::merge(raw.credentials, &cx, path, env)?,
        endpoints,
        projects,
        profiles,
        tuning: validate::tuning(raw.tuning, &cx)?,
        ui: validate_ui::ui(raw.ui, &cx)?,
        log: validate::log(raw.log, &cx)?,
        keys: validate::keys(raw.keys, &cx)?,
        escrow: validate::escrow(raw.escrow, &cx)?,
        views: validate_ui::views(raw.views, &cx)?,
    };
    Ok(Config { source, ..config })
}

/// The text and metadata of the file; `None` when an unnamed (default) file does not exist.
pub(super) fn read(
    path: &Path,
    named_by: Option<&'static str>,
) -> Result<Option<(String, Metadata)>, ConfigError> {
    let io = |error| ConfigError::Io {
        file: path.to_owned(),
        error,
    };
    let mut file = match open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return match named_by {
                Some(named_by) => Err(ConfigError::NotFound {
                    file: path.to_owned(),
                    named_by,
                }),
                None => Ok(None),
            };
        }
        Err(e) => return Err(io(e)),
    };
    // Metadata of the opened handle: the same file that is read, even if the path changes.
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::other("it is a directory")));
    }
    if !meta.is_file() {
        return Err(io(std::io::Error::other(format!(
            "it is a {}, not a regular file",
            kind_of(&meta)
        ))));
    }
    check_not_writable(path, &meta)?;
    let too_large = || {
        io(std::io::Error::other(format!(
            "it is larger than {} KiB; a config file is a few KiB",
            MAX_CONFIG / 1024
        )))
    };
    if meta.len() > MAX_CONFIG {
        return Err(too_large());
    }
    // Sized up front so the buffer holding a secret key is not reallocated (and left behind).
    let mut text = String::with_capacity(usize::try_from(meta.len()).unwrap_or(0) + 1);
    // Capped again while reading: the file may have grown since it was measured.
    let read = (&mut file).take(MAX_CONFIG + 1).read_to_string(&mut text);
    if let Err(e) = read {
        text.zeroize();
        return Err(io(e));
    }
    if text.len() as u64 > MAX_CONFIG {
        text.zeroize();
        return Err(too_large());
    }
    Ok(Some((text, meta)))
}

/// Larger than any real config by far, small enough that a `/dev/zero`-sized mistake costs
/// nothing.
const MAX_CONFIG: u64 = 1024 * 1024;

/// `O_NONBLOCK` so that opening a FIFO returns at once (to be refused) instead of waiting
/// for a writer; it changes nothing for the regular file that is then read.
fn open(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let flags = rustix::fs::OFlags::NONBLOCK.bits();
        options.custom_flags(i32::try_from(flags).unwrap_or(0));
    }
    options.open(path)
}

#[cfg(unix)]
fn kind_of(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "FIFO"
    } else if t.is_char_device() {
        "character device"
    } else if t.is_block_device() {
        "block device"
    } else if t.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn kind_of(_meta: &Metadata) -> &'static str {
    "special file"
}

/// Any config, secret or not: it names the endpoints that receive signed requests.
#[cfg(unix)]
fn check_not_writable(file: &Path, meta: &Metadata) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o022 == 0 {
        return Ok(());
    }
    Err(ConfigError::Writable {
        file: file.to_owned(),
        mode,
    })
}

#[cfg(not(unix))]
fn check_not_writable(_file: &Path, _meta: &Metadata) -> Result<(), ConfigError> {
    Ok(())
}

#[cfg(unix)]
pub(super) fn check_private(file: &Path, meta: &Metadata) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    let access = if mode & 0o044 != 0 {
        "readable"
    } else if mode & 0o022 != 0 {
        "writable"
    } else {
        return Ok(());
    };
    Err(ConfigError::Permissions {
        file: file.to_owned(),
        mode,
        access,
    })
}

#[cfg(not(unix))]
pub(super) fn check_private(_file: &Path, _meta: &Metadata) -> Result<(), ConfigError> {
    Ok(())
}
