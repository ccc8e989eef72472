//! The "show Windows password" popup. The decrypted password is drawn here and nowhere
//! else: it goes to the terminal's cells, as the reset form's revealed field does.

use super::text::{clean, fit};
use super::theme::Theme;
use super::{field, popup_text};
use crate::tui::state::State;
use crate::tui::state::winpw::{Clear, Stage, WinPw};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, w: &WinPw, theme: Theme) {
    let title = format!("Windows password — {}", fit(&w.target.name, 30));
    let server = format!("{} ({})", clean(&w.target.name), clean(&w.target.server_id));
    let mut lines = vec![field("server", server, theme), Line::raw("")];
    lines.extend(match &w.stage {
        Stage::Path => path(state, w, theme),
        Stage::Fetching(_) => vec![Line::styled(
            "reading the key, fetching and decrypting the stored copy…",
            theme.pending(),
        )],
        Stage::Failed(why) => vec![
            Line::styled(format!("✗ {}", clean(why)), theme.bad()),
            Line::raw(""),
            Line::styled("esc close", theme.dim()),
        ],
        Stage::Shown { password, clear } => {
            let mut l = vec![
                Line::from(vec![
                    Span::styled(format!("{:<12}", "password"), theme.dim()),
                    Span::styled(clean(password.expose()).into_owned(), theme.accent()),
                ]),
                Line::styled(
                    "shown here only: never logged, never copied; closing forgets it",
                    theme.dim(),
                ),
                Line::raw(""),
            ];
            l.extend(clear_lines(clear, theme));
            l
        }
    });
    popup_text(frame, area, 78, &title, lines, 0, theme);
}

fn path<'a>(state: &State, w: &WinPw, theme: Theme) -> Vec<Line<'a>> {
    let cursor = if state.now.timestamp_subsec_millis() < 500 {
        "▏"
    } else {
        " "
    };
    vec![
        Line::raw("Private key of the key pair the server was created with (PEM, chmod 600):"),
        Line::from(vec![
            Span::styled("key file ", theme.dim()),
            Span::styled(format!("{}{cursor}", clean(&w.key_path)), theme.accent()),
        ]),
        Line::raw(""),
        Line::styled(
            "decrypted here, shown on this terminal only · enter show · esc cancel",
            theme.dim(),
        ),
    ]
}

fn clear_lines<'a>(clear: &Clear, theme: Theme) -> Vec<Line<'a>> {
    let close = Line::styled("any key closes", theme.dim());
    match clear {
        Clear::Offered => vec![
            Line::raw("Clear the stored copy from the cloud? Logging in is not affected,"),
            Line::raw("but the API cannot show this password again (recorded in the trail)."),
            Line::styled("y clear · any other key keeps it and closes", theme.key()),
        ],
        Clear::NotOffered(why) => vec![Line::styled(clean(why).into_owned(), theme.warn()), close],
        Clear::Sending(_) => vec![Line::styled("clearing the stored copy…", theme.pending())],
        Clear::Cleared(rid) => vec![
            Line::styled(
                format!(
                    "✓ stored copy cleared{}",
                    rid.as_deref()
                        .map(|r| format!(" (request id {})", clean(r)))
                        .unwrap_or_default()
                ),
                theme.ok(),
            ),
            close,
        ],
        Clear::Failed(why) => vec![
            Line::styled(format!("✗ {}", clean(why)), theme.bad()),
            close,
        ],
    }
}
