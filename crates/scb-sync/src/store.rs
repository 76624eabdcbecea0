//! Where the sub-swapper keeps the channel set: the [`BackupStore`] trait.
//! [`FileStore`](crate::FileStore) keeps it in `channel.backup`; tests use
//! `MemoryStore` (feature `test-utils`).

use std::future::Future;

use scb_wire::Single;

use crate::BoxError;

/// Durable storage of the full channel set (for example `channel.backup`).
///
/// The sub-swapper reads it once at start-up and then only writes: it keeps the merged set in
/// memory, so an event never re-reads or re-decrypts the file (lnd does:
/// docs/format.md#lnd-one-rewrite). Blocking implementations should run their file work in
/// `tokio::task::spawn_blocking`.
pub trait BackupStore: Send + Sync + 'static {
    /// Loads the current durable set; `Ok(None)` means "no backup yet".
    ///
    /// Any other failure (unreadable, wrong key, unknown format) must be an
    /// error, never `Ok(None)`: the sub-swapper would otherwise overwrite a
    /// backup it could not read.
    fn load(&self) -> impl Future<Output = Result<Option<Vec<Single>>, BoxError>> + Send;

    /// Replaces the stored set with `singles` and resolves only once the new
    /// set is durable. On error the previous set must still be intact.
    fn persist(&self, singles: Vec<Single>) -> impl Future<Output = Result<(), BoxError>> + Send;
}
