//! Every integration test, in one binary: linking one test executable against the library
//! instead of one per file saves most of the link time of `cargo test`. Each module was a
//! `tests/*.rs` file of its own; `support` holds what they share.
//!
//! The modules run as threads of one process, so none may change process-wide state (current
//! directory, environment, umask, signal dispositions, rlimits): whatever must, runs in a
//! spawned `ecsreset`.

mod support;

mod chaos;
mod cli_headless;
mod cloud_client;
mod confirm_refused_pty;
mod csms_escrow;
mod e2e_k9s;
mod e2e_pty;
mod hardening_net;
mod hardening_output;
mod hardening_process;
mod password_stdin_pty;
mod profiles_cli;
mod profiles_pty;
mod prop_parsing;
mod reload_pty;
mod reveal_pty;
mod secrets_sentinel;
mod signing_vectors;
mod sim_agency;
mod sim_auth;
mod sim_bms;
mod sim_capability;
mod sim_cli;
mod sim_client;
mod sim_conformance;
mod sim_ecs;
mod sim_faults;
mod terminal_restore;
mod trail_kill;
mod tui_palette;
mod tui_snapshots;
mod tui_worker;
mod windows_password;
mod windows_password_tty;
