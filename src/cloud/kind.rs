//! Which service a server belongs to: ECS (`cloudservers`) or bare metal (`baremetalservers`).
//! The two list the same record shape and offer the same reset trio under different paths,
//! so the app keeps one record type and asks [`ServerKind`] which path a call takes.

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum ServerKind {
    #[default]
    Ecs,
    Bms,
}

impl ServerKind {
    /// The word the table, `list` and `audit` show.
    pub fn word(self) -> &'static str {
        match self {
            ServerKind::Ecs => "ECS",
            ServerKind::Bms => "BMS",
        }
    }

    pub fn is_bms(self) -> bool {
        self == ServerKind::Bms
    }
}

impl std::fmt::Display for ServerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

#[cfg(test)]
mod tests {
    use super::ServerKind;

    #[test]
    fn words_and_json_agree() {
        assert_eq!(serde_json::to_string(&ServerKind::Bms).unwrap(), "\"BMS\"");
        let k: ServerKind = serde_json::from_str("\"ECS\"").unwrap();
        assert_eq!(
            (k, ServerKind::default()),
            (ServerKind::Ecs, ServerKind::Ecs)
        );
        assert_eq!(ServerKind::Bms.to_string(), "BMS");
    }
}
