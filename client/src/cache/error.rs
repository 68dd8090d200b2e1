//! What can go wrong with the cache, worded for the person who will read it.
//!
//! The variants a user can act on (`Corrupt`, `Inaccessible`, `TooNew`) name the file and say
//! what to do; the cache never deletes or recreates a file it cannot read, because that file
//! may hold the only copy of unsent messages.

use std::path::PathBuf;

use parley_protocol::{ConversationId, MessageId, limits::Invalid};

/// Errors from [`Cache`](super::Cache).
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The file exists but is not a readable SQLite database (random bytes, another format,
    /// a damaged page). Left untouched.
    #[error(
        "the local cache {} is damaged or is not a Parley cache ({detail}). It was left as it is. \
         To start afresh, quit Parley and move that file (and any -wal/-shm file next to it) \
         somewhere else; your conversations will be downloaded again, but messages that were \
         still waiting to be sent from this device live only in that file",
        path.display()
    )]
    Corrupt { path: PathBuf, detail: String },

    /// The file could not be opened at all (permissions, a directory in the way, a full or
    /// read-only disk).
    #[error(
        "cannot open the local cache {} ({detail}). Check that the directory exists and that \
         you may read and write it",
        path.display()
    )]
    Inaccessible { path: PathBuf, detail: String },

    /// The file was written by a newer Parley whose schema this version does not know.
    #[error(
        "the local cache {} was written by a newer version of Parley ({detail}). \
         Update Parley to use it",
        path.display()
    )]
    TooNew { path: PathBuf, detail: String },

    /// The conversation is not in the cache.
    #[error("no conversation {0} in the local cache")]
    UnknownConversation(ConversationId),

    /// The account has left (or was removed from) the conversation: it can be read, not written.
    #[error("you are no longer a member of conversation {0}")]
    LeftConversation(ConversationId),

    /// The message is not in the cache (or not in that conversation, or not sent yet).
    #[error("no sent message {0} in the local cache")]
    UnknownMessage(MessageId),

    /// The message was deleted: it takes no more edits or reactions.
    #[error("message {0} was deleted")]
    MessageDeleted(MessageId),

    /// Only the sender may edit a message.
    #[error("message {0} is someone else's: only its sender can edit it")]
    NotYourMessage(MessageId),

    /// A `CONV` spec (id, group title or `@username`) that matches nothing cached.
    #[error("no conversation matches {spec:?}: use a conversation id, a group title or @username")]
    NoMatch { spec: String },

    /// A `CONV` spec that matches several conversations (e.g. two groups with one title).
    #[error("{spec:?} matches {} conversations ({}): use the id instead", ids.len(), join(ids))]
    Ambiguous {
        spec: String,
        ids: Vec<ConversationId>,
    },

    /// A staged file id that is not (or no longer) staged on this device.
    #[error("no staged attachment {0} on this device (sent or discarded already?)")]
    UnknownStaged(uuid::Uuid),

    /// A staged file that already goes with another message (or is being sent): it can't be
    /// attached twice or discarded on its own.
    #[error("the staged attachment {0} already belongs to a message in the outbox")]
    StagedInUse(uuid::Uuid),

    /// Input the server would refuse anyway (e.g. an empty message body).
    #[error("invalid {0}")]
    Invalid(#[from] Invalid),

    /// Any other SQLite failure. A bug or an environment problem (disk full), not user input.
    #[error("local cache error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// A JSON column that does not parse: written by something other than this code.
    #[error("local cache holds malformed JSON: {0}")]
    Json(#[from] serde_json::Error),
}

fn join(ids: &[ConversationId]) -> String {
    ids.iter()
        .map(ConversationId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Result` with a [`CacheError`].
pub type CacheResult<T> = Result<T, CacheError>;
