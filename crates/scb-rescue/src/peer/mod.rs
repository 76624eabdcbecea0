//! Talking to a channel peer as our restored node: the BOLT 8 transport,
//! the few BOLT 1/BOLT 2 messages a restored channel needs, and one
//! conversation per peer (docs/recovery.md, "Asking peers to close").

pub mod address;
pub mod connection;
pub mod error;
pub mod messages;
pub mod noise;
pub mod restored;
pub mod session;

pub use address::PeerAddress;
pub use connection::Connection;
pub use error::{HandshakeError, PeerError};
pub use messages::{ChannelId, ChannelReestablish};
pub use session::{ChannelAnswer, SessionEnd};
