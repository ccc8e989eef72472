//! Command-line definitions (clap). Parsing only; `commands` does the work.

// Doc comments here are `--help` text, which names config tables as `[tuning]`; rustdoc
// would read those as links.
#![allow(rustdoc::broken_intra_doc_links)]

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "ecsreset",
    version,
    about = "Fast, safe one-click password resets for Huawei Cloud ECS fleets",
    long_about = "Browse the servers of every configured project, see which support one-click \
                  password reset, reset root/Administrator passwords safely, and audit flags.\n\n\
                  Without a command, opens the terminal UI. `--demo` runs everything against a \
                  built-in simulator, no cloud account needed.",
    after_help = "Credentials come from the config file's [credentials] table or from the SDK's \
                  environment variables HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK \
                  (/ HUAWEICLOUD_SDK_SECURITY_TOKEN). Passwords are never taken from arguments \
                  or the environment."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Config file (default: the platform config dir, or $ECSRESET_CONFIG)
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Run against a built-in simulator with a demo fleet (no account needed)
    #[arg(long, global = true)]
    pub demo: bool,
    /// Disable every change (resets, reboots)
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Where saved audits and the audit trail live (default: the platform data dir)
    #[arg(long, global = true, value_name = "PATH", env = "ECSRESET_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Only these projects (region name, project id or label); repeatable
    #[arg(long = "project", global = true, value_name = "REGION|ID")]
    pub projects: Vec<String>,
    /// Terminal UI: clicks select and sort, the wheel scrolls (as `[ui] mouse = true`)
    #[arg(long)]
    pub mouse: bool,
    /// Only these profiles of the config (`[profiles.NAME]`, `default` for the top-level
    /// one); repeatable; default: $ECSRESET_PROFILE (comma-separated), else every profile
    #[arg(long = "profile", global = true, value_name = "NAME")]
    pub profiles: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List servers with status, OS and address (reset flags: `audit` or `flag`)
    #[command(
        after_help = "Exit status: 0 every project listed; 2 some project could not be listed \
                      (named on stderr; the others are listed); 1 fatal error (e.g. the keys \
                      are rejected)."
    )]
    List(ListArgs),
    /// Check the one-click reset flag of every server
    #[command(
        after_help = "Exit status: 0 every flag determined; 2 some flag stayed unknown or a \
                            project could not be listed; 3 unsupported servers found and \
                            --fail-on-unsupported given (wins over 2); 1 fatal error."
    )]
    Audit(AuditArgs),
    /// Show the reset flag of the given servers
    Flag(FlagArgs),
    /// Reset the root/Administrator password of the given servers
    #[command(
        after_help = "The password is read from a hidden prompt (--password-prompt), from \
                            standard input (--password-stdin), or generated (--generate, printed \
                            once). It applies only after the server (re)starts: use --reboot.\n\
                            Exit status: 0 every reset accepted and every requested reboot \
                            confirmed; 1 otherwise (a reset may have been accepted even so: the \
                            results and `ecsreset trail` say which)."
    )]
    Reset(ResetArgs),
    /// Reboot running servers (soft or hard) and follow the job
    #[command(
        after_help = "Only ACTIVE servers are rebooted; a SHUTOFF one is refused (use \
                            `ecsreset start`). Exit status: 0 every reboot confirmed (or started, \
                            with --no-wait); 1 otherwise."
    )]
    Reboot(RebootArgs),
    /// Start shut-off servers (os-start) and follow the job
    Start(StartArgs),
    /// Show the audit trail of changes, unfinished operations first
    #[command(
        after_help = "An operation is unfinished when its intent was recorded but no \
                            outcome was: it may or may not have been applied. Check the server, \
                            then `--ack OP` (or `--ack all`) records that you did."
    )]
    Trail(TrailArgs),
    /// Show the initial Administrator password of a Windows server created with a key pair
    #[command(
        after_help = "The stored password is encrypted to the key pair; it is decrypted here \
                            with the private key (PEM, mode 0600) and shown on the terminal only \
                            (/dev/tty), never on stdout. Afterwards you are asked whether to clear \
                            the stored copy (recorded in the audit trail)."
    )]
    WindowsPassword(WindowsPasswordArgs),
    /// Show a server's newest sealed password on the terminal (never on stdout)
    #[command(
        after_help = "Decrypts the newest record for SERVER_ID in the escrow directory ([escrow] \
                            dir, default escrow/ in the data directory) with an age identity file \
                            or an SSH private key (ed25519 or rsa; a passphrase is asked for on \
                            the terminal). Without --identity: ~/.ssh/id_ed25519, else \
                            ~/.ssh/id_rsa. The password is written to /dev/tty only; without a \
                            terminal it refuses. Every reveal is recorded in the audit trail."
    )]
    Reveal(RevealArgs),
    /// Run the ECS+IAM simulator on loopback
    Sim(Box<crate::sim::SimCliArgs>),
    /// Print a shell completion script (bash, zsh, fish, powershell)
    #[command(
        after_help = "bash: ecsreset completions bash > ~/.local/share/bash-completion/completions/ecsreset\n\
                      zsh: ecsreset completions zsh > ~/.zfunc/_ecsreset (with ~/.zfunc in $fpath)\n\
                      fish: ecsreset completions fish > ~/.config/fish/completions/ecsreset.fish\n\
                      powershell: ecsreset completions powershell | Out-String | Invoke-Expression"
    )]
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Print the man page (roff), e.g. `ecsreset man > ecsreset.1`
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub tuning: TuningArgs,
}

