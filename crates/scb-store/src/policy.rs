//! What a guarded write may replace: the [`WritePolicy`], what the new bytes hold
//! ([`Content`]), why a write was refused ([`Refusal`]), and the guard itself, which
//! runs under the writer lock inside [`MultiFile::write_packed`].

use std::collections::HashSet;

use bitcoin::OutPoint;
use scb_wire::{Multi, Single};

use crate::format::{BackupFormat, NotOpened};
use crate::fs::FileKind;
use crate::health::{Diagnosis, FileFreshness};
use crate::multi_file::MultiFile;
use crate::StoreError;

/// What a guarded write may replace (see [`MultiFile::write_packed`]). The default
/// allows nothing: the safe choice for a person's command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct WritePolicy {
    /// Drop channels the existing file holds, or replace a rolled-back file.
    pub allow_shrink: bool,
    /// Replace a file the key does not open (or that cannot be checked without a key).
    pub force: bool,
    /// Write a backup with no channel over a file that has channels.
    pub allow_empty: bool,
}

impl WritePolicy {
    /// Nothing is replaced that would lose a channel (the default).
    pub fn strict() -> Self {
        Self::default()
    }

    /// No check on what is replaced; the previous version is still archived first. For a
    /// writer that is the source of truth (the node's own sub-swapper, as in lnd).
    pub fn replace_anything() -> Self {
        WritePolicy {
            allow_shrink: true,
            force: true,
            allow_empty: true,
        }
    }

    /// Sets [`WritePolicy::allow_shrink`].
    #[must_use]
    pub fn with_allow_shrink(mut self, on: bool) -> Self {
        self.allow_shrink = on;
        self
    }

    /// Sets [`WritePolicy::force`].
    #[must_use]
    pub fn with_force(mut self, on: bool) -> Self {
        self.force = on;
        self
    }

    /// Sets [`WritePolicy::allow_empty`].
    #[must_use]
    pub fn with_allow_empty(mut self, on: bool) -> Self {
        self.allow_empty = on;
        self
    }

    pub(crate) fn allows_everything(self) -> bool {
        self.allow_shrink && self.force && self.allow_empty
    }
}

/// What the packed bytes of a guarded write hold, for the guards and the manifest.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Content<'a> {
    /// A packed multi of these channels.
    Multi(&'a Multi),
    /// A packed single.
    Single(&'a Single),
    /// Packed bytes of another format holding the channels with these funding outpoints
    /// ([`MultiFile::write_format`]).
    Channels(&'a [OutPoint]),
    /// Bytes the store does not look into.
    Opaque {
        /// The channel count for the manifest, when known.
        channel_count: Option<u32>,
    },
}

impl Content<'_> {
    pub(crate) fn channel_count(&self) -> Option<u32> {
        match self {
            Content::Multi(m) => u32::try_from(m.singles.len()).ok(),
            Content::Single(_) => Some(1),
            Content::Channels(c) => u32::try_from(c.len()).ok(),
            Content::Opaque { channel_count } => *channel_count,
        }
    }

    pub(crate) fn outpoints(&self) -> Option<HashSet<OutPoint>> {
        match self {
            Content::Multi(m) => Some(m.singles.iter().map(|s| s.funding_outpoint).collect()),
            Content::Single(s) => Some(HashSet::from([s.funding_outpoint])),
            Content::Channels(c) => Some(c.iter().copied().collect()),
            Content::Opaque { .. } => None,
        }
    }
}

/// Why a guarded write did not replace the existing file (nothing was written).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The new content lacks channels the existing file holds ([`WritePolicy::allow_shrink`]).
    Shrink {
        /// Funding outpoints of the channels that would be dropped.
        dropped: Vec<OutPoint>,
    },
    /// The new content has no channel and the existing file has some
    /// ([`WritePolicy::allow_empty`]).
    Empty {
        /// Channels in the existing file.
        existing: usize,
    },
    /// The existing file is an older version than its manifest records: the newest one
    /// was rolled back, so it is no baseline ([`WritePolicy::allow_shrink`]).
    RolledBack {
        /// The archive entry the file is identical to.
        archived: String,
        /// The manifest's (newer) sequence.
        manifest_sequence: u64,
    },
    /// The key does not open the existing file ([`WritePolicy::force`]).
    Unreadable(Diagnosis),
    /// No key was given, so the existing file cannot be checked ([`WritePolicy::force`]).
    Unchecked,
    /// The secret does not open the existing file of another format
    /// ([`MultiFile::write_format`]; [`WritePolicy::force`]).
    DoesNotOpen {
        /// The format's name.
        format: String,
        /// Why it does not open.
        reason: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Shrink { dropped } => write!(
                f,
                "it holds {} channel{} the new content lacks (allow shrinking to drop them)",
                dropped.len(),
                if dropped.len() == 1 { "" } else { "s" }
            ),
            Refusal::Empty { existing } => write!(
                f,
                "the new content has no channel and the file has {existing} (allow an empty backup)"
            ),
            Refusal::RolledBack {
                archived,
                manifest_sequence,
            } => write!(
                f,
                "it was rolled back to the archived version {archived}, older than manifest \
                 sequence {manifest_sequence} (allow shrinking to replace it)"
            ),
            Refusal::Unreadable(diagnosis) => {
                write!(
                    f,
                    "the key does not open it ({diagnosis}; force to replace it)"
                )
            }
            Refusal::Unchecked => {
                f.write_str("without a key it cannot be checked (force to replace it)")
            }
            Refusal::DoesNotOpen { format, reason } => write!(
                f,
                "it does not open as a {format} under this secret ({reason}; force to replace it)"
            ),
        }
    }
}

