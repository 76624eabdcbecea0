//! Keeps lnd's `channel.backup` current and restores channels from it.
//!
//! TODO: crate docs with an end-to-end example.

mod backup;
mod error;
mod file_store;
mod node;
mod recover;
mod store;
mod swapper;

pub use backup::{fetch_backup_for_channel, fetch_static_channel_backups, ChannelBackup};
pub use error::{BoxError, SharedError, SyncError};
pub use file_store::FileStore;
pub use node::{
    AddressSource, ChannelEvent, ChannelEventReceiver, ChannelLookup, ChannelNotifier,
    ChannelSource, PeerAddresses,
};
pub use recover::{
    recover, unpack_and_recover_multi, unpack_and_recover_singles, ChannelOutcome, ChannelReport,
    ChannelRestorer, PeerConnector, RecoverOptions, RecoveryReport, RestoreError,
};
pub use store::{BackupStore, MemoryStore, SimulatedFailure, SwapRecord};
pub use swapper::{
    start_swapper, DiskOnlyPolicy, ShrinkPolicy, SwapperConfig, SwapperHandle, SwapperStatus,
};
