//! Where copies go: a local directory or an object store, named by a URL or a path.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{
    ObjectStore, ObjectStoreScheme, PutMode, PutOptions, PutPayload, UpdateVersion,
};
use url::Url;

use crate::directory::DirectoryStore;
use crate::error::{ReplicateError, Result};
use crate::layout::{HistoryEntry, HISTORY_DIR, LATEST_NAME};

/// The version of a latest copy as its destination reported it (ETag and object version,
/// or for directories the content's SHA-256); opaque, for conditional replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyVersion(UpdateVersion);

/// The latest copy held by a destination.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LatestCopy {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its version, to pass to [`Destination::replace_latest`].
    pub version: CopyVersion,
}

/// One replication target, parsed from a URL or a path.
///
/// | text | kind |
/// |---|---|
/// | `/mnt/usb/lnd`, `./copies`, `file:///mnt/usb/lnd` | local directory |
/// | `s3://bucket/prefix` (`s3a://`) | S3 or S3-compatible (feature `aws`) |
/// | `gs://bucket/prefix` | Google Cloud Storage (feature `gcp`) |
/// | `az://container/prefix`, `abfs://…` | Azure Blob Storage (feature `azure`) |
/// | `https://host/path` | HTTP / WebDAV server (feature `http`) |
///
/// Credentials and endpoints come from the usual environment variables (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT` / `AWS_ENDPOINT_URL`,
/// `AWS_ALLOW_HTTP`, `GOOGLE_*`, `AZURE_*`), overridable with
/// [`Destination::parse_with_options`]. The display form never contains credentials.
#[derive(Clone)]
pub struct Destination {
    display: String,
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Directory(DirectoryStore),
    Object {
        store: Arc<dyn ObjectStore>,
        prefix: ObjectPath,
    },
}

impl fmt::Debug for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Destination").field(&self.display).finish()
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

