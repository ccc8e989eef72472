//! Configuration: TOML schema, load order, and errors that name file, line and key.

pub mod keys;