/// Overrides of `[tuning]` for one run.
#[derive(Debug, Args, Clone, Copy, Default, PartialEq)]
pub struct TuningArgs {
    /// Requests in flight at once (overrides [tuning] concurrency)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: Option<u16>,
    /// Ceiling of requests per second across all projects (overrides [tuning] rate_per_second)
    #[arg(long, value_name = "PER_SECOND", value_parser = positive_rate)]
    pub rate: Option<f64>,
}

fn positive_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a positive number of requests per second"
        )),
    }
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Discover every project the credentials can use through IAM
    #[arg(long)]
    pub all_projects: bool,
    /// Exit with status 3 when any server does not support one-click reset
    #[arg(long)]
    pub fail_on_unsupported: bool,
    /// Keep the result in the data directory for a later --diff
    #[arg(long)]
    pub save: bool,
    /// Compare with the last saved audit (appeared, vanished, changed)
    #[arg(long)]
    pub diff: bool,
    #[command(flatten)]
    pub tuning: TuningArgs,
}

#[derive(Debug, Args)]
pub struct FlagArgs {
    /// Server ids; a name or the short id the TUI shows also works when one server matches
    #[arg(required = true, value_name = "SERVER")]
    pub servers: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RebootKind {
    Soft,
    Hard,
}

#[derive(Debug, Args)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("source").required(true).multiple(false).args(["password_prompt", "password_stdin", "generate"])))]
pub struct ResetArgs {
    /// Server ids; a name or the short id the TUI shows also works when one server matches
    #[arg(required = true, value_name = "SERVER")]
    pub servers: Vec<String>,
    /// Ask for the password on the terminal, twice, without echo
    #[arg(long)]
    pub password_prompt: bool,
    /// Read the password from the first line of standard input
    #[arg(long)]
    pub password_stdin: bool,
    /// Generate strong passwords: one per server, sealed to [escrow] when configured, else
    /// printed once to the terminal
    #[arg(long)]
    pub generate: bool,
    /// With --generate and several servers: one password for all (the batch API) instead of
    /// a unique one per server
    #[arg(long, requires = "generate")]
    pub same_password: bool,
    /// Send is_check_password=false (the API then checks nothing)
    #[arg(long)]
    pub no_check: bool,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Reboot afterwards so the password takes effect
    #[arg(long, value_enum)]
    pub reboot: Option<RebootKind>,
    /// With --reboot: start the reboot but do not wait for the job
    #[arg(long)]
    pub no_wait: bool,
    /// Go ahead with the servers pre-flight accepts when it refuses some (default: refuse all)
    #[arg(long)]
    pub skip_refused: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct RebootArgs {
    /// Server ids; a name or the short id the TUI shows also works when one server matches
    #[arg(required = true, value_name = "SERVER")]
    pub servers: Vec<String>,
    #[arg(long = "type", value_enum, default_value = "soft")]
    pub kind: RebootKind,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Start the job but do not follow it
    #[arg(long)]
    pub no_wait: bool,
    /// Go ahead with the servers pre-flight accepts when it refuses some (default: refuse all)
    #[arg(long)]
    pub skip_refused: bool,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Server ids; a name or the short id the TUI shows also works when one server matches
    #[arg(required = true, value_name = "SERVER")]
    pub servers: Vec<String>,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Start the job but do not follow it
    #[arg(long)]
    pub no_wait: bool,
    /// Go ahead with the servers pre-flight accepts when it refuses some (default: refuse all)
    #[arg(long)]
    pub skip_refused: bool,
}

#[derive(Debug, Args)]
pub struct TrailArgs {
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Record that you checked the servers of an unfinished operation (its id, or `all`)
    #[arg(long, value_name = "OP")]
    pub ack: Option<String>,
}

#[derive(Debug, Args)]
pub struct WindowsPasswordArgs {
    #[arg(value_name = "SERVER_ID")]
    pub server: String,
    /// The key pair's private key (PEM: "BEGIN RSA PRIVATE KEY" or "BEGIN PRIVATE KEY")
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
}

#[derive(Debug, Args)]
pub struct RevealArgs {
    #[arg(value_name = "SERVER_ID")]
    pub server: String,
    /// age identity file or SSH private key (default: ~/.ssh/id_ed25519, else ~/.ssh/id_rsa)
    #[arg(long, short = 'i', value_name = "FILE")]
    pub identity: Option<PathBuf>,
}
