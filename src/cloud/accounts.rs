//! Several profiles (accounts) behind one [`Cloud`]: each keeps its own credentials,
//! endpoints and limiter, and every call of a project goes through the profile that holds it.
//!
//! Routing is by project id, bound when the id is known (configured, or looked up in that
//! profile's IAM); an unbound id goes through the first profile, so a single-profile client
//! behaves exactly as before. One project id bound to two profiles is refused: the same
//! project reached with two sets of keys would make every answer ambiguous.

use super::Cloud;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
pub(crate) struct Accounts {
    /// (profile name, its own client), in configuration order.
    clients: Vec<(Option<String>, Cloud)>,
    /// Project id → index in `clients`.
    routes: Mutex<HashMap<String, usize>>,
}

impl Cloud {
    /// One client over several profiles' clients; the first one answers calls of unbound
    /// projects and IAM calls. A single client is returned as it is.
    pub fn join(mut clients: Vec<(Option<String>, Cloud)>) -> Option<Cloud> {
        if clients.len() <= 1 {
            return clients.pop().map(|(_, c)| c);
        }
        let mut joined = clients[0].1.clone();
        joined.accounts = std::sync::Arc::new(Accounts {
            clients,
            routes: Mutex::default(),
        });
        Some(joined)
    }

    /// Every profile's own client (this one alone when it is a single client).
    pub(crate) fn each_account(&self) -> Vec<&Cloud> {
        if self.accounts.clients.is_empty() {
            return vec![self];
        }
        self.accounts.clients.iter().map(|(_, c)| c).collect()
    }

    /// The client of one profile (`None` = the default profile), if it is part of this one;
    /// a single client is every profile's.
    pub fn account(&self, profile: Option<&str>) -> Option<&Cloud> {
        if self.accounts.clients.is_empty() {
            return Some(self);
        }
        self.accounts
            .clients
            .iter()
            .find(|(name, _)| name.as_deref() == profile)
            .map(|(_, c)| c)
    }

    /// Routes project `id` to `profile`'s client. Binding it again to the same profile is
    /// fine; to another one is an error naming both.
    pub fn bind(&self, id: &str, profile: Option<&str>) -> Result<(), String> {
        let a = &self.accounts;
        if a.clients.is_empty() {
            return Ok(());
        }
        let name = |p: Option<&str>| p.unwrap_or(crate::config::DEFAULT_PROFILE).to_owned();
        let Some(index) = a.clients.iter().position(|(n, _)| n.as_deref() == profile) else {
            return Err(format!("profile {} is not loaded", name(profile)));
        };
        let mut routes = a
            .routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match routes.get(id) {
            Some(&i) if i != index => Err(format!(
                "project {id} is configured in profile {} and in profile {}: one project, \
                 one set of keys; remove it from one of them",
                name(a.clients[i].0.as_deref()),
                name(profile)
            )),
            _ => {
                routes.insert(id.to_owned(), index);
                Ok(())
            }
        }
    }

    /// The client that holds project `id`.
    pub(crate) fn route(&self, id: &str) -> &Cloud {
        let a = &self.accounts;
        if a.clients.is_empty() {
            return self;
        }
        let routes = a
            .routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match routes.get(id) {
            Some(&i) => &a.clients[i].1,
            None => self,
        }
    }

    /// Profile names joined here, in order (empty for a single client).
    pub fn profiles(&self) -> Vec<Option<String>> {
        self.accounts
            .clients
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    }
}
