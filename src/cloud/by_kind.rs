//! The calls that exist for both kinds of server, routed by [`ServerKind`]: the one place
//! that decides which path a server's flag, reset or stored password goes to.

use super::ecs::ResetAccepted;
use super::kind::ServerKind;
use super::server_password::PasswordCleared;
use super::wire::ServerDetail;
use super::{Cloud, CloudError, ProjectRef};
use crate::secret::Secret;

impl Cloud {
    /// `os-resetpwd-flag` of an ECS or a bare-metal server.
    pub async fn reset_flag_of(
        &self,
        p: &ProjectRef,
        server_id: &str,
        kind: ServerKind,
    ) -> Result<bool, CloudError> {
        match kind {
            ServerKind::Ecs => self.reset_flag(p, server_id).await,
            ServerKind::Bms => self.bms_reset_flag(p, server_id).await,
        }
    }

    /// One server's one-click reset. BMS has no `is_check_password`: the API checks no
    /// strength there, so callers hold the password to the OS rules first (both front ends do).
    pub async fn reset_password_of(
        &self,
        p: &ProjectRef,
        server_id: &str,
        kind: ServerKind,
        password: &Secret,
        check: bool,
    ) -> Result<ResetAccepted, CloudError> {
        match kind {
            ServerKind::Ecs => self.reset_password(p, server_id, password, check).await,
            ServerKind::Bms => self.bms_reset_password(p, server_id, password).await,
        }
    }

    pub async fn show_server_password_of(
        &self,
        p: &ProjectRef,
        server_id: &str,
        kind: ServerKind,
    ) -> Result<Option<String>, CloudError> {
        match kind {
            ServerKind::Ecs => self.show_server_password(p, server_id).await,
            ServerKind::Bms => self.bms_show_server_password(p, server_id).await,
        }
    }

    pub async fn delete_server_password_of(
        &self,
        p: &ProjectRef,
        server_id: &str,
        kind: ServerKind,
    ) -> Result<PasswordCleared, CloudError> {
        match kind {
            ServerKind::Ecs => self.delete_server_password(p, server_id).await,
            ServerKind::Bms => self.bms_delete_server_password(p, server_id).await,
        }
    }

    /// The servers among `ids`, ECS first; only the ids ECS does not list are looked for
    /// among the bare-metal servers, so a fleet without BMS costs no extra call.
    pub async fn servers_by_id_any(
        &self,
        p: &ProjectRef,
        ids: &[String],
    ) -> Result<Vec<ServerDetail>, CloudError> {
        let mut found = self.servers_by_id(p, ids).await?;
        let rest: Vec<String> = ids
            .iter()
            .filter(|id| !found.iter().any(|f| &f.id == *id))
            .cloned()
            .collect();
        found.extend(self.bare_metal_by_id(p, &rest).await?);
        Ok(found)
    }
}
