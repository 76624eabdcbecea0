//! Pushing one snapshot to one destination, and the one-shot `replicate_once`.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use crate::destination::Destination;
use crate::error::{ReplicateError, Result};
use crate::layout::{format_utc, sha256_hex, HistoryEntry};
use crate::outcome::{error_chain, ReplicationOutcome, Status};
use crate::retention::Retention;
use crate::shrink::ShrinkGuard;
use crate::snapshot::{read_stable, Snapshot};
use crate::verify::{VerifiedInfo, Verifier};

/// A file shorter than this cannot be an encrypted backup (nonce + tag + smallest multi).
const MIN_BACKUP_LEN: usize = 45;

/// How many times a conditional write of the latest copy is retried after losing a race.
const MAX_CONFLICT_TRIES: u32 = 3;

/// How far ahead of this machine's clock a time stamp may be before it is not trusted
/// for ordering (clocks of different machines differ by a little).
const CLOCK_TOLERANCE: Duration = Duration::from_secs(300);

/// What a successful push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pushed {
    pub(crate) uploaded: bool,
    pub(crate) version: String,
    pub(crate) pruned: Vec<String>,
}

/// Logs a warning about one push and keeps it for the push's status event.
fn warn(notes: &mut Vec<String>, dest: &Destination, text: String) {
    // A retried conditional write meets the same facts again: say each once.
    if !notes.contains(&text) {
        tracing::warn!(destination = %dest, "{text}");
        notes.push(text);
    }
}

/// Stores `snap` at `dest`: history version first, then the latest copy (conditionally).
///
/// The history version is always written, so every content the source had is kept. The
/// latest copy is not replaced when its own history version is newer than `snap` (a
/// second writer with an older file), nor when `snap` lost too many channels (the
/// [`ShrinkGuard`]). Time stamps beyond this machine's clock are not trusted for
/// ordering: they are reported in `notes` and replication goes on. `last_pushed` is the
/// content this replicator itself last stored here: when the latest copy is still that
/// one, `snap` was read after it and follows it whatever the time stamps say.
pub(crate) async fn push(
    dest: &Destination,
    snap: &Snapshot,
    info: Option<&VerifiedInfo>,
    config: &WatchConfig,
    last_pushed: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<Pushed> {
    let ours = HistoryEntry::new(snap.version_time(), &snap.sha256);
    if snap.modified_in_future(CLOCK_TOLERANCE) {
        warn(
            notes,
            dest,
            format!(
                "source modification time {} is ahead of this clock; version stamped with \
                 the time it was read ({})",
                format_utc(snap.modified),
                format_utc(ours.time())
            ),
        );
    }
    let mut history_written = false;
    for _ in 0..MAX_CONFLICT_TRIES {
        let remote = dest.get_latest().await?;
        let remote_sha = remote.as_ref().map(|(bytes, _)| sha256_hex(bytes));
        if remote_sha.as_deref() == Some(snap.sha256.as_str()) {
            return Ok(Pushed {
                uploaded: history_written,
                version: ours.name,
                pruned: Vec::new(),
            });
        }
        if !history_written {
            // First, whatever then happens to the latest copy: this content is kept.
            dest.put_history(&ours.name, &snap.bytes).await?;
            history_written = true;
        }
        if let (Some((bytes, _)), Some(remote_sha)) = (&remote, &remote_sha) {
            if last_pushed != Some(remote_sha.as_str()) {
                check_order(dest, remote_sha, &ours, notes).await?;
            }
            check_shrink(dest, bytes, info, config, &ours, notes)?;
        }
        let expected = remote.as_ref().map(|(_, v)| v);
        if dest.put_latest(&snap.bytes, expected).await?.is_some() {
            let pruned = prune(dest, config, &ours.name, info).await;
            return Ok(Pushed {
                uploaded: true,
                version: ours.name,
                pruned,
            });
        }
        tracing::warn!(destination = %dest, "latest copy changed while replacing it; re-reading");
    }
    Err(ReplicateError::Conflict {
        destination: dest.display_name().to_string(),
        attempts: MAX_CONFLICT_TRIES,
    })
}

/// Refuses to replace a latest copy whose history version is newer than `ours`, unless
/// that version's stamp lies in the future of this clock (then it is not trusted).
async fn check_order(
    dest: &Destination,
    remote_sha: &str,
    ours: &HistoryEntry,
    notes: &mut Vec<String>,
) -> Result<()> {
    let list = dest.list_history().await?;
    // The newest version with the remote content tells when it was stored.
    let Some(theirs) = list.iter().rev().find(|e| e.matches_hash(remote_sha)) else {
        return Ok(());
    };
    if theirs.unix_millis <= ours.unix_millis {
        return Ok(());
    }
    if theirs.time() > SystemTime::now() + CLOCK_TOLERANCE {
        warn(
            notes,
            dest,
            format!(
                "the latest copy's version {} is stamped ahead of this clock; not trusted \
                 for ordering",
                theirs.name
            ),
        );
        return Ok(());
    }
    Err(ReplicateError::RemoteNewer {
        destination: dest.display_name().to_string(),
        remote: theirs.name.clone(),
        ours: ours.name.clone(),
    })
}

/// Applies the [`ShrinkGuard`] against the latest copy's channel count.
fn check_shrink(
    dest: &Destination,
    remote: &[u8],
    info: Option<&VerifiedInfo>,
    config: &WatchConfig,
    ours: &HistoryEntry,
    notes: &mut Vec<String>,
) -> Result<()> {
    let (Some(verifier), Some(next)) = (config.verifier.as_ref(), info.and_then(|i| i.channels))
    else {
        return Ok(());
    };
    // A latest copy this key cannot open protects nothing this guard could count.
    let Some(previous) = verifier.verify(remote).ok().and_then(|i| i.channels) else {
        return Ok(());
    };
    if !config.shrink.is_large_drop(previous, next) {
        return Ok(());
    }
    if config.shrink.allow {
        warn(
            notes,
            dest,
            format!(
                "the channel count falls from {previous} to {next}; made the latest copy \
                 because shrinking is allowed (the previous versions stay in history)"
            ),
        );
        return Ok(());
    }
    Err(ReplicateError::ChannelsDropped {
        destination: dest.display_name().to_string(),
        previous,
        next,
        version: ours.name.clone(),
    })
}

/// Applies retention; failures are logged, never fatal (the upload itself succeeded).
///
/// Never deletes `protect` (the version just stored) nor, when that version holds no
/// channels, the newest version that holds some.
async fn prune(
    dest: &Destination,
    config: &WatchConfig,
    protect: &str,
    info: Option<&VerifiedInfo>,
) -> Vec<String> {
    if config.retention == Retention::keep_all() {
        return Vec::new();
    }
    let list = match dest.list_history().await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(destination = %dest, error = %error_chain(&e), "retention: cannot list history");
            return Vec::new();
        }
    };
    let mut keep = vec![protect.to_string()];
    if info.and_then(|i| i.channels) == Some(0) {
        match newest_with_channels(dest, config.verifier.as_ref(), &list, protect).await {
            Ok(Some(name)) => keep.push(name),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(destination = %dest, error = %error_chain(&e), "retention skipped: cannot tell which version last held channels");
                return Vec::new();
            }
        }
    }
    let mut pruned = Vec::new();
    for victim in config
        .retention
        .select_for_deletion(&list, SystemTime::now(), &keep)
    {
        match dest.delete_history(&victim.name).await {
            Ok(()) => pruned.push(victim.name),
            Err(e) => {
                tracing::warn!(destination = %dest, error = %error_chain(&e), "retention: delete failed");
            }
        }
    }
    pruned
}

