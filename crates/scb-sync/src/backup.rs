//! Singles for live channels (lnd's `chanbackup/backup.go`,
//! docs/format.md#lnd-singles-from-channels).

use bitcoin::OutPoint;
use scb_wire::Single;

use crate::error::share;
use crate::node::{AddressSource, ChannelLookup, ChannelSource, PeerAddresses};
use crate::SyncError;

/// The backup of one channel, or why it could not be made.
#[derive(Debug, Clone)]
pub struct ChannelBackup {
    /// The channel's funding outpoint.
    pub outpoint: OutPoint,
    /// The complete single, or the per-channel failure.
    pub result: Result<Single, SyncError>,
}

/// Builds the single of one open channel, addresses filled in from the address
/// source.
///
/// As lnd: a channel the source does not report open is
/// [`SyncError::ChannelNotFound`], an unknown peer is
/// [`SyncError::PeerUnknown`].
pub async fn fetch_backup_for_channel<C, A>(
    outpoint: OutPoint,
    channels: &C,
    addresses: &A,
) -> Result<Single, SyncError>
where
    C: ChannelSource,
    A: AddressSource,
{
    let lookup = channels
        .fetch_channel(outpoint)
        .await
        .map_err(|e| SyncError::ChannelSource { source: share(e) })?;
    match lookup {
        ChannelLookup::Open(single) => with_addresses(*single, addresses).await,
        ChannelLookup::Closed | ChannelLookup::Unknown => {
            Err(SyncError::ChannelNotFound { outpoint })
        }
    }
}

/// Builds the singles of every open channel, one result per channel, in the
/// source's order.
///
/// Unlike lnd (docs/format.md#export-fails-as-a-whole), one channel whose peer is unknown (or
/// whose address lookup fails) does not fail the export: its entry carries the error and every
/// other channel is still backed up. Only a failure to list the channels at all is an error of
/// the whole call.
pub async fn fetch_static_channel_backups<C, A>(
    channels: &C,
    addresses: &A,
) -> Result<Vec<ChannelBackup>, SyncError>
where
    C: ChannelSource,
    A: AddressSource,
{
    let all = fetch_all_channels(channels).await?;
    let mut out = Vec::with_capacity(all.len());
    for single in all {
        let outpoint = single.funding_outpoint;
        let result = with_addresses(single, addresses).await;
        out.push(ChannelBackup { outpoint, result });
    }
    Ok(out)
}

/// Replaces the single's addresses with the address source's answer; an
/// unknown peer or a failing lookup is an error.
async fn with_addresses<A: AddressSource>(
    mut single: Single,
    addresses: &A,
) -> Result<Single, SyncError> {
    let outpoint = single.funding_outpoint;
    let peer = single.remote_node_pub;
    match addresses.addresses_for(peer).await {
        Ok(PeerAddresses::Known(list)) => {
            single.addresses = list;
            Ok(single)
        }
        Ok(PeerAddresses::Unknown) => Err(SyncError::PeerUnknown { peer, outpoint }),
        Err(e) => Err(SyncError::AddressSource {
            peer,
            outpoint,
            source: share(e),
        }),
    }
}

/// Every open channel the node reports; a failing source fails the call.
pub(crate) async fn fetch_all_channels<C: ChannelSource>(
    channels: &C,
) -> Result<Vec<Single>, SyncError> {
    channels
        .fetch_all_channels()
        .await
        .map_err(|e| SyncError::ChannelSource { source: share(e) })
}

/// The swapper's lenient variant: an unknown peer or a failing lookup keeps the
/// addresses the channel source gave and logs a warning, so one unknown peer
/// never blocks the backup of every channel (lnd does not even start:
/// docs/format.md#unknown-peer-stops-start).
pub(crate) async fn with_addresses_lenient<A: AddressSource>(
    mut single: Single,
    addresses: &A,
) -> Single {
    let peer = single.remote_node_pub;
    match addresses.addresses_for(peer).await {
        Ok(PeerAddresses::Known(list)) => single.addresses = list,
        Ok(PeerAddresses::Unknown) => tracing::warn!(
            channel = %single.funding_outpoint,
            %peer,
            "peer unknown by address source; keeping the channel source's addresses"
        ),
        Err(err) => tracing::warn!(
            channel = %single.funding_outpoint,
            %peer,
            error = &*err as &dyn std::error::Error,
            "address source failed; keeping the channel source's addresses"
        ),
    }
    single
}
