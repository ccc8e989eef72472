//! ecsreset: a terminal tool for Huawei Cloud ECS one-click password resets.
//!
//! Modules, from the bottom up:
//! - [`secret`]: a string that never prints (passwords, secret keys, tokens).
//! - [`password`]: per-OS password rules and the generator.
//! - [`report`]: table, JSON and CSV writers over `impl Write`, with control characters neutralised.
//! - [`fsx`]: private files and directories (no symlinks, owner checks), and [`coredump`]:
//!   core dumps off for the whole run.
//! - [`winpw`]: decrypting a Windows server's initial Administrator password with its key pair.
//! - [`config`]: the TOML schema, profiles, presets, the load order (defaults < file < env < flags)
//!   and errors that name file, line and key.
//! - [`cloud`]: the signed HTTP client (signing, wire types, limiter, retries, typed errors,
//!   several accounts behind one client).
//! - [`escrow`]: generated passwords sealed to the operator's keys before they are sent, and
//!   read back (`reveal`).
//! - [`ops`]: the change engine (plan, write-ahead trail, reset/reboot/start): every change
//!   from either front end goes through it.
//! - [`audit`]: the list-and-flag engine, streaming one event per result.
//! - [`sim`]: the signature-checking ECS/BMS/IAM/CSMS simulator, built on the client's own
//!   `sign` and `wire`.
//! - [`cli`]: argument definitions (clap), parsing only.
//! - [`commands`]: the headless front end; [`tui`]: the interactive one (runtime, worker,
//!   state, update, ui).
//!
//! The layering rule: logic that decides (signing, password rules, limiter policy, change
//! planning, the TUI's state and reducer) does no I/O and is handed the time; only [`cloud`]
//! and [`sim`] speak HTTP; the front ends are thin over the engines, so the TUI and the
//! headless commands cannot drift. `layering_tests` checks the first two on the source.
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

#[cfg(test)]
mod layering_tests;
