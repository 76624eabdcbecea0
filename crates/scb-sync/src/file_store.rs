//! [`BackupStore`] over the real `channel.backup` file (`scb-store` + `scb-crypto`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use scb_crypto::BackupKey;
use scb_store::{MultiFile, Opened, Unreadable, WritePolicy};
use scb_wire::{Multi, Single};

use crate::store::BackupStore;
use crate::BoxError;

/// What to do at start-up with a `channel.backup` the key does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnreadablePolicy {
    /// Move it aside (kept, never deleted; see [`MultiFile::open_or_quarantine`]), report it,
    /// and continue from the node's channels (docs/durability.md#guards).
    #[default]
    Quarantine,
    /// Fail `load`, so the sub-swapper does not start (lnd's behaviour:
    /// docs/format.md#unreadable-file-stops-start).
    Refuse,
}

/// A backup file moved aside by [`FileStore::load`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantinedFile {
    /// Where the unreadable file is now.
    pub path: PathBuf,
    /// Why it did not open (wrong key versus corruption where that can be told).
    pub reason: Unreadable,
}

/// The sub-swapper's store for lnd's `channel.backup`.
///
/// Writes with the store's one guarded write, [`MultiFile::write_multi`]: encode
/// and encrypt once, check the packed bytes decrypt to the encoded plaintext,
/// archive the previous version first, swap in crash-safely (manifest, mirrors
/// as configured on the [`MultiFile`]), read back and compare the bytes,
/// restoring the previous version on a mismatch. The node is the source of
/// truth, so the default [`WritePolicy`] is [`WritePolicy::replace_anything`]
/// (lnd's behaviour; the previous version is archived); see
/// [`FileStore::with_write_policy`]. Reads
/// with [`MultiFile::open_or_quarantine`] or, under
/// [`UnreadablePolicy::Refuse`], [`MultiFile::extract_multi`]. File work runs
/// in `tokio::task::spawn_blocking`.
#[derive(Debug, Clone)]
pub struct FileStore {
    file: Arc<MultiFile>,
    key: Arc<BackupKey>,
    unreadable: UnreadablePolicy,
    policy: WritePolicy,
    quarantined: Arc<Mutex<Option<QuarantinedFile>>>,
}

impl FileStore {
    /// A store writing `file` with `key`; unreadable files are quarantined.
    pub fn new(file: MultiFile, key: BackupKey) -> Self {
        Self {
            file: Arc::new(file),
            key: Arc::new(key),
            unreadable: UnreadablePolicy::default(),
            policy: WritePolicy::replace_anything(),
            quarantined: Arc::default(),
        }
    }

    /// Sets what `load` does with a file the key does not open.
    #[must_use]
    pub fn with_unreadable_policy(mut self, policy: UnreadablePolicy) -> Self {
        self.unreadable = policy;
        self
    }

    /// Sets what each write may replace (default: anything, archived first).
    #[must_use]
    pub fn with_write_policy(mut self, policy: WritePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The underlying file.
    pub fn file(&self) -> &MultiFile {
        &self.file
    }

    /// The file the last `load` moved aside, if it did.
    pub fn quarantined(&self) -> Option<QuarantinedFile> {
        self.quarantined
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BoxError> + Send + 'static,
) -> Result<T, BoxError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| -> BoxError { Box::new(e) })?
}

impl BackupStore for FileStore {
    async fn load(&self) -> Result<Option<Vec<Single>>, BoxError> {
        let (file, key) = (self.file.clone(), self.key.clone());
        let quarantined = self.quarantined.clone();
        match self.unreadable {
            UnreadablePolicy::Refuse => {
                blocking(move || match file.extract_multi(&key) {
                    Ok(multi) => Ok(Some(multi.singles)),
                    Err(err) if err.is_not_found() => Ok(None),
                    Err(err) => Err(Box::new(err) as BoxError),
                })
                .await
            }
            UnreadablePolicy::Quarantine => {
                blocking(move || match file.open_or_quarantine(&key)? {
                    Opened::Readable(multi) => Ok(Some(multi.singles)),
                    Opened::Quarantined { path, reason } => {
                        tracing::error!(
                            path = %path.display(),
                            %reason,
                            "unreadable channel.backup moved aside; continuing from the node's channels"
                        );
                        *quarantined.lock().unwrap_or_else(PoisonError::into_inner) =
                            Some(QuarantinedFile { path, reason });
                        Ok(None)
                    }
                    Opened::Missing => Ok(None),
                    // `Opened` is non-exhaustive: an outcome this crate does not
                    // know must never be taken for "no backup yet".
                    other => Err(format!("unexpected outcome opening the backup: {other:?}").into()),
                })
                .await
            }
        }
    }

    async fn persist(&self, singles: Vec<Single>) -> Result<(), BoxError> {
        let (file, key, policy) = (self.file.clone(), self.key.clone(), self.policy);
        blocking(move || {
            let multi = Multi { singles };
            let report = file.write_multi(&multi, &key, &policy, &mut scb_crypto::OsRng)?;
            if !report.all_ok() {
                tracing::warn!(
                    ?report,
                    "backup swapped, but an archive, manifest or mirror step failed"
                );
            }
            Ok(())
        })
        .await
    }
}
