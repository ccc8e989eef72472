//! Files ecsreset writes for itself (the data directory, the trail, saved audits): private
//! to the user, never through a symbolic link, never into something another user owns.
//!
//! A symlinked `trail.jsonl` pointing at `~/.bashrc`, or a data directory someone else can
//! write, would turn ecsreset's own records into a way to plant or read data.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// `O_NOFOLLOW`: a symlink as the last component fails with `ELOOP` instead of being
/// followed. `O_NONBLOCK`: a FIFO without a reader fails instead of hanging the run (it is a
/// no-op for the regular files that pass the checks).
fn no_follow() -> i32 {
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    // The flag bits are small positive values; `open(2)` takes them as an int.
    i32::try_from(flags.bits()).unwrap_or(i32::MAX)
}

fn refuse(path: &Path, why: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("{}: {why}", path.display()),
    )
}

fn with_path(path: &Path, e: io::Error) -> io::Error {
    if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
        return refuse(
            path,
            "is a symbolic link; ecsreset does not follow links for its files",
        );
    }
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

fn my_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

fn check_owner(path: &Path, meta: &Metadata) -> io::Result<()> {
    if meta.uid() == my_uid() {
        return Ok(());
    }
    Err(refuse(
        path,
        format!(
            "is owned by another user (uid {}, you are uid {})",
            meta.uid(),
            my_uid()
        ),
    ))
}

/// Creates `path` (mode 0700; missing parents get the usual mode) or checks an existing one:
/// a real directory, not a link, owned by this user, not writable by group or others.
pub fn private_dir(path: &Path) -> io::Result<()> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(parent).map_err(|e| with_path(parent, e))?;
            }
            match fs::DirBuilder::new().mode(0o700).create(path) {
                Ok(()) => {}
                // Created meanwhile by another ecsreset: checked below like any other.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(with_path(path, e)),
            }
            fs::symlink_metadata(path).map_err(|e| with_path(path, e))?
        }
        Err(e) => return Err(with_path(path, e)),
    };
    if meta.file_type().is_symlink() {
        return Err(refuse(
            path,
            "is a symbolic link; point --data-dir at the real directory",
        ));
    }
    if !meta.is_dir() {
        return Err(refuse(path, "is not a directory"));
    }
    check_owner(path, &meta)?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(refuse(
            path,
            format!(
                "is writable by group or others (mode {mode:04o}); run: chmod 700 {}",
                path.display()
            ),
        ));
    }
    Ok(())
}

/// Opens `path` for appending, creating it 0600; refuses a link, a FIFO or device, and a file
/// of another user. An existing file of ours that group or others can read is narrowed to 0600.
pub fn open_private_append(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(no_follow())
        .open(path)
        .map_err(|e| with_path(path, e))?;
    check_file(path, &file)?;
    Ok(file)
}

fn check_file(path: &Path, file: &File) -> io::Result<()> {
    let meta = file.metadata().map_err(|e| with_path(path, e))?;
    if !meta.is_file() {
        return Err(refuse(path, "is not a regular file"));
    }
    check_owner(path, &meta)?;
    if meta.permissions().mode() & 0o077 != 0 {
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(|e| with_path(path, e))?;
    }
    Ok(())
}

/// Replaces `path` with `bytes` atomically (a 0600 temporary file next to it, then a rename,
/// which replaces a link rather than writing through it). An existing `path` must be a
/// regular file of this user.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(refuse(
                path,
                "is a symbolic link; ecsreset does not follow links for its files",
            ));
        }
        Ok(meta) if !meta.is_file() => return Err(refuse(path, "is not a regular file")),
        Ok(meta) => check_owner(path, &meta)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(with_path(path, e)),
    }
    let tmp = temp_name(path);
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(no_follow())
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(with_path(path, e));
    }
    Ok(())
}

fn temp_name(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// `path` for display, with the home directory as `~`: sealed files and trails live deep in
/// the data directory, and a narrow screen should spend its width on the part that differs.
pub fn home_short(path: &Path) -> String {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    match home.as_deref().and_then(|h| path.strip_prefix(h).ok()) {
        Some(rest) if !rest.as_os_str().is_empty() => format!("~/{}", rest.display()),
        _ => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// A directory owned by someone else: as root, one handed to `nobody`; otherwise `/`.
    fn foreign_dir(base: &Path) -> PathBuf {
        if my_uid() != 0 {
            return PathBuf::from("/");
        }
        let dir = base.join("theirs");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        dir
    }

    #[test]
    fn private_dir_is_created_0700_and_rechecked() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("a/data");
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        private_dir(&dir).unwrap();
    }

    #[test]
    fn private_dir_refuses_links_strangers_and_open_dirs() {
        let t = tempfile::tempdir().unwrap();
        let real = t.path().join("real");
        fs::create_dir(&real).unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o700)).unwrap();
        let link = t.path().join("link");
        symlink(&real, &link).unwrap();
        let e = private_dir(&link).unwrap_err().to_string();
        assert!(e.contains("is a symbolic link"), "{e}");

        let e = private_dir(&foreign_dir(t.path())).unwrap_err().to_string();
        assert!(e.contains("owned by another user"), "{e}");

        fs::set_permissions(&real, fs::Permissions::from_mode(0o777)).unwrap();
        let e = private_dir(&real).unwrap_err().to_string();
        assert!(
            e.contains("writable by group or others (mode 0777); run: chmod 700"),
            "{e}"
        );

        let file = t.path().join("file");
        fs::write(&file, "").unwrap();
        assert!(
            private_dir(&file)
                .unwrap_err()
                .to_string()
                .contains("not a directory")
        );
    }

    #[test]
    fn append_creates_0600_and_narrows_an_open_file() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("trail.jsonl");
        open_private_append(&path)
            .unwrap()
            .write_all(b"a\n")
            .unwrap();
        assert_eq!(mode(&path), 0o600);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        open_private_append(&path)
            .unwrap()
            .write_all(b"b\n")
            .unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(fs::read_to_string(&path).unwrap(), "a\nb\n");
    }

    #[test]
    fn append_refuses_a_link_a_fifo_and_a_strangers_file() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("bashrc");
        fs::write(&target, "original\n").unwrap();
        let link = t.path().join("trail.jsonl");
        symlink(&target, &link).unwrap();
        let e = open_private_append(&link).unwrap_err().to_string();
        assert!(e.contains("is a symbolic link"), "{e}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "original\n");

        // A FIFO with no reader would block a plain open for writing forever.
        let fifo = t.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        assert!(open_private_append(&fifo).is_err());

        let theirs = t.path().join("theirs.jsonl");
        fs::write(&theirs, "").unwrap();
        if my_uid() == 0 {
            std::os::unix::fs::chown(&theirs, Some(65534), None).unwrap();
            let e = open_private_append(&theirs).unwrap_err().to_string();
            assert!(e.contains("owned by another user"), "{e}");
        }
    }

    #[test]
    fn write_private_is_0600_and_replaces_no_link_target() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("audit.json");
        write_private(&path, b"{}").unwrap();
        assert_eq!(mode(&path), 0o600);
        write_private(&path, b"{\"a\":1}").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "{\"a\":1}");

        let target = t.path().join("elsewhere");
        fs::write(&target, "keep").unwrap();
        let link = t.path().join("linked.json");
        symlink(&target, &link).unwrap();
        let e = write_private(&link, b"x").unwrap_err().to_string();
        assert!(e.contains("is a symbolic link"), "{e}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");
        let leftovers = fs::read_dir(t.path()).unwrap().count();
        assert_eq!(leftovers, 3, "no temporary file is left behind");
    }
}
