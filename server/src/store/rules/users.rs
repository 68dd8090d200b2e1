//! Accounts and sessions: refresh-token rotation with reuse detection, revocation.

use parley_protocol::{SessionId, User, UserId};

use crate::store::{
    NewUser, Refreshed, SessionAuth, StoreError, StoreResult, TokenHashes,
    persist::{Revoke, Tx},
};

pub fn create(tx: &mut dyn Tx, user: &NewUser) -> StoreResult<User> {
    let id = UserId::new(uuid::Uuid::now_v7().to_string());
    tx.insert_user(&id, user).map_err(|e| match e {
        StoreError::Conflict(_) => StoreError::Conflict("that username is taken".to_owned()),
        other => other,
    })?;
    tx.read().user(&id)?.ok_or(StoreError::NotFound)
}

pub fn set_display_name(tx: &mut dyn Tx, id: &UserId, name: &str) -> StoreResult<User> {
    if !tx.set_display_name(id, name)? {
        return Err(StoreError::NotFound);
    }
    tx.read().user(id)?.ok_or(StoreError::NotFound)
}

/// Shows or hides when the user is online. Hidden, nothing of it is kept: their
/// `last_seen_at` is forgotten and no longer recorded.
pub fn set_show_presence(tx: &mut dyn Tx, id: &UserId, show: bool) -> StoreResult<User> {
    let user = tx.read().user(id)?.ok_or(StoreError::NotFound)?;
    let last_seen = if show {
        user.last_seen_at.map(|t| t.timestamp_millis())
    } else {
        None
    };
    tx.set_presence(id, show, last_seen)?;
    tx.read().user(id)?.ok_or(StoreError::NotFound)
}

/// Records that the user was online until `at` (ms), unless they hide it.
pub fn seen(tx: &mut dyn Tx, id: &UserId, at: i64) -> StoreResult<User> {
    let user = tx.read().user(id)?.ok_or(StoreError::NotFound)?;
    if user.show_presence {
        tx.set_presence(id, true, Some(at))?;
    }
    tx.read().user(id)?.ok_or(StoreError::NotFound)
}

pub fn set_password_hash(tx: &mut dyn Tx, id: &UserId, hash: &str) -> StoreResult<()> {
    if tx.set_password_hash(id, hash)? {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

pub fn create_session(
    tx: &mut dyn Tx,
    user: &UserId,
    device_name: Option<&str>,
    tokens: &TokenHashes,
) -> StoreResult<SessionId> {
    let id = SessionId::new(uuid::Uuid::now_v7().to_string());
    tx.insert_session(&id, user, device_name, tokens)?;
    Ok(id)
}

/// Rotates the tokens of the session holding `refresh_hash`. A token that was already
/// rotated away means it leaked: the session is revoked. A revoked or idle session, or one
/// created before `oldest` (its absolute lifetime is over), refreshes no more.
pub fn refresh(
    tx: &mut dyn Tx,
    refresh_hash: &[u8; 32],
    new: &TokenHashes,
    now: i64,
    oldest: i64,
) -> StoreResult<Refreshed> {
    let Some(session) = tx.read().session_by_refresh(refresh_hash)? else {
        return match tx.read().spent_refresh(refresh_hash)? {
            Some(session_id) => {
                tx.revoke_session(&session_id)?;
                Ok(Refreshed::Reused(session_id))
            }
            None => Ok(Refreshed::Invalid),
        };
    };
    if session.revoked || session.refresh_expires_at <= now || session.created_at < oldest {
        return Ok(Refreshed::Invalid);
    }
    tx.spend_refresh(refresh_hash, &session.session_id)?;
    tx.rotate_tokens(&session.session_id, new)?;
    Ok(Refreshed::Rotated(SessionAuth {
        session_id: session.session_id,
        user_id: session.user_id,
        access_expires_at: new.access_expires_at,
    }))
}

/// Revokes one of `user`'s live sessions; anyone else's (or an unknown or revoked one) is
/// `NotFound`.
pub fn revoke(tx: &mut dyn Tx, user: &UserId, session: &SessionId) -> StoreResult<()> {
    if tx.read().live_session_owner(session)?.as_ref() != Some(user) {
        return Err(StoreError::NotFound);
    }
    tx.revoke_session(session)?;
    Ok(())
}

pub fn revoke_all(
    tx: &mut dyn Tx,
    user: &UserId,
    which: Revoke<'_>,
) -> StoreResult<Vec<SessionId>> {
    tx.revoke_sessions(user, which)
}