impl MultiFile {
    /// Step 1 and 2 of [`MultiFile::write_packed`], for a file in `format`; returns why
    /// the existing file did not open when `force` lets us replace it.
    pub(crate) fn guard_locked(
        &self,
        content: &Content<'_>,
        format: &dyn BackupFormat,
        policy: WritePolicy,
    ) -> Result<Option<NotOpened>, StoreError> {
        if !self.check_regular()? {
            return Ok(None);
        }
        if policy.allows_everything() {
            return Ok(None);
        }
        let refuse = |refusal| {
            Err(StoreError::Refused {
                path: self.path.clone(),
                refusal,
            })
        };
        if !format.can_check() {
            return if policy.force {
                Ok(None)
            } else {
                refuse(Refusal::Unchecked)
            };
        }
        let bytes = self.read_packed()?;
        let old = match format.open(&bytes) {
            Ok(old) => old,
            Err(not_opened) if policy.force => return Ok(Some(not_opened)),
            Err(NotOpened::Diagnosed(diagnosis)) => return refuse(Refusal::Unreadable(diagnosis)),
            Err(NotOpened::Unchecked) => return refuse(Refusal::Unchecked),
            Err(NotOpened::Rejected(reason)) => {
                return refuse(Refusal::DoesNotOpen {
                    format: format.name().to_owned(),
                    reason,
                })
            }
        };
        if !policy.allow_empty && content.channel_count() == Some(0) && !old.is_empty() {
            return refuse(Refusal::Empty {
                existing: old.len(),
            });
        }
        if policy.allow_shrink {
            return Ok(None);
        }
        if let Some(new) = content.outpoints() {
            let dropped: Vec<OutPoint> = old.into_iter().filter(|o| !new.contains(o)).collect();
            if !dropped.is_empty() {
                return refuse(Refusal::Shrink { dropped });
            }
        }
        if let FileFreshness::RolledBack {
            archived,
            manifest_sequence,
        } = self.freshness_of(&bytes)
        {
            return refuse(Refusal::RolledBack {
                archived,
                manifest_sequence,
            });
        }
        Ok(None)
    }

    /// Step 1 of [`MultiFile::write_packed`]: whether the target exists; an error when it
    /// is not a regular file. Also run before the lock is taken, so no lock file is
    /// created beside a device or a FIFO.
    pub(crate) fn check_regular(&self) -> Result<bool, StoreError> {
        let kind = self
            .fs
            .kind(&self.path)
            .map_err(|source| StoreError::Read {
                path: self.path.clone(),
                source,
            })?;
        match kind {
            FileKind::Missing => Ok(false),
            FileKind::Regular => Ok(true),
            FileKind::Dir => Err(StoreError::NotRegular {
                path: self.path.clone(),
                what: "a directory",
            }),
            FileKind::Other(what) => Err(StoreError::NotRegular {
                path: self.path.clone(),
                what,
            }),
        }
    }
}
