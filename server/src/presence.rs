//! Who is online (PRODUCT.md §2 "Presence"): a user is online while they hold at least one
//! authenticated WebSocket on any instance.
//!
//! This instance counts its own sockets per user. With a broker, the other instances say
//! when a user's first socket opened or last one closed there (`relay`), and every few
//! seconds which users they hold; an instance not heard from for [`INSTANCE_TIMEOUT`] is
//! taken to be gone, and its users with it. Only state lives here: the relay turns changes
//! into `presence` frames.

use std::{
    collections::{HashMap, HashSet},
    sync::Mutex,
    time::{Duration, Instant},
};

use parley_protocol::UserId;

/// How long another instance's word counts without a heartbeat.
pub const INSTANCE_TIMEOUT: Duration = Duration::from_secs(45);

#[derive(Default)]
pub struct Presence {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Open sockets here, per user.
    local: HashMap<UserId, usize>,
    /// Users online on each other instance (by origin), and when it was last heard from.
    remote: HashMap<u64, (Instant, HashSet<UserId>)>,
}

impl State {
    fn online(&self, user: &UserId) -> bool {
        self.local.contains_key(user) || self.remote.values().any(|(_, users)| users.contains(user))
    }
}

impl Presence {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut state)
    }

    pub fn is_online(&self, user: &UserId) -> bool {
        self.with(|s| s.online(user))
    }

    /// A socket of `user` opened here. `(first here, came online)`.
    pub fn opened(&self, user: &UserId) -> (bool, bool) {
        self.with(|s| {
            let was_online = s.online(user);
            let count = s.local.entry(user.clone()).or_default();
            *count += 1;
            (*count == 1, !was_online)
        })
    }

    /// A socket of `user` closed here. `(last here, went offline)`.
    pub fn closed(&self, user: &UserId) -> (bool, bool) {
        self.with(|s| {
            let Some(count) = s.local.get_mut(user) else {
                return (false, false);
            };
            *count -= 1;
            if *count > 0 {
                return (false, false);
            }
            s.local.remove(user);
            (true, !s.online(user))
        })
    }

    /// Users with a socket here.
    pub fn local_users(&self) -> Vec<UserId> {
        self.with(|s| s.local.keys().cloned().collect())
    }

    /// Instance `origin` says `user`'s first socket opened (`up`) or last one closed there.
    /// Returns whether that changed whether the user is online.
    pub fn remote(&self, origin: u64, user: &UserId, up: bool) -> bool {
        self.with(|s| {
            let before = s.online(user);
            let (heard, users) = s
                .remote
                .entry(origin)
                .or_insert_with(|| (Instant::now(), HashSet::new()));
            *heard = Instant::now();
            if up {
                users.insert(user.clone());
            } else {
                users.remove(user);
            }
            before != s.online(user)
        })
    }

    /// Instance `origin` is alive and holds (at least) `users`. Returns those who came online.
    pub fn heartbeat(&self, origin: u64, held: &[UserId]) -> Vec<UserId> {
        self.with(|s| {
            let newly: Vec<UserId> = held.iter().filter(|u| !s.online(u)).cloned().collect();
            let (heard, users) = s
                .remote
                .entry(origin)
                .or_insert_with(|| (Instant::now(), HashSet::new()));
            *heard = Instant::now();
            users.extend(held.iter().cloned());
            newly
        })
    }

    /// Forgets instances not heard from within `timeout`; returns the users that took
    /// offline.
    pub fn expire(&self, timeout: Duration) -> Vec<UserId> {
        self.with(|s| {
            let gone: Vec<u64> = s
                .remote
                .iter()
                .filter(|(_, (heard, _))| heard.elapsed() > timeout)
                .map(|(origin, _)| *origin)
                .collect();
            let mut users = HashSet::new();
            for origin in gone {
                if let Some((_, held)) = s.remote.remove(&origin) {
                    users.extend(held);
                }
            }
            users.into_iter().filter(|u| !s.online(u)).collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> UserId {
        UserId::new(id.to_owned())
    }

    #[test]
    fn online_while_any_socket_anywhere() {
        let p = Presence::default();
        let ada = user("ada");
        assert_eq!(p.opened(&ada), (true, true));
        assert_eq!(
            p.opened(&ada),
            (false, false),
            "a second socket changes nothing"
        );
        assert!(!p.remote(7, &ada, true), "already online here");
        assert_eq!(p.closed(&ada), (false, false));
        assert_eq!(p.closed(&ada), (true, false), "still online on instance 7");
        assert!(
            p.remote(7, &ada, false),
            "offline once 7's last socket closed"
        );
        assert!(!p.is_online(&ada));
        assert_eq!(p.closed(&ada), (false, false), "no socket to close");
    }

    #[test]
    fn a_silent_instance_takes_its_users_offline() {
        let p = Presence::default();
        let (ada, bob) = (user("ada"), user("bob"));
        assert_eq!(
            p.heartbeat(3, &[ada.clone(), bob.clone()]),
            vec![ada.clone(), bob.clone()]
        );
        p.opened(&bob);
        assert!(
            p.expire(Duration::from_secs(60)).is_empty(),
            "heard from just now"
        );
        let mut gone = p.expire(Duration::ZERO);
        gone.sort();
        assert_eq!(gone, vec![ada.clone()], "bob has a socket here");
        assert!(!p.is_online(&ada));
        assert!(p.is_online(&bob));
    }
}
