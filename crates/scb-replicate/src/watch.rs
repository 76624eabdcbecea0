//! Watch mode: replicate on every change, retry failures with capped backoff.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher as _};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::error::{ReplicateError, Result};
use crate::outcome::{error_chain, ReplicationOutcome};
use crate::replicate::{check_snapshot, outcome_for, push, source_failure_outcomes, WatchConfig};
use crate::snapshot::{read_stable, Fingerprint, Snapshot};
use crate::verify::VerifiedInfo;

/// How long pushes in flight may finish after cancellation.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Replicates a live backup file whenever it changes, until cancelled.
///
/// Runs entirely on its own task; file reads happen on blocking threads, so the node that
/// writes the file is never slowed or blocked. Each destination keeps its own retry
/// schedule; when the source changes while a destination is failing, the newest content
/// replaces the pending one, so the store gets the newest version once it is back.
#[derive(Debug)]
pub struct Watcher {
    config: WatchConfig,
}

/// Handle to a [`Watcher`] spawned on the tokio runtime.
#[derive(Debug)]
#[must_use = "dropping the handle leaves the watcher running; call shutdown"]
pub struct WatchHandle {
    cancel: CancellationToken,
    task: JoinHandle<Result<()>>,
}

impl WatchHandle {
    /// Stops the watcher and waits (at most `timeout`) for it to finish.
    pub async fn shutdown(self, timeout: Duration) -> Result<()> {
        self.cancel.cancel();
        match tokio::time::timeout(timeout, self.task).await {
            Ok(Ok(r)) => r,
            Ok(Err(join)) => Err(ReplicateError::io(
                "join watcher task",
                PathBuf::new(),
                std::io::Error::other(join.to_string()),
            )),
            Err(_) => Err(ReplicateError::io(
                "stop watcher",
                PathBuf::new(),
                std::io::Error::new(std::io::ErrorKind::TimedOut, "watcher did not stop in time"),
            )),
        }
    }

    /// The token that stops the watcher.
    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }
}

struct DestState {
    pushed_sha: Option<String>,
    pending: bool,
    attempt: u32,
    next_try: Instant,
}

impl Watcher {
    /// A watcher for `config`.
    pub fn new(config: WatchConfig) -> Self {
        Self { config }
    }

    /// Spawns the watcher on the current tokio runtime; `on_outcome` gets every event.
    pub fn spawn<F>(self, on_outcome: F) -> WatchHandle
    where
        F: FnMut(&ReplicationOutcome) + Send + 'static,
    {
        let cancel = CancellationToken::new();
        let task = tokio::spawn(self.run_until(cancel.clone(), on_outcome));
        WatchHandle { cancel, task }
    }

