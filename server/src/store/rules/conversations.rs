//! Conversations and membership: who may do what (the one place it is decided), direct
//! conversations made once per pair, last-admin succession, read markers.

use parley_protocol::{
    Conversation, ConversationId, ConversationKind, EventPayload, MemberChange, ReadChange, Role,
    Settings, UserId, limits::GROUP_MEMBERS_MAX,
};

use crate::store::{
    StoreError, StoreResult,
    persist::{Reader, Tx},
};

/// The caller's role; `NotFound` for non-members, so that a conversation one is not in looks
/// exactly like one that does not exist.
pub fn require_member(r: &mut dyn Reader, id: &ConversationId, user: &UserId) -> StoreResult<Role> {
    r.role(id, user)?.ok_or(StoreError::NotFound)
}

fn require_admin(r: &mut dyn Reader, id: &ConversationId, user: &UserId) -> StoreResult<()> {
    match require_member(r, id, user)? {
        Role::Admin => Ok(()),
        Role::Member => Err(StoreError::Forbidden(
            "only a group admin may do that".to_owned(),
        )),
    }
}

/// Groups only: direct conversations have exactly their two members and no title.
fn require_group(r: &mut dyn Reader, id: &ConversationId) -> StoreResult<()> {
    match r.kind(id)?.ok_or(StoreError::NotFound)? {
        ConversationKind::Group => Ok(()),
        ConversationKind::Direct => Err(StoreError::Invalid(
            "direct conversations have no title and fixed members".to_owned(),
        )),
    }
}