/// The newest history version (other than `skip`) that `verifier` says holds channels.
///
/// Errors when a version cannot be read, so that retention does not guess.
async fn newest_with_channels(
    dest: &Destination,
    verifier: Option<&Verifier>,
    list: &[HistoryEntry],
    skip: &str,
) -> Result<Option<String>> {
    let Some(verifier) = verifier else {
        return Ok(None);
    };
    for entry in list.iter().rev().filter(|e| e.name != skip) {
        let Some(bytes) = dest.get_history(&entry.name).await? else {
            continue;
        };
        if verifier
            .verify(&bytes)
            .ok()
            .and_then(|i| i.channels)
            .is_some_and(|n| n > 0)
        {
            return Ok(Some(entry.name.clone()));
        }
    }
    Ok(None)
}

/// Checks `snap` before it may be pushed anywhere.
pub(crate) fn check_snapshot(
    snap: &Snapshot,
    verifier: Option<&Verifier>,
) -> Result<Option<VerifiedInfo>> {
    if snap.bytes.len() < MIN_BACKUP_LEN {
        return Err(ReplicateError::Verification {
            what: snap.path.display().to_string(),
            reason: format!(
                "{} bytes is too short to be a channel backup (at least {MIN_BACKUP_LEN})",
                snap.bytes.len()
            ),
        });
    }
    match verifier {
        None => Ok(None),
        Some(v) => v
            .verify(&snap.bytes)
            .map(Some)
            .map_err(|reason| ReplicateError::Verification {
                what: snap.path.display().to_string(),
                reason,
            }),
    }
}

/// Builds the event for one push result.
pub(crate) fn outcome_for(
    dest: &Destination,
    snap: &Snapshot,
    info: Option<&VerifiedInfo>,
    result: &Result<Pushed>,
    warnings: Vec<String>,
    attempt: u32,
    started: Instant,
) -> ReplicationOutcome {
    let status = match result {
        Ok(p) if p.uploaded => Status::Uploaded,
        Ok(_) => Status::Unchanged,
        Err(ReplicateError::ChannelsDropped { .. }) => Status::Held,
        Err(_) => Status::Failed,
    };
    let mut o = ReplicationOutcome::new(dest.display_name(), status, snap.path.clone());
    o.sha256 = Some(snap.sha256.clone());
    o.size = Some(snap.bytes.len() as u64);
    o.channels = info.and_then(|i| i.channels);
    o.attempt = attempt;
    o.warnings = warnings;
    o.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match result {
        Ok(p) => {
            o.version = Some(p.version.clone());
            o.pruned.clone_from(&p.pruned);
        }
        Err(e) => {
            o.version = Some(HistoryEntry::new(snap.version_time(), &snap.sha256).name);
            o.error = Some(error_chain(e));
        }
    }
    o
}

