//! What a guarded write may replace: the [`WritePolicy`], what the new bytes hold
//! ([`Content`]), why a write was refused ([`Refusal`]), and the guard itself, which
//! runs under the writer lock inside [`MultiFile::write_packed`].

use std::collections::HashSet;

use bitcoin::hex::FromHex;
use bitcoin::OutPoint;
use scb_crypto::BackupKey;
use scb_wire::{Multi, Single};

use crate::fs::FileKind;
use crate::health::{open_multi, Diagnosis, FileFreshness, Probe};
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
            Content::Opaque { channel_count } => *channel_count,
        }
    }

    pub(crate) fn outpoints(&self) -> Option<HashSet<OutPoint>> {
        match self {
            Content::Multi(m) => Some(m.singles.iter().map(|s| s.funding_outpoint).collect()),
            Content::Single(s) => Some(HashSet::from([s.funding_outpoint])),
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
        }
    }
}

impl MultiFile {
    /// Step 1 and 2 of [`MultiFile::write_packed`]; returns the diagnosis of an unreadable
    /// file `force` lets us replace.
    pub(crate) fn guard_locked(
        &self,
        content: &Content<'_>,
        key: Option<&BackupKey>,
        policy: WritePolicy,
    ) -> Result<Option<Diagnosis>, StoreError> {
        let kind = self
            .fs
            .kind(&self.path)
            .map_err(|source| StoreError::Read {
                path: self.path.clone(),
                source,
            })?;
        match kind {
            FileKind::Missing => return Ok(None),
            FileKind::Regular => {}
            FileKind::Dir => {
                return Err(StoreError::NotRegular {
                    path: self.path.clone(),
                    what: "a directory",
                })
            }
            FileKind::Other(what) => {
                return Err(StoreError::NotRegular {
                    path: self.path.clone(),
                    what,
                })
            }
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
        let Some(key) = key else {
            return if policy.force {
                Ok(None)
            } else {
                refuse(Refusal::Unchecked)
            };
        };
        let bytes = self.read_packed()?;
        let probe = Probe {
            file: Some(self),
            ..Probe::default()
        };
        let opened = open_multi(&bytes, key, &probe).or_else(|diagnosis| {
            // A single file being replaced by a single: it opens as a single.
            match content {
                Content::Single(_) => {
                    // Singles are also written as hex text (`create --single --hex`).
                    let text = std::str::from_utf8(&bytes).ok().map(str::trim);
                    let unhexed = text.and_then(|t| Vec::<u8>::from_hex(t).ok());
                    scb_crypto::unpack_single(unhexed.as_deref().unwrap_or(&bytes), key)
                        .map(|single| Multi {
                            singles: vec![single],
                        })
                        .map_err(|_| diagnosis)
                }
                _ => Err(diagnosis),
            }
        });
        let old = match opened {
            Ok(old) => old,
            Err(diagnosis) if policy.force => return Ok(Some(diagnosis)),
            Err(diagnosis) => return refuse(Refusal::Unreadable(diagnosis)),
        };
        if !policy.allow_empty && content.channel_count() == Some(0) && !old.singles.is_empty() {
            return refuse(Refusal::Empty {
                existing: old.singles.len(),
            });
        }
        if policy.allow_shrink {
            return Ok(None);
        }
        if let Some(new) = content.outpoints() {
            let dropped: Vec<OutPoint> = old
                .singles
                .iter()
                .map(|s| s.funding_outpoint)
                .filter(|o| !new.contains(o))
                .collect();
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
}
