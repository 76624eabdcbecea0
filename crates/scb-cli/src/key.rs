//! Key sources: where the root key (or seed) comes from, and the backup key made from it.
//!
//! Exactly one source is used. Precedence: an explicit option (`--rootkey-file`,
//! `--rootkey`, `--seed-hex`, `--aezeed`, `--bip39`), then the `SCB_ROOTKEY`
//! environment variable, then a hidden interactive prompt when stdin is a terminal.
//! Nothing here ever prints or logs key material.

use std::io::IsTerminal;
use std::path::PathBuf;

use bitcoin::bip32::Xpriv;
use bitcoin::hex::FromHex;
use clap::Args;
use scb_crypto::{BackupKey, Network};
use scb_seed::Birthday;
use zeroize::Zeroizing;

use crate::error::{CliError, CliResult};

/// Environment variable holding a root `xprv`/`tprv`.
pub const ENV_ROOTKEY: &str = "SCB_ROOTKEY";
/// Environment variable holding the 24 aezeed words (with `--aezeed`).
pub const ENV_AEZEED: &str = "SCB_AEZEED";
/// Environment variable holding the aezeed passphrase (with `--aezeed`).
pub const ENV_AEZEED_PASSPHRASE: &str = "SCB_AEZEED_PASSPHRASE";
/// Environment variable holding the BIP39 words (with `--bip39`).
pub const ENV_BIP39: &str = "SCB_BIP39";
/// Environment variable holding the BIP39 passphrase (with `--bip39`).
pub const ENV_BIP39_PASSPHRASE: &str = "SCB_BIP39_PASSPHRASE";

/// The `--network` parser: scb-crypto's network names (listed in `--help` and in errors).
fn network_parser() -> impl clap::builder::TypedValueParser<Value = Network> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(Network::ALL.map(Network::as_str))
        .try_map(|name| name.parse::<Network>().map_err(|e| e.to_string()))
}