/// A URL without user, password, query or fragment, safe to log.
fn redact(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

impl Destination {
    /// Parses `text` with credentials from the environment.
    pub fn parse(text: &str) -> Result<Self> {
        Self::parse_with_options(text, std::iter::empty::<(String, String)>())
    }

    /// Parses `text`; `options` (object_store configuration keys such as `aws_endpoint`,
    /// `aws_access_key_id`, `aws_allow_http`) override the environment.
    pub fn parse_with_options<I, K, V>(text: &str, options: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        if text.trim().is_empty() {
            return Err(ReplicateError::InvalidDestination {
                destination: String::new(),
                reason: "empty".into(),
            });
        }
        // Anything without "://" is a path, so Windows paths such as C:\x are not URLs.
        if !text.contains("://") {
            return Ok(Self::directory(text));
        }
        let url = Url::parse(text).map_err(|e| ReplicateError::InvalidDestination {
            destination: text.split('?').next().unwrap_or_default().to_string(),
            reason: e.to_string(),
        })?;
        let display = redact(&url);
        if url.scheme() == "file" {
            let path = url
                .to_file_path()
                .map_err(|()| ReplicateError::InvalidDestination {
                    destination: display.clone(),
                    reason: "not a local absolute path".into(),
                })?;
            return Ok(Self::directory(path));
        }
        let (scheme, path) =
            ObjectStoreScheme::parse(&url).map_err(|e| ReplicateError::InvalidDestination {
                destination: display.clone(),
                reason: e.to_string(),
            })?;
        let prefix = ObjectPath::parse(path).map_err(|e| ReplicateError::InvalidDestination {
            destination: display.clone(),
            reason: e.to_string(),
        })?;
        let options: Vec<(String, String)> = options
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_ascii_lowercase(), v.into()))
            .collect();
        let store = build_store(&scheme, &url, &options).map_err(|e| match e {
            BuildError::Store(source) => ReplicateError::StoreConfig {
                destination: display.clone(),
                source: source.into(),
            },
            BuildError::Unsupported => ReplicateError::InvalidDestination {
                destination: display.clone(),
                reason: format!(
                    "scheme {:?} is not supported by this build (see the cargo features of \
                     scb-replicate: aws, gcp, azure, http)",
                    url.scheme()
                ),
            },
        })?;
        Ok(Self {
            display,
            backend: Backend::Object { store, prefix },
        })
    }

    /// A local directory destination.
    pub fn directory(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        Self {
            display: path.display().to_string(),
            backend: Backend::Directory(DirectoryStore::new(path)),
        }
    }

    /// A destination on an already configured object store, under `prefix`.
    ///
    /// For nodes that build their own store (custom credentials provider, retry policy).
    pub fn object_store(store: Arc<dyn ObjectStore>, prefix: &str, display: &str) -> Self {
        Self {
            display: display.to_string(),
            backend: Backend::Object {
                store,
                prefix: ObjectPath::from(prefix),
            },
        }
    }

    /// The destination as shown in logs and status events (no credentials).
    pub fn display_name(&self) -> &str {
        &self.display
    }

    /// The local directory, for directory destinations.
    pub fn local_dir(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Directory(d) => Some(d.root()),
            Backend::Object { .. } => None,
        }
    }

    fn object_path(prefix: &ObjectPath, parts: &[&str]) -> ObjectPath {
        let mut p = prefix.clone();
        for part in parts {
            p = p.child(*part);
        }
        p
    }

    fn remote_err(
        &self,
        step: &'static str,
    ) -> impl FnOnce(object_store::Error) -> ReplicateError + '_ {
        move |source| {
            if is_missing_bucket(&source) {
                return ReplicateError::BucketMissing {
                    destination: self.display.clone(),
                };
            }
            ReplicateError::Remote {
                step,
                destination: self.display.clone(),
                source: source.into(),
            }
        }
    }

    /// The latest copy at this destination, `None` when there is none yet.
    pub async fn latest(&self) -> Result<Option<LatestCopy>> {
        Ok(self.get_latest().await?.map(|(bytes, version)| LatestCopy {
            bytes,
            version: CopyVersion(version),
        }))
    }

    /// Replaces the latest copy with `bytes` only if it is still at `expected` (`None`: only
    /// if there is no copy yet): a conditional write on object stores that support it.
    ///
    /// Returns the new version, or `Ok(None)` when another writer changed the copy first.
    /// Does not write a history version; [`replicate_once`](crate::replicate_once) and the
    /// [`Watcher`](crate::Watcher) do both.
    pub async fn replace_latest(
        &self,
        bytes: &[u8],
        expected: Option<&CopyVersion>,
    ) -> Result<Option<CopyVersion>> {
        Ok(self
            .put_latest(bytes, expected.map(|v| &v.0))
            .await?
            .map(CopyVersion))
    }

    /// The latest copy and its version (ETag for object stores, content hash for directories).
    pub(crate) async fn get_latest(&self) -> Result<Option<(Vec<u8>, UpdateVersion)>> {
        match &self.backend {
            Backend::Directory(d) => {
                let d = d.clone();
                let got = blocking(move || d.get_latest()).await?;
                Ok(got.map(|(bytes, tag)| {
                    (
                        bytes,
                        UpdateVersion {
                            e_tag: Some(tag),
                            version: None,
                        },
                    )
                }))
            }
            Backend::Object { store, prefix } => {
                let path = Self::object_path(prefix, &[LATEST_NAME]);
                match store.get(&path).await {
                    Ok(result) => {
                        let version = UpdateVersion {
                            e_tag: result.meta.e_tag.clone(),
                            version: result.meta.version.clone(),
                        };
                        let bytes = result
                            .bytes()
                            .await
                            .map_err(self.remote_err("read latest copy"))?;
                        Ok(Some((bytes.to_vec(), version)))
                    }
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(e) => Err(self.remote_err("read latest copy")(e)),
                }
            }
        }
    }

    /// Why a latest copy is absent: `Ok(())` when the destination itself exists (so the
    /// copy is simply not there yet), [`ReplicateError::BucketMissing`] when an object
    /// store's bucket does not exist (S3 answers both with 404).
    pub(crate) async fn check_exists(&self) -> Result<()> {
        let Backend::Object { store, prefix } = &self.backend else {
            return Ok(());
        };
        match store.list_with_delimiter(Some(prefix)).await {
            Ok(_) => Ok(()),
            Err(e) if is_missing_bucket(&e) => Err(ReplicateError::BucketMissing {
                destination: self.display.clone(),
            }),
            Err(e) => Err(self.remote_err("list destination")(e)),
        }
    }

    /// Writes a history version if absent; `false` when that name already existed.
    pub(crate) async fn put_history(&self, name: &str, bytes: &[u8]) -> Result<bool> {
        match &self.backend {
            Backend::Directory(d) => {
                let (d, name, bytes) = (d.clone(), name.to_string(), bytes.to_vec());
                blocking(move || d.put_history(&name, &bytes)).await
            }
            Backend::Object { store, prefix } => {
                let path = Self::object_path(prefix, &[HISTORY_DIR, name]);
                let payload = PutPayload::from(bytes.to_vec());
                let opts = PutOptions::from(PutMode::Create);
                match store.put_opts(&path, payload.clone(), opts).await {
                    Ok(_) => Ok(true),
                    Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
                    Err(object_store::Error::NotImplemented) => {
                        // Store without create-only writes (plain HTTP): check, then write.
                        match store.head(&path).await {
                            Ok(_) => Ok(false),
                            Err(object_store::Error::NotFound { .. }) => {
                                store
                                    .put(&path, payload)
                                    .await
                                    .map_err(self.remote_err("upload history version"))?;
                                Ok(true)
                            }
                            Err(e) => Err(self.remote_err("check history version")(e)),
                        }
                    }
                    Err(e) => Err(self.remote_err("upload history version")(e)),
                }
            }
        }
    }

    /// Replaces the latest copy only if it is still `expected` (`None`: no copy yet).
    ///
    /// Returns `Ok(None)` when another writer changed it first.
    pub(crate) async fn put_latest(
        &self,
        bytes: &[u8],
        expected: Option<&UpdateVersion>,
    ) -> Result<Option<UpdateVersion>> {
        match &self.backend {
            Backend::Directory(d) => {
                let (d, bytes) = (d.clone(), bytes.to_vec());
                let expected = expected.and_then(|v| v.e_tag.clone());
                let tag = blocking(move || d.put_latest(&bytes, expected.as_deref())).await?;
                Ok(tag.map(|t| UpdateVersion {
                    e_tag: Some(t),
                    version: None,
                }))
            }
            Backend::Object { store, prefix } => {
                let path = Self::object_path(prefix, &[LATEST_NAME]);
                let payload = PutPayload::from(bytes.to_vec());
                let mode = match expected {
                    None => PutMode::Create,
                    Some(v) if v.e_tag.is_none() && v.version.is_none() => PutMode::Overwrite,
                    Some(v) => PutMode::Update(v.clone()),
                };
                match store.put_opts(&path, payload.clone(), PutOptions::from(mode)).await {
                    Ok(r) => Ok(Some(r.into())),
                    Err(
                        object_store::Error::AlreadyExists { .. }
                        | object_store::Error::Precondition { .. }
                        // S3 answers a conditional update of a deleted object with 404.
                        | object_store::Error::NotFound { .. },
                    ) => Ok(None),
                    Err(object_store::Error::NotImplemented) => {
                        tracing::warn!(
                            destination = %self.display,
                            "store has no conditional writes; overwriting latest copy unconditionally"
                        );
                        let r = store
                            .put(&path, payload)
                            .await
                            .map_err(self.remote_err("upload latest copy"))?;
                        Ok(Some(r.into()))
                    }
                    Err(e) => Err(self.remote_err("upload latest copy")(e)),
                }
            }
        }
    }

    /// Every history version this crate wrote at this destination, oldest first.
    pub async fn list_history(&self) -> Result<Vec<HistoryEntry>> {
        match &self.backend {
            Backend::Directory(d) => {
                let d = d.clone();
                blocking(move || d.list_history()).await
            }
            Backend::Object { store, prefix } => {
                let dir = Self::object_path(prefix, &[HISTORY_DIR]);
                let metas: Vec<_> = store
                    .list(Some(&dir))
                    .try_collect()
                    .await
                    .map_err(self.remote_err("list history"))?;
                let mut out: Vec<HistoryEntry> = metas
                    .iter()
                    .filter_map(|m| m.location.filename().and_then(HistoryEntry::parse))
                    .collect();
                out.sort();
                Ok(out)
            }
        }
    }

    /// One history version's bytes, `None` when absent.
    pub(crate) async fn get_history(&self, name: &str) -> Result<Option<Vec<u8>>> {
        match &self.backend {
            Backend::Directory(d) => {
                let (d, name) = (d.clone(), name.to_string());
                blocking(move || d.get_history(&name)).await
            }
            Backend::Object { store, prefix } => {
                let path = Self::object_path(prefix, &[HISTORY_DIR, name]);
                match store.get(&path).await {
                    Ok(r) => Ok(Some(
                        r.bytes()
                            .await
                            .map_err(self.remote_err("read history version"))?
                            .to_vec(),
                    )),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(e) => Err(self.remote_err("read history version")(e)),
                }
            }
        }
    }

    /// Deletes one history version (absent is fine).
    pub(crate) async fn delete_history(&self, name: &str) -> Result<()> {
        match &self.backend {
            Backend::Directory(d) => {
                let (d, name) = (d.clone(), name.to_string());
                blocking(move || d.delete_history(&name)).await
            }
            Backend::Object { store, prefix } => {
                let path = Self::object_path(prefix, &[HISTORY_DIR, name]);
                match store.delete(&path).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                    Err(e) => Err(self.remote_err("delete history version")(e)),
                }
            }
        }
    }
}

