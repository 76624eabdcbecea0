//! `scb watch` and `scb fetch`: off-site copies through scb-replicate.

use std::time::Duration;

use scb_replicate::{
    fetch_latest, fetch_version, replicate_once, CancellationToken, Destination, Retention,
    ShrinkGuard, VerifiedInfo, Verifier, WatchConfig, Watcher,
};

use scb_store::Content;

use crate::cli::{FetchArgs, WatchArgs};
use crate::cmd::write::write_packed;
use crate::error::{chain, CliError, CliResult};
use crate::key::{resolve_optional, ResolvedKey};
use crate::util::emit;

fn verifier(key: Option<&ResolvedKey>) -> Option<Verifier> {
    let key = scb_crypto::BackupKey::from_bytes(*key?.key.as_bytes());
    Some(Verifier::new(move |bytes| {
        scb_crypto::unpack_multi(bytes, &key)
            .map(|m| VerifiedInfo::with_channels(m.singles.len()))
            .map_err(|e| chain(&e))
    }))
}

fn runtime() -> CliResult<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))
}

fn destination(text: &str) -> CliResult<Destination> {
    Destination::parse(text).map_err(|e| CliError::usage(format!("--to {text}: {}", chain(&e))))
}

/// Runs `scb watch`.
pub fn watch(args: &WatchArgs) -> CliResult {
    let key = resolve_optional(&args.key, false, false)?;
    if key.is_none() {
        eprintln!(
            "warning: no key given: copies are not verified before they are pushed, and a \
             file that lost its channels is not noticed (give --rootkey-file or SCB_ROOTKEY \
             so a bad or emptied file never replaces a good copy)"
        );
    }
    let destinations = args
        .to
        .iter()
        .map(|t| destination(t))
        .collect::<CliResult<Vec<_>>>()?;
    let mut config = WatchConfig::new(&args.source, destinations);
    config.verifier = verifier(key.as_ref());
    config.poll_interval = Duration::from_secs(args.interval.max(1));
    let mut retention = match args.keep_last {
        Some(n) => Retention::keep_last(n),
        None => Retention::keep_all(),
    };
    if let Some(age) = args.keep_within {
        retention = retention.and_newer_than(age);
    }
    config.retention = retention;
    if args.allow_shrink {
        config.shrink = ShrinkGuard::allow();
    }
    let json = args.json;
    let print = move |o: &scb_replicate::ReplicationOutcome| {
        let line = if json {
            o.to_json_line()
        } else {
            o.to_string()
        };
        let _ = emit(&format!("{line}\n"));
    };
    let rt = runtime()?;
    if args.once {
        let outcomes = rt.block_on(replicate_once(&config));
        let failed = outcomes.iter().filter(|o| o.is_failure()).count();
        for o in &outcomes {
            print(o);
        }
        if failed > 0 {
            return Err(CliError::Failed(format!(
                "{}: {failed} of {} destination{} failed",
                args.source.display(),
                outcomes.len(),
                if outcomes.len() == 1 { "" } else { "s" }
            )));
        }
        return Ok(());
    }
    rt.block_on(async move {
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stop.cancel();
        });
        Watcher::new(config)
            .run_until(cancel, print)
            .await
            .map_err(|e| CliError::failed("watch", &e))
    })
}

/// Runs `scb fetch`.
pub fn fetch(args: &FetchArgs) -> CliResult {
    let key = resolve_optional(&args.key, false, false)?;
    let verified = key.is_some();
    let dest = destination(&args.url)?;
    let verifier = verifier(key.as_ref());
    let rt = runtime()?;
    let fetched = rt
        .block_on(async {
            match &args.version {
                Some(v) => fetch_version(&dest, v, verifier.as_ref()).await,
                None => fetch_latest(&dest, verifier.as_ref()).await,
            }
        })
        .map_err(|e| CliError::failed(&args.url, &e))?;
    // The verifier opened these bytes already; open them again for the store's guards.
    let multi = match &key {
        Some(k) => Some(
            scb_crypto::unpack_multi(&fetched.bytes, &k.key)
                .map_err(|e| CliError::failed(&args.url, &e))?,
        ),
        None => None,
    };
    let content = multi.as_ref().map_or(
        Content::Opaque {
            channel_count: None,
        },
        Content::Multi,
    );
    write_packed(
        &args.out,
        &fetched.bytes,
        &content,
        key.as_ref(),
        &args.write,
    )?;
    let channels = fetched
        .info
        .as_ref()
        .and_then(|i| i.channels)
        .map_or(String::new(), |n| format!(", {n} channels"));
    emit(&format!(
        "{}: fetched {} ({} bytes, sha256 {}{}{})\n",
        args.out.display(),
        fetched.version.as_deref().unwrap_or("latest copy"),
        fetched.bytes.len(),
        fetched.sha256,
        channels,
        if verified {
            ", verified"
        } else {
            ", NOT verified: no key given"
        }
    ))
}