/// A secret given on the command line: zeroized on drop, never shown by `Debug`.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// clap value parser (clap needs a `Result`; any text is accepted).
    #[allow(clippy::unnecessary_wraps)]
    fn parse(s: &str) -> Result<Secret, String> {
        Ok(Secret(Zeroizing::new(s.to_owned())))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The key options shared by every command that opens or writes a backup.
#[derive(Args, Debug, Clone, Default)]
pub struct KeyArgs {
    /// Network lnd ran on: selects the coin type of the key path (0 on mainnet, 1 elsewhere).
    #[arg(long, default_value = "mainnet", value_parser = network_parser())]
    pub network: Network,
    #[command(flatten)]
    pub source: KeySourceArgs,
}

/// One key source (mutually exclusive). With none, `SCB_ROOTKEY` is used, else a
/// hidden prompt when stdin is a terminal.
#[derive(Args, Debug, Clone, Default)]
#[group(id = "key_source", multiple = false)]
#[allow(clippy::struct_excessive_bools)] // command-line flags
pub struct KeySourceArgs {
    /// File holding the root extended private key (xprv... or tprv...) of lnd's wallet.
    #[arg(long, value_name = "PATH")]
    pub rootkey_file: Option<PathBuf>,
    /// Root extended private key on the command line. Warning: visible to other users
    /// of this machine (process list, shell history); prefer --rootkey-file or SCB_ROOTKEY.
    #[arg(long, value_name = "XPRV", value_parser = Secret::parse)]
    pub rootkey: Option<Secret>,
    /// The wallet's BIP32 seed in hex (16 to 64 bytes; lnd: the aezeed entropy).
    /// Visible to other users like --rootkey.
    #[arg(long, value_name = "HEX", value_parser = Secret::parse)]
    pub seed_hex: Option<Secret>,
    /// Read lnd's 24-word aezeed (and its passphrase) at a hidden prompt, or from
    /// SCB_AEZEED and SCB_AEZEED_PASSPHRASE.
    #[arg(long)]
    pub aezeed: bool,
    /// Read a BIP39 mnemonic (and passphrase) at a hidden prompt, or from SCB_BIP39 and
    /// SCB_BIP39_PASSPHRASE.
    #[arg(long)]
    pub bip39: bool,
    /// Core Lightning: the node's hsm_secret; the file is then an emergency.recover
    /// (passphrase from SCB_HSM_SECRET_PASSPHRASE, else a hidden prompt).
    #[arg(long, value_name = "PATH")]
    pub hsm_secret_file: Option<PathBuf>,
}

/// Key options for the second backup of `scb diff`, when it uses another key.
#[derive(Args, Debug, Clone, Default)]
#[allow(clippy::struct_field_names)] // the prefix is the option names' (`--key-b-...`)
pub struct KeyBArgs {
    /// Network of the second backup's key (default: the first key's network).
    #[arg(long, value_parser = network_parser())]
    pub key_b_network: Option<Network>,
    /// Root key file for the second backup.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["key_b_rootkey", "key_b_seed_hex"])]
    pub key_b_rootkey_file: Option<PathBuf>,
    /// Root key for the second backup (visible to other users).
    #[arg(long, value_name = "XPRV", value_parser = Secret::parse, conflicts_with = "key_b_seed_hex")]
    pub key_b_rootkey: Option<Secret>,
    /// BIP32 seed in hex for the second backup (visible to other users).
    #[arg(long, value_name = "HEX", value_parser = Secret::parse)]
    pub key_b_seed_hex: Option<Secret>,
}

impl KeyBArgs {
    /// Whether any option for a second key was given.
    pub fn any(&self) -> bool {
        self.key_b_network.is_some()
            || self.key_b_rootkey_file.is_some()
            || self.key_b_rootkey.is_some()
            || self.key_b_seed_hex.is_some()
    }
}

/// Where the key came from (for messages; never the key itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// `--rootkey-file`.
    RootkeyFile,
    /// `--rootkey`.
    RootkeyArg,
    /// `SCB_ROOTKEY`.
    RootkeyEnv,
    /// `--seed-hex`.
    SeedHex,
    /// `--aezeed`.
    Aezeed,
    /// `--bip39`.
    Bip39,
    /// The interactive prompt.
    Prompt,
}

impl SourceKind {
    /// How to name it in messages.
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::RootkeyFile => "--rootkey-file",
            SourceKind::RootkeyArg => "--rootkey",
            SourceKind::RootkeyEnv => ENV_ROOTKEY,
            SourceKind::SeedHex => "--seed-hex",
            SourceKind::Aezeed => "aezeed",
            SourceKind::Bip39 => "bip39",
            SourceKind::Prompt => "prompt",
        }
    }
}

/// The secret the key is made from.
enum Material {
    /// A root extended private key string.
    Xprv(Zeroizing<String>),
    /// A BIP32 seed.
    Seed(Zeroizing<Vec<u8>>),
}

/// A resolved key source: the backup key for the chosen network, and what is needed
/// to try another network or show the root key's fingerprint.
pub struct ResolvedKey {
    material: Material,
    /// The network the key was derived for.
    pub network: Network,
    /// The backup key.
    pub key: BackupKey,
    /// Where it came from.
    pub source: SourceKind,
    /// The aezeed birthday, when the source was an aezeed.
    pub birthday: Option<Birthday>,
}

impl std::fmt::Debug for ResolvedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolvedKey")
            .field("network", &self.network)
            .field("key", &self.key)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

fn derive(material: &Material, network: Network) -> CliResult<BackupKey> {
    let r = match material {
        Material::Xprv(s) => BackupKey::from_xprv_str(s, network),
        Material::Seed(s) => BackupKey::from_seed(s, network),
    };
    r.map_err(|e| CliError::Key(crate::error::chain(&e)))
}

impl ResolvedKey {
    fn new(
        material: Material,
        network: Network,
        source: SourceKind,
        birthday: Option<Birthday>,
    ) -> CliResult<Self> {
        let key = derive(&material, network)?;
        Ok(ResolvedKey {
            material,
            network,
            key,
            source,
            birthday,
        })
    }