/// Whether an object store error says the bucket (or container) does not exist.
///
/// object_store maps every 404 to `NotFound`, and a listing of a missing bucket to a
/// generic error: the store's own error code in the text is all there is to go by.
fn is_missing_bucket(e: &object_store::Error) -> bool {
    if matches!(e, object_store::Error::NotFound { .. }) {
        return true;
    }
    let text = crate::outcome::error_chain(e);
    ["NoSuchBucket", "ContainerNotFound", "bucket does not exist"]
        .iter()
        .any(|code| text.contains(code))
}

enum BuildError {
    Store(object_store::Error),
    Unsupported,
}

/// Client defaults: this crate retries with its own backoff, so each request gives up
/// quickly instead of object_store's default of ten retries over up to three minutes.
const DEFAULT_CLIENT_OPTIONS: [(&str, &str); 2] = [("connect_timeout", "5s"), ("timeout", "30s")];

fn retry_config() -> object_store::RetryConfig {
    object_store::RetryConfig {
        max_retries: 2,
        retry_timeout: std::time::Duration::from_secs(15),
        ..Default::default()
    }
}

/// Applies client defaults, then the caller's options, to an object_store builder.
macro_rules! configure {
    ($builder:expr, $options:expr) => {{
        let mut b = $builder.with_retry(retry_config());
        let defaults = DEFAULT_CLIENT_OPTIONS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()));
        for (k, v) in defaults.chain($options.iter().cloned()) {
            if let Ok(key) = k.parse() {
                b = b.with_config(key, v);
            }
        }
        b.build().map_err(BuildError::Store)?
    }};
}