/// The conversation as `viewer` sees it (or, with no viewer, as every member sees it in an
/// event).
pub fn load(
    r: &mut dyn Reader,
    id: &ConversationId,
    viewer: Option<&UserId>,
) -> StoreResult<Conversation> {
    r.conversations(std::slice::from_ref(id), viewer)?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// The conversation, if `viewer` is a member.
pub fn visible(
    r: &mut dyn Reader,
    id: &ConversationId,
    viewer: &UserId,
) -> StoreResult<Conversation> {
    require_member(r, id, viewer)?;
    load(r, id, Some(viewer))
}

/// The ids of the members, if `viewer` is one.
pub fn member_ids(
    r: &mut dyn Reader,
    id: &ConversationId,
    viewer: &UserId,
) -> StoreResult<Vec<UserId>> {
    require_member(r, id, viewer)?;
    r.member_ids(id)
}

/// Appends an event for everyone who is a member now.
pub fn emit_to_members(
    tx: &mut dyn Tx,
    id: &ConversationId,
    payload: EventPayload,
) -> StoreResult<()> {
    let recipients = tx.read().member_ids(id)?;
    tx.append_event(id, payload, recipients)
}

fn emit_updated(tx: &mut dyn Tx, id: &ConversationId) -> StoreResult<()> {
    let shared = load(tx.read(), id, None)?;
    emit_to_members(tx, id, EventPayload::ConversationUpdated(shared))
}

fn ensure_user(r: &mut dyn Reader, id: &UserId) -> StoreResult<()> {
    r.user(id)?
        .map(|_| ())
        .ok_or_else(|| StoreError::Invalid(format!("no user with id {id}")))
}

/// Creates a conversation (the creator of a group is its admin); a direct conversation that
/// exists already is returned as it is, with `false`.
pub fn create(
    tx: &mut dyn Tx,
    actor: &UserId,
    kind: ConversationKind,
    title: Option<String>,
    requested: Vec<UserId>,
) -> StoreResult<(Conversation, bool)> {
    let mut others: Vec<UserId> = requested.into_iter().filter(|m| m != actor).collect();
    others.sort();
    others.dedup();
    let direct_key = match kind {
        ConversationKind::Direct => {
            let [other] = others.as_slice() else {
                return Err(StoreError::Invalid(
                    "a direct conversation needs exactly one other member".to_owned(),
                ));
            };
            let mut pair = [actor.as_str(), other.as_str()];
            pair.sort_unstable();
            let key = pair.join("|");
            if let Some(existing) = tx.read().direct_conversation(&key)? {
                return Ok((load(tx.read(), &existing, Some(actor))?, false));
            }
            Some(key)
        }
        ConversationKind::Group if others.len() > GROUP_MEMBERS_MAX => {
            return Err(StoreError::Invalid(format!(
                "a group may start with at most {GROUP_MEMBERS_MAX} members"
            )));
        }
        ConversationKind::Group => None,
    };
    for other in &others {
        ensure_user(tx.read(), other)?;
    }
    let id = ConversationId::new(uuid::Uuid::now_v7().to_string());
    let title = title.filter(|_| kind == ConversationKind::Group);
    tx.insert_conversation(&id, kind, title.as_deref(), direct_key.as_deref())?;
    let creator_role = match kind {
        ConversationKind::Group => Role::Admin,
        ConversationKind::Direct => Role::Member,
    };
    tx.insert_member(&id, actor, creator_role)?;
    for other in &others {
        tx.insert_member(&id, other, Role::Member)?;
    }
    let shared = load(tx.read(), &id, None)?;
    emit_to_members(tx, &id, EventPayload::ConversationCreated(shared))?;
    Ok((load(tx.read(), &id, Some(actor))?, true))
}

pub fn set_title(
    tx: &mut dyn Tx,
    actor: &UserId,
    id: &ConversationId,
    title: &str,
) -> StoreResult<Conversation> {
    require_member(tx.read(), id, actor)?;
    require_group(tx.read(), id)?;
    require_admin(tx.read(), id, actor)?;
    tx.set_title(id, title)?;
    emit_updated(tx, id)?;
    load(tx.read(), id, Some(actor))
}

/// Adds `user` (admins only); adding a member again changes nothing.
pub fn add_member(
    tx: &mut dyn Tx,
    actor: &UserId,
    id: &ConversationId,
    user: &UserId,
) -> StoreResult<Conversation> {
    require_member(tx.read(), id, actor)?;
    require_group(tx.read(), id)?;
    require_admin(tx.read(), id, actor)?;
    ensure_user(tx.read(), user)?;
    if tx.read().role(id, user)?.is_some() {
        return load(tx.read(), id, Some(actor));
    }
    tx.insert_member(id, user, Role::Member)?;
    emit_to_members(
        tx,
        id,
        EventPayload::MemberAdded(MemberChange {
            user_id: user.clone(),
        }),
    )?;
    emit_updated(tx, id)?;
    load(tx.read(), id, Some(actor))
}

/// Removes `user` (admins may remove anyone; anyone may leave). The removed user hears of it
/// too. A group whose last admin left gets its longest-standing member as admin.
pub fn remove_member(
    tx: &mut dyn Tx,
    actor: &UserId,
    id: &ConversationId,
    user: &UserId,
) -> StoreResult<()> {
    require_member(tx.read(), id, actor)?;
    require_group(tx.read(), id)?;
    if actor != user {
        require_admin(tx.read(), id, actor)?;
    }
    require_member(tx.read(), id, user)?;
    tx.delete_member(id, user)?;
    let mut recipients = tx.read().member_ids(id)?;
    recipients.push(user.clone());
    tx.append_event(
        id,
        EventPayload::MemberRemoved(MemberChange {
            user_id: user.clone(),
        }),
        recipients,
    )?;
    let shared = load(tx.read(), id, None)?;
    if shared.members.is_empty() {
        return Ok(());
    }
    if !shared.members.iter().any(|m| m.role == Role::Admin)
        && let Some(successor) = tx.read().senior_member(id)?
    {
        tx.set_role(id, &successor, Role::Admin)?;
    }
    emit_updated(tx, id)
}

/// An admin makes a member admin, or an admin member; a group keeps at least one admin.
pub fn set_role(
    tx: &mut dyn Tx,
    actor: &UserId,
    id: &ConversationId,
    user: &UserId,
    role: Role,
) -> StoreResult<Conversation> {
    require_member(tx.read(), id, actor)?;
    require_group(tx.read(), id)?;
    require_admin(tx.read(), id, actor)?;
    let current = require_member(tx.read(), id, user)?;
    if current == role {
        return load(tx.read(), id, Some(actor));
    }
    if role == Role::Member {
        let shared = load(tx.read(), id, None)?;
        if shared
            .members
            .iter()
            .filter(|m| m.role == Role::Admin)
            .count()
            <= 1
        {
            return Err(StoreError::Conflict(
                "a group needs an admin: make someone else admin first".to_owned(),
            ));
        }
    }
    tx.set_role(id, user, role)?;
    emit_updated(tx, id)?;
    load(tx.read(), id, Some(actor))
}

/// The caller's own notification settings; their other devices hear of it, no one else.
pub fn set_settings(
    tx: &mut dyn Tx,
    actor: &UserId,
    id: &ConversationId,
    settings: Settings,
) -> StoreResult<Conversation> {
    require_member(tx.read(), id, actor)?;
    tx.set_settings(id, actor, &settings)?;
    tx.append_personal_event(id, EventPayload::SettingsUpdated(settings), actor)?;
    load(tx.read(), id, Some(actor))
}

/// Moves the caller's read marker forward (never backwards, never past the last message) and
/// tells the members.
pub fn mark_read(
    tx: &mut dyn Tx,
    actor: &UserId,
    id: &ConversationId,
    seq: i64,
) -> StoreResult<()> {
    require_member(tx.read(), id, actor)?;
    if seq < 0 {
        return Err(StoreError::Invalid("seq must not be negative".to_owned()));
    }
    let seq = seq.min(tx.read().last_seq(id)?);
    if tx.advance_read_marker(id, actor, seq)? {
        emit_to_members(
            tx,
            id,
            EventPayload::ReadUpdated(ReadChange {
                user_id: actor.clone(),
                seq,
            }),
        )?;
    }
    Ok(())
}
