//! Core dumps off for the whole run: a core of a reset holds the password and the secret key
//! (request bodies, signing buffers, the config text), and `Secret`'s zeroizing only helps
//! once a value is dropped. Called first thing in `main`, before any secret is read.

use std::io;

/// Sets the core size limit (soft and hard, so no child can raise it) to 0 and, on Linux,
/// marks the process not dumpable, which also keeps other processes of the same user from
/// attaching a debugger or reading `/proc/<pid>/mem`.
pub fn forbid() -> io::Result<()> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        let zero = Rlimit {
            current: Some(0),
            maximum: Some(0),
        };
        setrlimit(Resource::Core, zero).map_err(io::Error::from)?;
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
        .map_err(io::Error::from)?;
    Ok(())
}