    /// Runs until `cancel` fires, calling `on_outcome` for every replication event.
    ///
    /// Replicates once at start, then on every change. Errors only if the watcher cannot
    /// run at all; replication failures are events.
    pub async fn run_until<F>(self, cancel: CancellationToken, mut on_outcome: F) -> Result<()>
    where
        F: FnMut(&ReplicationOutcome),
    {
        let config = Arc::new(self.config);
        // Capacity 1: events arriving while one is pending coalesce into it.
        let (tx, mut rx) = mpsc::channel::<()>(1);
        let _fs_watcher = if config.use_notify {
            match start_notify(&config.source, tx) {
                Ok(w) => Some(w),
                Err(e) => {
                    tracing::warn!(error = %error_chain(&e), "file notifications unavailable; polling only");
                    None
                }
            }
        } else {
            None
        };

        let now = Instant::now();
        let mut dests: Vec<DestState> = config
            .destinations
            .iter()
            .map(|_| DestState {
                pushed_sha: None,
                pending: false,
                attempt: 0,
                next_try: now,
            })
            .collect();
        let mut current: Option<(Arc<Snapshot>, Option<VerifiedInfo>)> = None;
        let mut reported_bad: Option<String> = None;
        let mut last_fp: Option<Fingerprint> = None;
        let mut dirty_at: Option<Instant> = Some(now);
        let mut next_poll = now + config.poll_interval;

        loop {
            let mut wake = next_poll;
            if let Some(d) = dirty_at {
                wake = wake.min(d);
            }
            for s in dests.iter().filter(|s| s.pending) {
                wake = wake.min(s.next_try);
            }
            tokio::select! {
                biased;
                () = cancel.cancelled() => return Ok(()),
                Some(()) = rx.recv() => {
                    // Keep the first deadline: a steady stream of events cannot starve us,
                    // and the stable read copes with a file still being written.
                    dirty_at.get_or_insert(Instant::now() + config.settle);
                    continue;
                }
                () = tokio::time::sleep_until(wake) => {}
            }

            let now = Instant::now();
            if now >= next_poll {
                next_poll = now + config.poll_interval;
                let path = config.source.clone();
                let fp = tokio::task::spawn_blocking(move || Fingerprint::of(&path).ok())
                    .await
                    .ok()
                    .flatten();
                if fp.is_some() && fp != last_fp {
                    dirty_at.get_or_insert(now);
                }
            }

            if dirty_at.is_some_and(|d| d <= now) {
                dirty_at = None;
                let cfg = Arc::clone(&config);
                let read = tokio::task::spawn_blocking(move || {
                    read_stable(&cfg.source, cfg.settle, cfg.max_read_attempts)
                })
                .await;
                match read {
                    Ok(Ok(snap)) => {
                        last_fp = Some(snap.fingerprint);
                        let changed = current
                            .as_ref()
                            .is_none_or(|(c, _)| c.sha256 != snap.sha256);
                        if changed && reported_bad.as_deref() != Some(snap.sha256.as_str()) {
                            match check_snapshot(&snap, config.verifier.as_ref()) {
                                Ok(info) => {
                                    reported_bad = None;
                                    let sha = snap.sha256.clone();
                                    current = Some((Arc::new(snap), info));
                                    for s in &mut dests {
                                        if s.pushed_sha.as_deref() != Some(sha.as_str()) {
                                            if !s.pending {
                                                s.attempt = 0;
                                                s.next_try = now;
                                            }
                                            // A destination in backoff keeps its schedule
                                            // but will push this newer content.
                                            s.pending = true;
                                        }
                                    }
                                }
                                Err(e) => {
                                    tracing::error!(
                                        source = %config.source.display(),
                                        error = %error_chain(&e),
                                        "source REJECTED: not replicated, remote copies left as they are"
                                    );
                                    reported_bad = Some(snap.sha256.clone());
                                    for o in source_failure_outcomes(&config, &e, Some(&snap)) {
                                        on_outcome(&o);
                                    }
                                }
                            }
                        }
                    }
                    Ok(Err(ReplicateError::SourceUnstable { .. })) => {
                        // Still being written: look again after the next settle interval.
                        dirty_at = Some(Instant::now() + config.settle);
                    }
                    Ok(Err(e)) => {
                        // Typically the file is absent between lnd's unlink and rename, or
                        // before lnd first writes it; the next event or poll retries.
                        tracing::warn!(source = %config.source.display(), error = %error_chain(&e), "cannot read source");
                        last_fp = None;
                    }
                    Err(join) => {
                        tracing::error!(error = %join, "source read task failed");
                    }
                }
            }

            let Some((snap, info)) = current.clone() else {
                continue;
            };
            let now = Instant::now();
            let due: Vec<usize> = dests
                .iter()
                .enumerate()
                .filter(|(_, s)| s.pending && s.next_try <= now)
                .map(|(i, _)| i)
                .collect();
            if due.is_empty() {
                continue;
            }
            let pushes = due.iter().map(|&i| {
                let dest = &config.destinations[i];
                let attempt = dests[i].attempt + 1;
                let (snap, info, config) = (Arc::clone(&snap), info.clone(), Arc::clone(&config));
                let last_pushed = dests[i].pushed_sha.clone();
                async move {
                    let started = std::time::Instant::now();
                    let mut notes = Vec::new();
                    let r = push(
                        dest,
                        &snap,
                        info.as_ref(),
                        &config,
                        last_pushed.as_deref(),
                        &mut notes,
                    )
                    .await;
                    (
                        i,
                        outcome_for(dest, &snap, info.as_ref(), &r, notes, attempt, started),
                        r,
                    )
                }
            });
            // A push in flight when cancelled gets a short grace period to finish and be
            // reported; every write it makes is atomic, so abandoning it is also safe.
            let grace = async {
                cancel.cancelled().await;
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            };
            let results = tokio::select! {
                r = futures_util::future::join_all(pushes) => r,
                () = grace => return Ok(()),
            };
            for (i, mut outcome, result) in results {
                let state = &mut dests[i];
                state.attempt += 1;
                match result {
                    Ok(_) => {
                        state.pushed_sha = Some(snap.sha256.clone());
                        state.pending = false;
                        state.attempt = 0;
                    }
                    Err(e) if e.is_transient() => {
                        let delay = config.backoff(state.attempt);
                        state.next_try = Instant::now() + delay;
                        outcome.retry_in_ms =
                            Some(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX));
                        tracing::warn!(destination = %config.destinations[i], error = %error_chain(&e), "replication failed; will retry");
                    }
                    Err(e) => {
                        // Not retried for this content (the remote copy is newer, or this
                        // one lost too many channels); the next change tries again.
                        state.pending = false;
                        tracing::error!(destination = %config.destinations[i], error = %error_chain(&e), "replication refused");
                    }
                }
                on_outcome(&outcome);
            }
        }
    }
}

/// Watches the source's directory (lnd replaces the file by rename, which a watch on the
/// file itself would lose) and signals events that name the source file.
fn start_notify(source: &Path, tx: mpsc::Sender<()>) -> Result<notify::RecommendedWatcher> {
    let dir = match source.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = source.file_name().map(std::ffi::OsStr::to_os_string);
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res {
            let relevant = event.need_rescan()
                || event
                    .paths
                    .iter()
                    .any(|p| p.file_name().map(std::ffi::OsStr::to_os_string) == name);
            if relevant {
                // Full means a wake-up is already pending; closed means we are stopping.
                let _ = tx.try_send(());
            }
        }
    })
    .map_err(|source| ReplicateError::Watch {
        path: dir.clone(),
        source: source.into(),
    })?;
    watcher
        .watch(&dir, RecursiveMode::NonRecursive)
        .map_err(|source| ReplicateError::Watch {
            path: dir,
            source: source.into(),
        })?;
    Ok(watcher)
}
