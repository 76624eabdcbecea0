//! A BOLT 8 connection over any async byte stream, and dialling a peer's
//! address directly or through a SOCKS5 (Tor) proxy.

use bitcoin::secp256k1::{PublicKey, SecretKey};
use rand_core::{OsRng, RngCore};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::address::PeerAddress;
use super::error::PeerError;
use super::noise::{
    Initiator, Responder, Transport, ACT_ONE_LEN, ACT_THREE_LEN, ACT_TWO_LEN, HEADER_LEN, TAG_LEN,
};

/// A fresh ephemeral key from the operating system's generator.
pub fn ephemeral_key() -> SecretKey {
    loop {
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(bytes.as_mut());
        // Fails only for zero or values above the group order (~2^-128).
        if let Ok(key) = SecretKey::from_slice(bytes.as_ref()) {
            return key;
        }
    }
}

/// Opens a TCP connection to `address`, through `tor_proxy` (a SOCKS5
/// `HOST:PORT`) when given. Onion addresses need the proxy; with a proxy,
/// every address goes through it (host names are resolved by the proxy).
pub async fn dial(address: &PeerAddress, tor_proxy: Option<&str>) -> Result<TcpStream, PeerError> {
    let stream = dial_inner(address, tor_proxy).await?;
    // Our messages are small and each waits for an answer: without this,
    // Nagle's algorithm holds the second of two back-to-back writes (act
    // three, then init) until the peer's delayed ACK, ~40 ms per round trip.
    // Failing to set it only costs time.
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

async fn dial_inner(
    address: &PeerAddress,
    tor_proxy: Option<&str>,
) -> Result<TcpStream, PeerError> {
    match (tor_proxy, address) {
        (Some(proxy), _) => {
            let (host, port) = address.host_port();
            let stream = tokio_socks::tcp::Socks5Stream::connect(proxy, (host.as_str(), port))
                .await
                .map_err(|source| match source {
                    tokio_socks::Error::Io(source) => PeerError::Connect {
                        address: format!("tor proxy {proxy}"),
                        source,
                    },
                    source => PeerError::Proxy {
                        address: address.to_string(),
                        source,
                    },
                })?;
            Ok(stream.into_inner())
        }
        (None, PeerAddress::Onion { .. }) => Err(PeerError::Undialable {
            address: address.to_string(),
            reason: "an onion address needs --tor-proxy",
        }),
        (None, PeerAddress::Ip(socket)) => {
            TcpStream::connect(socket)
                .await
                .map_err(|source| PeerError::Connect {
                    address: address.to_string(),
                    source,
                })
        }
        (None, PeerAddress::Host { host, port }) => TcpStream::connect((host.as_str(), *port))
            .await
            .map_err(|source| PeerError::Connect {
                address: address.to_string(),
                source,
            }),
    }
}

/// An established, encrypted connection to one peer.
pub struct Connection<S> {
    stream: S,
    transport: Transport,
}

impl<S> core::fmt::Debug for Connection<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("peer", &self.transport.remote_static())
            .finish_non_exhaustive()
    }
}

fn io_err(step: &'static str) -> impl FnOnce(std::io::Error) -> PeerError {
    move |source| PeerError::Io { step, source }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Connection<S> {
    /// Runs the initiator's handshake: proves we hold `our_key` and that the
    /// peer holds `their_key` (a peer with another key fails act two).
    pub async fn connect(
        mut stream: S,
        our_key: SecretKey,
        their_key: PublicKey,
    ) -> Result<Self, PeerError> {
        let mut initiator = Initiator::new(our_key, their_key, ephemeral_key());
        stream
            .write_all(&initiator.act_one())
            .await
            .map_err(io_err("handshake act one"))?;
        let mut act_two = [0u8; ACT_TWO_LEN];
        stream
            .read_exact(&mut act_two)
            .await
            .map_err(io_err("handshake act two"))?;
        let (act_three, transport) = initiator.act_two(&act_two).map_err(PeerError::Handshake)?;
        stream
            .write_all(&act_three)
            .await
            .map_err(io_err("handshake act three"))?;
        stream
            .flush()
            .await
            .map_err(io_err("handshake act three"))?;
        Ok(Self { stream, transport })
    }

    /// Runs the responder's handshake with our static key `our_key`.
    pub async fn accept(mut stream: S, our_key: SecretKey) -> Result<Self, PeerError> {
        let mut responder = Responder::new(our_key, ephemeral_key());
        let mut act_one = [0u8; ACT_ONE_LEN];
        stream
            .read_exact(&mut act_one)
            .await
            .map_err(io_err("handshake act one"))?;
        let act_two = responder.act_one(&act_one).map_err(PeerError::Handshake)?;
        stream
            .write_all(&act_two)
            .await
            .map_err(io_err("handshake act two"))?;
        let mut act_three = [0u8; ACT_THREE_LEN];
        stream
            .read_exact(&mut act_three)
            .await
            .map_err(io_err("handshake act three"))?;
        let transport = responder
            .act_three(&act_three)
            .map_err(PeerError::Handshake)?;
        Ok(Self { stream, transport })
    }

    /// The peer's node key.
    pub fn peer(&self) -> PublicKey {
        self.transport.remote_static()
    }

    /// Sends one message (type and body, at most 65,535 bytes).
    pub async fn send(&mut self, message: &[u8]) -> Result<(), PeerError> {
        let frame = self.frame(message);
        self.stream
            .write_all(&frame)
            .await
            .map_err(io_err("sending"))?;
        self.stream.flush().await.map_err(io_err("sending"))
    }

    /// Receives one message. Memory is bounded by the 16-bit length: the
    /// body buffer is allocated only after the length header authenticates.
    pub async fn recv(&mut self) -> Result<Vec<u8>, PeerError> {
        let mut header = [0u8; HEADER_LEN];
        self.stream
            .read_exact(&mut header)
            .await
            .map_err(io_err("reading"))?;
        let len = self
            .transport
            .decrypt_header(&header)
            .map_err(PeerError::Handshake)?;
        let mut body = vec![0u8; len + TAG_LEN];
        self.stream
            .read_exact(&mut body)
            .await
            .map_err(io_err("reading"))?;
        self.transport
            .decrypt_body(&body)
            .map_err(PeerError::Handshake)
    }

    /// Encrypts one message into its frame without sending it (peers in
    /// tests use it to send partial frames through [`Self::stream_mut`]).
    pub fn frame(&mut self, message: &[u8]) -> Vec<u8> {
        self.transport.encrypt_message(message)
    }

    /// The underlying stream.
    pub fn stream_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Gives back the underlying stream (to close it, or in tests to write
    /// raw bytes).
    pub fn into_inner(self) -> S {
        self.stream
    }
}
