//! Errors of the peer connection: transport, handshake, messages.

use std::io;

/// A BOLT 8 handshake or message-cipher failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// An act started with a version byte other than 0.
    #[error("act {act} has version {version}, not 0")]
    BadVersion {
        /// Act number (1, 2 or 3).
        act: u8,
        /// The version byte received.
        version: u8,
    },
    /// An act carried bytes that are not a compressed secp256k1 point.
    #[error("act {act} carries an invalid public key")]
    BadPublicKey {
        /// Act number.
        act: u8,
    },
    /// An act's authentication tag did not verify: in act two this is what
    /// a peer with another node key than the one we dialled produces.
    #[error("act {act} fails authentication (wrong node key or corrupted act)")]
    BadTag {
        /// Act number.
        act: u8,
    },
    /// A message's length header or body failed authentication.
    #[error("message fails authentication")]
    BadMessageTag,
}

/// What went wrong talking to one peer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PeerError {
    /// The TCP connection (or the SOCKS5 proxy's connection) could not be
    /// made.
    #[error("cannot connect to {address}")]
    Connect {
        /// The address dialled.
        address: String,
        /// The socket or proxy error.
        #[source]
        source: io::Error,
    },
    /// The SOCKS5 proxy refused or failed to reach the address.
    #[error("tor proxy cannot reach {address}")]
    Proxy {
        /// The address asked of the proxy.
        address: String,
        /// The proxy's error.
        #[source]
        source: tokio_socks::Error,
    },
    /// The address cannot be dialled (a Tor address without `--tor-proxy`,
    /// a retired Tor v2 address, an unreadable descriptor).
    #[error("cannot dial {address}: {reason}")]
    Undialable {
        /// The address.
        address: String,
        /// Why.
        reason: &'static str,
    },
    /// A step did not finish before the deadline.
    #[error("timed out during {step}")]
    Timeout {
        /// The step (connect, handshake, init, waiting for an answer).
        step: &'static str,
    },
    /// The BOLT 8 handshake failed.
    #[error("BOLT 8 transport failed")]
    Handshake(#[source] HandshakeError),
    /// Reading or writing the socket failed, or the peer closed it.
    #[error("connection lost during {step}")]
    Io {
        /// The step.
        step: &'static str,
        /// The socket error (`UnexpectedEof` when the peer closed it).
        #[source]
        source: io::Error,
    },
    /// A message authenticated but could not be understood.
    #[error("peer sent a malformed {message} message")]
    Malformed {
        /// The message's name.
        message: &'static str,
    },
    /// The peer broke the protocol's order (e.g. a message before `init`).
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// The peer's `init` requires features we do not know.
    #[error("peer requires unknown feature bit {bit}")]
    UnknownRequiredFeature {
        /// The lowest unknown even bit.
        bit: usize,
    },
}
