//! Load tests over fixture files (`tests/data/config/`) and temp files; the environment is
//! always injected, and the default path is always a temp path, so the real user's config
//! and environment are never read.

mod credentials;
mod escrow;
mod file_safety;
mod loading;
mod profiles;
mod sections;
mod support;
