//! [`BackupFormat`]: what the one guarded write needs to know about a backup format it
//! may not decode itself (lnd's multi here; Core Lightning's `emergency.recover` in the
//! CLI, since this crate does not depend on `scb-cln`).

use std::collections::HashSet;

use bitcoin::hex::FromHex;
use bitcoin::OutPoint;
use scb_crypto::BackupKey;

use crate::health::{open_multi, Diagnosis, Probe};
use crate::multi_file::MultiFile;
use crate::policy::{Content, WritePolicy};
use crate::report::SwapReport;
use crate::StoreError;

/// The mode lnd gives `channel.backup` and scb gives its staging files.
pub const PRIVATE_MODE: u32 = 0o600;

/// A backup format written through [`MultiFile::write_format`]: how the guard opens an
/// existing file under the writer's secret, and the mode the file must have.
pub trait BackupFormat {
    /// What the format is called in messages ("Core Lightning emergency.recover").
    fn name(&self) -> &'static str;

    /// Opens a file's bytes under the writer's secret: the funding outpoints of its
    /// channels (their identities for the shrink guard), or why it does not open.
    fn open(&self, bytes: &[u8]) -> Result<Vec<OutPoint>, NotOpened>;

    /// False when there is no secret to open anything with: the existing file is then
    /// not read, and only [`WritePolicy::force`] replaces it.
    fn can_check(&self) -> bool {
        true
    }

    /// The file's final mode on Unix. The staging file gets it before the rename, so the
    /// renamed file never has another one (ignored elsewhere).
    fn file_mode(&self) -> u32 {
        PRIVATE_MODE
    }
}

/// Why [`BackupFormat::open`] did not open a file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotOpened {
    /// An lnd file, diagnosed by the store (wrong key told from corruption).
    Diagnosed(Diagnosis),
    /// No secret was given to check it with.
    Unchecked,
    /// Another format's verdict, in one line.
    Rejected(String),
}

/// lnd's packed multi (or packed single, binary or hex text), opened with a backup key.
pub(crate) struct LndFormat<'a> {
    pub(crate) file: &'a MultiFile,
    pub(crate) key: Option<&'a BackupKey>,
    /// The new content is a single: the existing file may be one too.
    pub(crate) single: bool,
}

impl BackupFormat for LndFormat<'_> {
    fn name(&self) -> &'static str {
        "lnd channel backup"
    }

    fn open(&self, bytes: &[u8]) -> Result<Vec<OutPoint>, NotOpened> {
        let Some(key) = self.key else {
            return Err(NotOpened::Unchecked);
        };
        let probe = Probe {
            file: Some(self.file),
            ..Probe::default()
        };
        match open_multi(bytes, key, &probe) {
            Ok(multi) => Ok(multi.singles.iter().map(|s| s.funding_outpoint).collect()),
            Err(diagnosis) if self.single => {
                // Singles are also written as hex text (`create --single --hex`).
                let text = std::str::from_utf8(bytes).ok().map(str::trim);
                let unhexed = text.and_then(|t| Vec::<u8>::from_hex(t).ok());
                scb_crypto::unpack_single(unhexed.as_deref().unwrap_or(bytes), key)
                    .map(|single| vec![single.funding_outpoint])
                    .map_err(|_| NotOpened::Diagnosed(diagnosis))
            }
            Err(diagnosis) => Err(NotOpened::Diagnosed(diagnosis)),
        }
    }

    fn can_check(&self) -> bool {
        self.key.is_some()
    }
}

impl MultiFile {
    /// THE guarded write ([`MultiFile::write_packed`]'s steps) for a file in `format`,
    /// which this crate need not decode: before anything touches the disk `packed` must
    /// open under `format` to exactly the channels of `content`; the existing file is
    /// guarded through [`BackupFormat::open`]; the staging file gets
    /// [`BackupFormat::file_mode`] before the rename. Mirrors are written too.
    pub fn write_format(
        &self,
        packed: &[u8],
        content: &Content<'_>,
        format: &dyn BackupFormat,
        policy: &WritePolicy,
    ) -> Result<SwapReport, StoreError> {
        let problem = match (format.open(packed), content.outpoints()) {
            (Err(e), _) => Some(format!("packed bytes do not open: {}", describe(&e))),
            // As sets: a format may list one funding outpoint twice (the guard's question
            // is which channels a file holds, not how often).
            (Ok(got), Some(want)) if got.iter().copied().collect::<HashSet<_>>() != want => {
                Some("packed bytes open to other channels".to_owned())
            }
            (Ok(_), _) => None,
        };
        if let Some(problem) = problem {
            return Err(StoreError::ReadBackMismatch {
                path: self.path.clone(),
                detail: format!("{problem}; nothing written"),
            });
        }
        self.write_guarded(packed, content, format, *policy)
    }
}

/// One line for a [`NotOpened`].
pub(crate) fn describe(not_opened: &NotOpened) -> String {
    match not_opened {
        NotOpened::Diagnosed(d) => d.to_string(),
        NotOpened::Unchecked => "no secret to check it with".to_owned(),
        NotOpened::Rejected(reason) => reason.clone(),
    }
}
