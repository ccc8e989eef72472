//! `ecsreset completions SHELL` and `ecsreset man`: generated from the clap definitions, so
//! they cannot drift from the flags the binary takes.

use crate::cli::{Cli, CompletionShell};
use clap::CommandFactory;
use std::io::Write;

/// The completion script for `shell` (source it, or drop it where the shell looks).
pub fn completions(shell: CompletionShell, out: &mut dyn Write) -> std::io::Result<()> {
    let shell = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
        CompletionShell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "ecsreset", out);
    Ok(())
}

/// The man page (roff), e.g. `ecsreset man > ecsreset.1`.
pub fn man(out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_commands() {
        for (shell, marker) in [
            (CompletionShell::Bash, "complete -F"),
            (CompletionShell::Zsh, "#compdef ecsreset"),
            (CompletionShell::Fish, "complete -c ecsreset"),
            (CompletionShell::Powershell, "Register-ArgumentCompleter"),
        ] {
            let mut out = Vec::new();
            completions(shell, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains(marker), "{shell:?}");
            for word in ["audit", "reset", "password-stdin", "concurrency"] {
                assert!(text.contains(word), "{shell:?} lacks {word}");
            }
        }
    }

    #[test]
    fn the_man_page_is_roff_with_the_commands() {
        let mut out = Vec::new();
        man(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(".TH ecsreset 1"), "{}", &text[..300]);
        for word in ["completions", "audit", "windows\\-password"] {
            assert!(text.contains(word), "lacks {word}");
        }
    }
}