    /// The key of the same wallet on the network with the other coin type
    /// (mainnet for a test network, testnet for mainnet), for diagnosing
    /// a wrong `--network`.
    pub fn other_coin_type(&self) -> Option<(Network, BackupKey)> {
        let other = if self.network == Network::Mainnet {
            Network::Testnet
        } else {
            Network::Mainnet
        };
        derive(&self.material, other).ok().map(|k| (other, k))
    }

    /// The wallet's key ring, for commands that need more than the backup key
    /// (`force-close`, `dump --derive-keys`). Secret: it holds the root key.
    pub fn root_key_ring(&self) -> CliResult<scb_crypto::RootKeyRing> {
        let r = match &self.material {
            Material::Xprv(s) => scb_crypto::RootKeyRing::from_xprv_str(s, self.network),
            Material::Seed(s) => scb_crypto::RootKeyRing::from_seed(s, self.network),
        };
        r.map_err(|e| CliError::Key(crate::error::chain(&e)))
    }

    /// The wallet's BIP32 master key (for `seed info`). Secret: never print it unless
    /// the user asked for it.
    pub fn master_xpriv(&self) -> CliResult<Xpriv> {
        let kind = if self.network == Network::Mainnet {
            bitcoin::NetworkKind::Main
        } else {
            bitcoin::NetworkKind::Test
        };
        let mut x = match &self.material {
            Material::Xprv(s) => s
                .trim()
                .parse::<Xpriv>()
                .map_err(|e| CliError::Key(format!("invalid extended key: {e}")))?,
            Material::Seed(seed) => Xpriv::new_master(kind, seed)
                .map_err(|e| CliError::Key(format!("cannot make the master key: {e}")))?,
        };
        x.network = kind;
        Ok(x)
    }
}

fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

fn prompt_hidden(prompt: &str) -> CliResult<Zeroizing<String>> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| CliError::Failed(format!("cannot read from the terminal: {e}")))
}

fn env_secret(name: &str) -> Option<Zeroizing<String>> {
    std::env::var(name)
        .ok()
        .map(Zeroizing::new)
        .filter(|s| !s.trim().is_empty())
}

fn warn_visible(option: &str) {
    eprintln!(
        "warning: {option} puts a secret on the command line, visible to other users of this \
         machine; prefer --rootkey-file or {ENV_ROOTKEY}"
    );
}

fn read_rootkey_file(path: &std::path::Path) -> CliResult<Zeroizing<String>> {
    let shown = path.display().to_string();
    let bytes = scb_store::read_input_file(path, scb_store::InputKind::KeyFile).map_err(|e| {
        if e.is_not_found() {
            CliError::Key(format!("{shown}: key file not found"))
        } else {
            CliError::Key(format!(
                "{shown}: cannot read key file: {}",
                crate::input::read_reason(&e)
            ))
        }
    })?;
    let bytes = Zeroizing::new(bytes);
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| CliError::Key(format!("{shown}: key file is not text")))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            // Only mainnet keys hold real money; test-network keys (like the bundled
            // example) would make this warning noise.
            if mode & 0o077 != 0 && text.trim_start().starts_with("xprv") {
                eprintln!(
                    "warning: key file {shown} is readable by other users (mode {mode:o}); \
                     chmod 600 it"
                );
            }
        }
    }
    Ok(Zeroizing::new(text.trim().to_owned()))
}

fn parse_seed_hex(hex: &str) -> CliResult<Zeroizing<Vec<u8>>> {
    let bytes = Vec::<u8>::from_hex(hex.trim())
        .map_err(|_| CliError::Key("--seed-hex is not valid hex".into()))?;
    Ok(Zeroizing::new(bytes))
}

/// Where a mnemonic and its passphrase come from: the environment, else a hidden prompt.
struct WordsSource {
    /// The flag, as the usage error names it (`--aezeed`).
    flag: &'static str,
    /// The variable holding the words.
    env_words: &'static str,
    /// The variable holding the passphrase (empty when unset).
    env_passphrase: &'static str,
    /// The prompt for the words.
    prompt_words: &'static str,
    /// The prompt for the passphrase.
    prompt_passphrase: &'static str,
}

