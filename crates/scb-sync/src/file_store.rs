//! [`BackupStore`] over the real `channel.backup` file (`scb-store` + `scb-crypto`).

use std::collections::BTreeSet;
use std::sync::Arc;

use bitcoin::OutPoint;
use scb_crypto::{BackupKey, OsRng};
use scb_store::MultiFile;
use scb_wire::{Multi, Single};

use crate::store::BackupStore;
use crate::{BoxError, SyncError};

/// The sub-swapper's store for lnd's `channel.backup`: packs the set with
/// [`scb_crypto::pack_multi`] and swaps it in crash-safely with
/// [`MultiFile::update_and_swap_counted`], then reads the file back and checks
/// it holds exactly the channels meant (issue 10's read-back check).
///
/// File work runs in `tokio::task::spawn_blocking`.
#[derive(Debug, Clone)]
pub struct FileStore {
    file: Arc<MultiFile>,
    key: Arc<BackupKey>,
}

impl FileStore {
    /// A store writing `file` with `key`.
    pub fn new(file: MultiFile, key: BackupKey) -> Self {
        Self {
            file: Arc::new(file),
            key: Arc::new(key),
        }
    }

    /// The underlying file.
    pub fn file(&self) -> &MultiFile {
        &self.file
    }
}

fn outpoints(singles: &[Single]) -> BTreeSet<OutPoint> {
    singles.iter().map(|s| s.funding_outpoint).collect()
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
        blocking(move || match file.extract_multi(&key) {
            Ok(multi) => Ok(Some(multi.singles)),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(Box::new(err) as BoxError),
        })
        .await
    }

    async fn persist(&self, singles: Vec<Single>) -> Result<(), BoxError> {
        let (file, key) = (self.file.clone(), self.key.clone());
        blocking(move || {
            let expected = outpoints(&singles);
            let count = u32::try_from(singles.len()).ok();
            let multi = Multi { singles };
            let packed = scb_crypto::pack_multi(&multi, &key, &mut OsRng)?;
            let report = file.update_and_swap_counted(packed.as_bytes(), count)?;
            if !report.all_ok() {
                tracing::warn!(
                    ?report,
                    "backup swapped, but an archive, manifest or mirror step failed"
                );
            }
            let written = file.extract_multi(&key)?;
            let found = outpoints(&written.singles);
            if written.singles.len() != multi.singles.len() || found != expected {
                return Err(Box::new(SyncError::ReadBackMismatch {
                    expected: multi.singles.len(),
                    found: written.singles.len(),
                }) as BoxError);
            }
            Ok(())
        })
        .await
    }
}
