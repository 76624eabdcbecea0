//! Off-site copies of a live lnd `channel.backup`: watch the file and replicate every
//! change to local directories and object stores (S3 and S3-compatible, GCS, Azure,
//! HTTP/WebDAV), then fetch a copy back when it is needed.
//!
//! Every destination has the same layout: `<prefix>/channel.backup` is the latest copy and
//! `<prefix>/history/<UTC time>-<sha256 prefix>.backup` the immutable versions (see
//! [`layout`]). A change is uploaded as a history version first, then as the latest copy
//! with a conditional write, so two watchers never silently replace a newer copy; content
//! the destination already holds is not uploaded again. The source is read only once it
//! is stable and, when a [`Verifier`] is given, only once it verifies: a bad file is never
//! pushed over a good copy, and a file that lost its channels is kept in history but not
//! made the latest copy ([`ShrinkGuard`]). One skewed time stamp never stops replication
//! (`docs/durability.md#replication-order`).
//!
//! This crate holds no keys; the caller plugs verification in (the `scb` CLI uses
//! `scb-crypto`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use scb_replicate::{fetch_latest, replicate_once, Destination, Status, WatchConfig};
//!
//! let dir = tempfile::tempdir()?;
//! let source = dir.path().join("channel.backup");
//! std::fs::write(&source, [7u8; 64])?; // stands in for lnd's encrypted file
//!
//! let usb = Destination::parse(dir.path().join("usb").to_str().unwrap_or_default())?;
//! let config = WatchConfig::new(&source, vec![usb.clone()]);
//! let outcomes = replicate_once(&config).await;
//! assert_eq!(outcomes[0].status, Status::Uploaded);
//! println!("{}", outcomes[0].to_json_line());
//!
//! let back = fetch_latest(&usb, None).await?;
//! assert_eq!(back.bytes, vec![7u8; 64]);
//! # Ok(())
//! # }
//! ```
//!
//! For watch mode, see [`Watcher`].

mod destination;
mod directory;
mod error;
mod fetch;
pub mod layout;
mod outcome;
mod replicate;
mod retention;
mod shrink;
mod snapshot;
mod verify;
mod watch;

pub use destination::{CopyVersion, Destination, LatestCopy};
pub use error::{Foreign, ReplicateError, Result};
pub use fetch::{fetch_latest, fetch_version, Fetched};
pub use layout::HistoryEntry;
pub use outcome::{ReplicationOutcome, Status};
pub use replicate::{replicate_once, WatchConfig};
pub use retention::Retention;
pub use shrink::ShrinkGuard;
pub use snapshot::{read_stable, Snapshot};
pub use tokio_util::sync::CancellationToken;
pub use verify::{VerifiedInfo, Verifier};
pub use watch::{WatchHandle, Watcher};