impl WordsSource {
    /// The words and the passphrase, from the environment, else asked at the terminal.
    fn read(&self, interactive: bool) -> CliResult<(Zeroizing<String>, Zeroizing<String>)> {
        if let Some(words) = env_secret(self.env_words) {
            let pass = std::env::var(self.env_passphrase).unwrap_or_default();
            Ok((words, Zeroizing::new(pass)))
        } else if interactive {
            let words = prompt_hidden(self.prompt_words)?;
            let pass = prompt_hidden(self.prompt_passphrase)?;
            Ok((words, pass))
        } else {
            Err(CliError::usage(format!(
                "{} needs the words at a terminal prompt or in {} (and {}), but stdin is not \
                 a terminal",
                self.flag, self.env_words, self.env_passphrase
            )))
        }
    }
}

fn from_aezeed(interactive: bool) -> CliResult<(Material, Birthday)> {
    let (words, passphrase) = WordsSource {
        flag: "--aezeed",
        env_words: ENV_AEZEED,
        env_passphrase: ENV_AEZEED_PASSPHRASE,
        prompt_words: "aezeed: the 24 words (hidden): ",
        prompt_passphrase: "aezeed passphrase (hidden, empty for none): ",
    }
    .read(interactive)?;
    let seed = scb_seed::decipher(&words, passphrase.as_bytes())
        .map_err(|e| CliError::Key(format!("aezeed: {}", crate::error::chain(&e))))?;
    let material = Material::Seed(Zeroizing::new(seed.entropy().to_vec()));
    Ok((material, seed.birthday()))
}

fn from_bip39(interactive: bool) -> CliResult<Material> {
    let (words, passphrase) = WordsSource {
        flag: "--bip39",
        env_words: ENV_BIP39,
        env_passphrase: ENV_BIP39_PASSPHRASE,
        prompt_words: "bip39 mnemonic (hidden): ",
        prompt_passphrase: "bip39 passphrase (hidden, empty for none): ",
    }
    .read(interactive)?;
    let seed = scb_seed::bip39_seed(&words, &passphrase)
        .map_err(|e| CliError::Key(format!("bip39: {}", crate::error::chain(&e))))?;
    Ok(Material::Seed(Zeroizing::new(seed.to_vec())))
}

fn warn_network_mismatch(xprv: &str, network: Network) {
    let t = xprv.trim_start();
    if t.starts_with("tprv") && network == Network::Mainnet {
        eprintln!(
            "warning: the root key is a tprv (test networks) but --network is mainnet; \
             pass --network testnet (or the network lnd ran on) if the backup does not open"
        );
    } else if t.starts_with("xprv") && network != Network::Mainnet {
        eprintln!(
            "warning: the root key is an xprv (mainnet) but --network is {network}; \
             the coin type of {network} is used"
        );
    }
}

/// Resolves the key for a command. `stdin_busy` is true when stdin carries the backup
/// (`-`), so it cannot be used for a prompt.
pub fn resolve(args: &KeyArgs, stdin_busy: bool) -> CliResult<ResolvedKey> {
    resolve_optional(args, stdin_busy, true)?.ok_or_else(|| {
        CliError::usage(format!(
            "no key given: use --rootkey-file PATH, {ENV_ROOTKEY}, --rootkey, --seed-hex, \
             --aezeed or --bip39 (the interactive prompt needs stdin to be a terminal)"
        ))
    })
}