fn build_store(
    scheme: &ObjectStoreScheme,
    url: &Url,
    options: &[(String, String)],
) -> std::result::Result<Arc<dyn ObjectStore>, BuildError> {
    let _ = (url, options);
    match scheme {
        #[cfg(feature = "aws")]
        ObjectStoreScheme::AmazonS3 => Ok(Arc::new(configure!(
            object_store::aws::AmazonS3Builder::from_env().with_url(url.as_str()),
            options
        ))),
        #[cfg(feature = "gcp")]
        ObjectStoreScheme::GoogleCloudStorage => Ok(Arc::new(configure!(
            object_store::gcp::GoogleCloudStorageBuilder::from_env().with_url(url.as_str()),
            options
        ))),
        #[cfg(feature = "azure")]
        ObjectStoreScheme::MicrosoftAzure => Ok(Arc::new(configure!(
            object_store::azure::MicrosoftAzureBuilder::from_env().with_url(url.as_str()),
            options
        ))),
        #[cfg(feature = "http")]
        ObjectStoreScheme::Http => {
            // The store is rooted at the server; the URL path is the prefix.
            let mut root = url.clone();
            root.set_path("");
            Ok(Arc::new(configure!(
                object_store::http::HttpBuilder::new().with_url(root.as_str()),
                options
            )))
        }
        _ => Err(BuildError::Unsupported),
    }
}

/// Runs blocking file work off the async runtime.
async fn blocking<T, F>(f: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(join) => Err(ReplicateError::io(
            "run file task",
            PathBuf::new(),
            std::io::Error::other(join.to_string()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_and_file_urls_are_directories() {
        let d = Destination::parse("/mnt/usb/lnd").unwrap();
        assert_eq!(d.local_dir(), Some(Path::new("/mnt/usb/lnd")));
        let d = Destination::parse("relative/dir").unwrap();
        assert_eq!(d.local_dir(), Some(Path::new("relative/dir")));
        let d = Destination::parse("file:///mnt/usb/lnd").unwrap();
        assert_eq!(d.local_dir(), Some(Path::new("/mnt/usb/lnd")));
    }

    #[test]
    fn s3_url_builds_object_store_and_display_hides_credentials() {
        let d = Destination::parse_with_options(
            "s3://user:secret@bucket/some/prefix?token=x",
            [
                ("aws_access_key_id", "AKIA"),
                ("aws_secret_access_key", "SECRET"),
                ("aws_region", "us-east-1"),
            ],
        )
        .unwrap();
        assert_eq!(d.local_dir(), None);
        assert_eq!(d.display_name(), "s3://bucket/some/prefix");
        assert!(!format!("{d:?}").contains("secret"));
    }

    #[test]
    fn unknown_scheme_and_empty_text_are_rejected() {
        let e = Destination::parse("ftp://host/x").unwrap_err();
        assert!(
            matches!(e, ReplicateError::InvalidDestination { .. }),
            "{e}"
        );
        let e = Destination::parse("  ").unwrap_err();
        assert!(
            matches!(e, ReplicateError::InvalidDestination { .. }),
            "{e}"
        );
    }
}
