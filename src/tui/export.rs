//! Where `ctrl-s` puts the table: `exports/` in the data directory, a private file (0600 in
//! 0700 directories, never through a link), as saved audits are kept.

use std::io;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `exports/<file_name>` under `data_dir` and returns the path.
pub fn save(data_dir: &Path, file_name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    if file_name.contains(['/', '\\']) || file_name.starts_with('.') {
        return Err(io::Error::other(format!(
            "{file_name:?} is not a plain file name"
        )));
    }
    crate::fsx::private_dir(data_dir)?;
    let dir = data_dir.join("exports");
    crate::fsx::private_dir(&dir)?;
    let path = dir.join(file_name);
    crate::fsx::write_private(&path, bytes)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_file_is_private_and_named_as_asked() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("data");
        let path = super::save(&base, "servers-1.csv", b"name\nweb-01\n").unwrap();
        assert_eq!(path, base.join("exports/servers-1.csv"));
        assert_eq!(std::fs::read(&path).unwrap(), b"name\nweb-01\n");
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&base.join("exports")), 0o700);
        assert!(super::save(&base, "../x.csv", b"").is_err());
    }
}
