//! ecsreset: a terminal tool for Huawei Cloud ECS one-click password resets.
//!
//! Layering, from the bottom up (a module may use only those above it in this list):
//! - [`secret`], [`password`], [`cloud::sign`], [`cloud::wire`]: pure data and rules, no I/O.
//! - [`escrow`]: generated passwords sealed with age to the operator's keys, and read back.
//! - [`config`]: the TOML schema and the load order (defaults < file < env < flags).
//! - [`cloud`]: the signed HTTP client; the only code that talks to Huawei Cloud.
//! - [`sim`]: the ECS+IAM simulator, built on the same `sign` and `wire` as the client.
//!
//! Every entry point is a library function so that tests can call it directly; `main.rs`
//! only parses arguments and dispatches.

pub mod audit;
pub mod cli;
pub mod cloud;
pub mod commands;
pub mod config;
pub mod coredump;
pub mod escrow;
pub mod fsx;
pub mod ops;
pub mod password;
pub mod report;
pub mod secret;
pub mod sim;
pub mod tui;
pub mod winpw;