/// Settings shared by [`replicate_once`] and the [`Watcher`](crate::Watcher).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WatchConfig {
    /// The backup file to copy (lnd's `channel.backup` or one written by `scb`).
    pub source: PathBuf,
    /// Where copies go.
    pub destinations: Vec<Destination>,
    /// Check run on the bytes before any push; `None` only checks the length.
    pub verifier: Option<Verifier>,
    /// History retention applied after each upload.
    pub retention: Retention,
    /// When a version with far fewer channels (or none) may become the latest copy.
    pub shrink: ShrinkGuard,
    /// Watch mode: how often the file is polled (also the fallback when notifications
    /// are unavailable).
    pub poll_interval: Duration,
    /// Whether to use file system notifications in watch mode (polling always runs).
    pub use_notify: bool,
    /// Time between the two reads that must agree, and after a change event before reading.
    pub settle: Duration,
    /// How many reads may disagree before the source is reported unstable.
    pub max_read_attempts: u32,
    /// First retry delay after a failed push.
    pub retry_initial: Duration,
    /// Longest retry delay (the backoff doubles up to this).
    pub retry_max: Duration,
}

impl WatchConfig {
    /// Defaults: poll every 2 s, notifications on, 100 ms settle, retries from 1 s to 5 min,
    /// keep every history version, the default [`ShrinkGuard`].
    pub fn new(source: impl Into<PathBuf>, destinations: Vec<Destination>) -> Self {
        Self {
            source: source.into(),
            destinations,
            verifier: None,
            retention: Retention::keep_all(),
            shrink: ShrinkGuard::default(),
            poll_interval: Duration::from_secs(2),
            use_notify: true,
            settle: Duration::from_millis(100),
            max_read_attempts: 50,
            retry_initial: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
        }
    }

    /// The delay before retry number `attempt` (1-based), doubling and capped.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1).min(20))
            .unwrap_or(u32::MAX);
        self.retry_initial
            .saturating_mul(factor)
            .min(self.retry_max)
    }
}

/// Events for every destination when the source could not be read or was rejected.
pub(crate) fn source_failure_outcomes(
    config: &WatchConfig,
    err: &ReplicateError,
    snap: Option<&Snapshot>,
) -> Vec<ReplicationOutcome> {
    let status = if matches!(err, ReplicateError::Verification { .. }) {
        Status::Rejected
    } else {
        Status::Failed
    };
    config
        .destinations
        .iter()
        .map(|d| {
            let mut o = ReplicationOutcome::new(d.display_name(), status, config.source.clone());
            if let Some(s) = snap {
                o.sha256 = Some(s.sha256.clone());
                o.size = Some(s.bytes.len() as u64);
            }
            o.error = Some(error_chain(err));
            o
        })
        .collect()
}

/// Replicates the source once to every destination (for cron, tests and `--once`).
///
/// Returns one event per destination; any [`ReplicationOutcome::is_failure`] means that
/// destination does not hold the current source. No retries: run it again.
pub async fn replicate_once(config: &WatchConfig) -> Vec<ReplicationOutcome> {
    let path = config.source.clone();
    let (settle, attempts) = (config.settle, config.max_read_attempts);
    let read = tokio::task::spawn_blocking(move || read_stable(&path, settle, attempts))
        .await
        .unwrap_or_else(|join| {
            Err(ReplicateError::io(
                "read source file",
                config.source.clone(),
                std::io::Error::other(join.to_string()),
            ))
        });
    let snap = match read {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(source = %config.source.display(), error = %error_chain(&e), "cannot read source");
            return source_failure_outcomes(config, &e, None);
        }
    };
    let info = match check_snapshot(&snap, config.verifier.as_ref()) {
        Ok(i) => i,
        Err(e) => {
            tracing::error!(source = %config.source.display(), error = %error_chain(&e), "source REJECTED: not replicated");
            return source_failure_outcomes(config, &e, Some(&snap));
        }
    };
    let pushes = config.destinations.iter().map(|d| {
        let (snap, info) = (&snap, info.as_ref());
        async move {
            let started = Instant::now();
            let mut notes = Vec::new();
            let r = push(d, snap, info, config, None, &mut notes).await;
            outcome_for(d, snap, info, &r, notes, 1, started)
        }
    });
    futures_util::future::join_all(pushes).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let mut c = WatchConfig::new("/x", Vec::new());
        c.retry_initial = Duration::from_millis(100);
        c.retry_max = Duration::from_secs(1);
        let got: Vec<u128> = (1..=6).map(|a| c.backoff(a).as_millis()).collect();
        assert_eq!(got, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(c.backoff(u32::MAX), Duration::from_secs(1));
    }
}