/// Resolves the key when one was given; with `prompt` false, never prompts and
/// returns `Ok(None)` when no source is set.
pub fn resolve_optional(
    args: &KeyArgs,
    stdin_busy: bool,
    prompt: bool,
) -> CliResult<Option<ResolvedKey>> {
    let network = args.network;
    let interactive = !stdin_busy && stdin_is_terminal();
    let s = &args.source;
    if s.hsm_secret_file.is_some() {
        return Err(CliError::usage(
            "--hsm-secret-file (Core Lightning) works with dump, verify, restore-plan, diff and \
             create; this command takes lnd key sources only (--rootkey-file, SCB_ROOTKEY, ...)",
        ));
    }
    let resolved = if let Some(path) = &s.rootkey_file {
        let xprv = read_rootkey_file(path)?;
        warn_network_mismatch(&xprv, network);
        ResolvedKey::new(Material::Xprv(xprv), network, SourceKind::RootkeyFile, None)?
    } else if let Some(secret) = &s.rootkey {
        warn_visible("--rootkey");
        warn_network_mismatch(&secret.0, network);
        let xprv = Zeroizing::new(secret.0.trim().to_owned());
        ResolvedKey::new(Material::Xprv(xprv), network, SourceKind::RootkeyArg, None)?
    } else if let Some(secret) = &s.seed_hex {
        warn_visible("--seed-hex");
        let seed = parse_seed_hex(&secret.0)?;
        ResolvedKey::new(Material::Seed(seed), network, SourceKind::SeedHex, None)?
    } else if s.aezeed {
        let (material, birthday) = from_aezeed(interactive)?;
        ResolvedKey::new(material, network, SourceKind::Aezeed, Some(birthday))?
    } else if s.bip39 {
        let material = from_bip39(interactive)?;
        ResolvedKey::new(material, network, SourceKind::Bip39, None)?
    } else if let Some(xprv) = env_secret(ENV_ROOTKEY) {
        warn_network_mismatch(&xprv, network);
        let xprv = Zeroizing::new(xprv.trim().to_owned());
        ResolvedKey::new(Material::Xprv(xprv), network, SourceKind::RootkeyEnv, None)?
    } else if prompt && interactive {
        let xprv = prompt_hidden("root key (xprv/tprv, hidden): ")?;
        let xprv = Zeroizing::new(xprv.trim().to_owned());
        ResolvedKey::new(Material::Xprv(xprv), network, SourceKind::Prompt, None)?
    } else {
        return Ok(None);
    };
    tracing::debug!(source = resolved.source.label(), network = %network, key_id = %resolved.key.id(), "key resolved");
    Ok(Some(resolved))
}

/// Resolves the second key of `scb diff`: `None` means "use the first key".
pub fn resolve_b(args: &KeyBArgs, first: &KeyArgs) -> CliResult<Option<ResolvedKey>> {
    if !args.any() {
        return Ok(None);
    }
    let network = args.key_b_network.unwrap_or(first.network);
    let mut source = KeySourceArgs::default();
    if let Some(p) = &args.key_b_rootkey_file {
        source.rootkey_file = Some(p.clone());
    } else if let Some(s) = &args.key_b_rootkey {
        source.rootkey = Some(s.clone());
    } else if let Some(s) = &args.key_b_seed_hex {
        source.seed_hex = Some(s.clone());
    } else {
        // Only the network differs: the same key material on another network.
        source = first.source.clone();
    }
    let args = KeyArgs { network, source };
    resolve(&args, false).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::parse("tprv-very-secret").unwrap();
        assert!(!format!("{s:?}").contains("very-secret"));
    }

    #[test]
    fn network_option_accepts_every_network_name_and_refuses_others() {
        use clap::builder::TypedValueParser as _;
        let cmd = clap::Command::new("t");
        let parser = network_parser();
        for net in Network::ALL {
            let got = parser.parse_ref(&cmd, None, std::ffi::OsStr::new(net.as_str()));
            assert_eq!(got.unwrap(), net);
        }
        for bad in ["testnet3", "Mainnet", "bitcoin", ""] {
            assert!(
                parser
                    .parse_ref(&cmd, None, std::ffi::OsStr::new(bad))
                    .is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_seed_hex_is_a_key_error() {
        assert!(matches!(parse_seed_hex("zz"), Err(CliError::Key(_))));
        assert_eq!(parse_seed_hex(" 0011 ").unwrap().as_slice(), &[0, 0x11]);
    }
}
