//! Resolving the CLI's `CONV` argument: a conversation id, a group title, or `@username` for
//! the direct conversation with that user.

use parley_protocol::ConversationId;

use super::{Cache, CacheError, CacheResult, CachedConversation, users};

impl Cache {
    /// Resolves the CLI's `CONV`: a conversation id, a group title, or `@username` for the
    /// direct conversation with that user. Conversations the account is still in win over
    /// ones it left; a title matches exactly, else ignoring case.
    pub fn resolve_conversation(&self, spec: &str) -> CacheResult<CachedConversation> {
        if let Some(found) = self.conversation(&ConversationId::new(spec))? {
            return Ok(found);
        }
        let candidates = if let Some(username) = spec.strip_prefix('@') {
            self.direct_with(username)?
        } else {
            self.groups_titled(spec)?
        };
        let no_match = || CacheError::NoMatch {
            spec: spec.to_owned(),
        };
        let active: Vec<_> = candidates.iter().filter(|(_, left)| !left).collect();
        let pick: Vec<&ConversationId> = if active.is_empty() {
            candidates.iter().map(|(id, _)| id).collect()
        } else {
            active.into_iter().map(|(id, _)| id).collect()
        };
        match pick.as_slice() {
            [] => Err(no_match()),
            [one] => self.conversation(one)?.ok_or_else(no_match),
            many => Err(CacheError::Ambiguous {
                spec: spec.to_owned(),
                ids: many.iter().map(|id| (*id).clone()).collect(),
            }),
        }
    }

    fn direct_with(&self, username: &str) -> CacheResult<Vec<(ConversationId, bool)>> {
        let Some(user) = users::by_username(&self.conn, username)? else {
            return Ok(Vec::new());
        };
        Ok(self
            .conn
            .prepare_cached(
                "SELECT c.id, c.left_at IS NOT NULL FROM conversations c
                 JOIN members m ON m.conversation_id = c.id
                 WHERE c.kind = 'direct' AND m.user_id = ?1 ORDER BY c.id",
            )?
            .query_map([user.id.as_str()], |r| {
                Ok((ConversationId::new(r.get::<_, String>(0)?), r.get(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn groups_titled(&self, title: &str) -> CacheResult<Vec<(ConversationId, bool)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, left_at IS NOT NULL FROM conversations
             WHERE kind = 'group' AND title = ?1 ORDER BY id",
        )?;
        let exact = stmt
            .query_map([title], |r| {
                Ok((ConversationId::new(r.get::<_, String>(0)?), r.get(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if !exact.is_empty() {
            return Ok(exact);
        }
        // Titles are any Unicode; lower-case both sides in Rust rather than trust SQLite's
        // ASCII-only NOCASE.
        let wanted = title.to_lowercase();
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, left_at IS NOT NULL, title FROM conversations WHERE kind = 'group'",
            )?
            .query_map([], |r| {
                Ok((
                    ConversationId::new(r.get::<_, String>(0)?),
                    r.get(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })?
            .filter_map(|row| match row {
                Ok((id, left, Some(t))) if t.to_lowercase() == wanted => Some(Ok((id, left))),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
