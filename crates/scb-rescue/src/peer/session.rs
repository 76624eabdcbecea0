//! One conversation with one peer: handshake, `init`, a
//! `channel_reestablish` per channel, then listening for the peer's answer
//! until every channel has an `error` or the deadline passes.

use std::collections::BTreeMap;

use bitcoin::secp256k1::{PublicKey, SecretKey};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{timeout_at, Instant};

use super::connection::Connection;
use super::error::PeerError;
use super::messages::{self, ChannelId, ChannelReestablish, Message};

/// At most this many `error`/`warning` texts are kept per channel, so a
/// chatty peer cannot grow our memory until the deadline.
const MAX_TEXTS_PER_CHANNEL: usize = 4;

/// What the peer answered about one channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelAnswer {
    /// The texts of the peer's `error` messages for this channel (or for
    /// all channels), printable, at most four.
    pub errors: Vec<String>,
    /// The texts of its `warning` messages, likewise.
    pub warnings: Vec<String>,
    /// Whether the peer sent its own `channel_reestablish` for the channel.
    pub peer_reestablish: bool,
}

/// How a conversation ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionEnd {
    /// The handshake or the `init` exchange failed: nothing was sent.
    HandshakeFailed(PeerError),
    /// Our `channel_reestablish` messages went out; what came back.
    Sent {
        /// Answers by channel (every channel we sent has an entry).
        answers: BTreeMap<ChannelId, ChannelAnswer>,
        /// Why listening stopped before every channel had an `error`:
        /// deadline, the peer closing the connection, a bad message.
        stopped: Option<PeerError>,
    },
}

/// Runs the conversation over an open stream; everything, from the first
/// handshake byte to the last answer, must happen before `deadline`.
pub async fn converse<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    node_secret: SecretKey,
    peer: PublicKey,
    channels: &[ChannelReestablish],
    deadline: Instant,
) -> SessionEnd {
    let conn = match timeout_at(deadline, Connection::connect(stream, node_secret, peer)).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return SessionEnd::HandshakeFailed(e),
        Err(_) => return SessionEnd::HandshakeFailed(PeerError::Timeout { step: "handshake" }),
    };
    match timeout_at(deadline, exchange_init(conn)).await {
        Ok(Ok(conn)) => listen(conn, channels, deadline).await,
        Ok(Err(e)) => SessionEnd::HandshakeFailed(e),
        Err(_) => SessionEnd::HandshakeFailed(PeerError::Timeout {
            step: "init exchange",
        }),
    }
}

/// Sends our `init` and waits for the peer's, answering pings meanwhile.
async fn exchange_init<S: AsyncRead + AsyncWrite + Unpin>(
    mut conn: Connection<S>,
) -> Result<Connection<S>, PeerError> {
    conn.send(&messages::encode_init()).await?;
    loop {
        let bytes = conn.recv().await?;
        match messages::decode(&bytes)? {
            Message::Init { .. } => return Ok(conn),
            Message::Ping { num_pong_bytes } => answer_ping(&mut conn, num_pong_bytes).await?,
            _ => {
                return Err(PeerError::Protocol(format!(
                    "message type {} before init",
                    message_type(&bytes)
                )))
            }
        }
    }
}

fn message_type(bytes: &[u8]) -> u16 {
    match bytes {
        [a, b, ..] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    }
}

/// BOLT 1: a ping asking for 65,532 bytes or more gets no pong.
async fn answer_ping<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Connection<S>,
    num_pong_bytes: u16,
) -> Result<(), PeerError> {
    if num_pong_bytes < 65_532 {
        conn.send(&messages::encode_pong(num_pong_bytes)).await?;
    }
    Ok(())
}

async fn listen<S: AsyncRead + AsyncWrite + Unpin>(
    mut conn: Connection<S>,
    channels: &[ChannelReestablish],
    deadline: Instant,
) -> SessionEnd {
    let mut answers: BTreeMap<ChannelId, ChannelAnswer> = channels
        .iter()
        .map(|c| (c.channel_id, ChannelAnswer::default()))
        .collect();
    for channel in channels {
        match timeout_at(deadline, conn.send(&channel.encode())).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return SessionEnd::HandshakeFailed(e),
            Err(_) => {
                return SessionEnd::HandshakeFailed(PeerError::Timeout {
                    step: "sending channel_reestablish",
                })
            }
        }
    }
    let stopped = loop {
        if answers.values().all(|a| !a.errors.is_empty()) {
            break None;
        }
        let bytes = match timeout_at(deadline, conn.recv()).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(e)) => break Some(e),
            Err(_) => {
                break Some(PeerError::Timeout {
                    step: "waiting for the peer's answer",
                })
            }
        };
        let message = match messages::decode(&bytes) {
            Ok(m) => m,
            Err(e) => break Some(e),
        };
        match message {
            Message::Error { channel_id, data } => {
                record(&mut answers, channel_id, |a| &mut a.errors, &data);
            }
            Message::Warning { channel_id, data } => {
                record(&mut answers, channel_id, |a| &mut a.warnings, &data);
            }
            Message::ChannelReestablish { channel_id, .. } => {
                if let Some(a) = answers.get_mut(&channel_id) {
                    a.peer_reestablish = true;
                }
            }
            Message::Ping { num_pong_bytes } => {
                if let Err(e) = timeout_at(deadline, answer_ping(&mut conn, num_pong_bytes))
                    .await
                    .unwrap_or(Err(PeerError::Timeout {
                        step: "answering ping",
                    }))
                {
                    break Some(e);
                }
            }
            Message::Other { message_type } if message_type % 2 == 0 => {
                // BOLT 1: an unknown even message ends the connection.
                break Some(PeerError::Protocol(format!(
                    "unknown even message type {message_type}"
                )));
            }
            // Gossip, a second init, pongs, odd unknown types: ignored.
            _ => {}
        }
    };
    SessionEnd::Sent { answers, stopped }
}

/// Files a text under its channel, or under every channel for the all-zero
/// id (BOLT 1: the message concerns the whole connection).
fn record(
    answers: &mut BTreeMap<ChannelId, ChannelAnswer>,
    channel_id: ChannelId,
    field: fn(&mut ChannelAnswer) -> &mut Vec<String>,
    data: &[u8],
) {
    let text = messages::printable(data);
    let mut push = |a: &mut ChannelAnswer| {
        let list = field(a);
        if list.len() < MAX_TEXTS_PER_CHANNEL {
            list.push(text.clone());
        }
    };
    if channel_id.0 == [0; 32] {
        answers.values_mut().for_each(&mut push);
    } else if let Some(a) = answers.get_mut(&channel_id) {
        push(a);
    }
}
