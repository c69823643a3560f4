//! HTTPS: the certificate chain and key of `--tls-cert` and `--tls-key`,
//! served with rustls, HTTP/2 offered by ALPN beside HTTP/1.1.
//!
//! HTTP/2 matters to SSE more than to most traffic: a browser opens at most
//! six HTTP/1.1 connections per host, each `EventSource` holding one for as
//! long as its page is open, so the seventh tab on a hub would wait. Over
//! HTTP/2 every tab's streams share one connection.
//!
//! Both files are read when the command line is parsed, so a missing or
//! malformed file stops the hub before it listens, with the file named; the
//! pair is put together (and the key checked against the certificate) by
//! `Tls::acceptor`, and read again on SIGHUP (`tls/reload.rs`).

pub(crate) mod reload;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// The ALPN protocol id of HTTP/2.
pub(crate) const H2: &[u8] = b"h2";
/// The ALPN protocol id of HTTP/1.1.
const HTTP_1_1: &[u8] = b"http/1.1";

/// A certificate chain from a PEM file, the server's own certificate first,
/// and the file, to read again on SIGHUP.
#[derive(Clone)]
pub struct CertificateChain {
    certificates: Arc<Vec<CertificateDer<'static>>>,
    path: PathBuf,
}

impl fmt::Debug for CertificateChain {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "CertificateChain({} certificates)",
            self.certificates.len()
        )
    }
}

impl CertificateChain {
    /// Reads every certificate of the PEM file at `path`, for `--tls-cert`.
    ///
    /// # Errors
    /// A message for the command line naming the file, when it cannot be
    /// read or holds no certificate.
    ///
    /// # Examples
    ///
    /// ```
    /// use herald_hub::tls::CertificateChain;
    ///
    /// let missing = CertificateChain::file("/nonexistent/cert.pem");
    /// assert!(missing.is_err_and(|message| message.contains("/nonexistent/cert.pem")));
    /// ```
    pub fn file(path: &str) -> Result<Self, String> {
        let path = Path::new(path);
        let certificates = CertificateDer::pem_file_iter(path)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|error| {
                format!("cannot read certificates from {}: {error}", path.display())
            })?;
        if certificates.is_empty() {
            return Err(format!("{} holds no PEM certificate", path.display()));
        }
        Ok(Self {
            certificates: Arc::new(certificates),
            path: path.to_owned(),
        })
    }
}

/// A private key from a PEM file, and the file, to read again on SIGHUP;
/// its `Debug` shows nothing of it.
pub struct PrivateKey {
    key: PrivateKeyDer<'static>,
    path: PathBuf,
}

impl Clone for PrivateKey {
    fn clone(&self) -> Self {
        Self {
            key: self.key.clone_key(),
            path: self.path.clone(),
        }
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("PrivateKey(..)")
    }
}

impl PrivateKey {
    /// Reads the first private key (PKCS#8, PKCS#1 or SEC1) of the PEM file
    /// at `path`, for `--tls-key`.
    ///
    /// # Errors
    /// A message for the command line naming the file, when it cannot be
    /// read or holds no key.
    ///
    /// # Examples
    ///
    /// ```
    /// use herald_hub::tls::PrivateKey;
    ///
    /// let missing = PrivateKey::file("/nonexistent/key.pem");
    /// assert!(missing.is_err_and(|message| message.contains("/nonexistent/key.pem")));
    /// ```
    pub fn file(path: &str) -> Result<Self, String> {
        let path = Path::new(path);
        PrivateKeyDer::from_pem_file(path)
            .map(|key| Self {
                key,
                path: path.to_owned(),
            })
            .map_err(|error| format!("cannot read a private key from {}: {error}", path.display()))
    }
}

/// The certificate and key HTTPS is served with.
///
/// # Examples
///
/// From the flags, with a certificate made for the example:
///
/// ```
/// use herald_hub::config::Config;
///
/// let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
/// let dir = std::env::temp_dir().join(format!("herald-tls-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
/// std::fs::write(&cert, made.cert.pem())?;
/// std::fs::write(&key, made.signing_key.serialize_pem())?;
///
/// let flags = ["--tls-cert", cert.to_str().ok_or("path")?, "--tls-key", key.to_str().ok_or("path")?];
/// let config = Config::from_flags(flags)?;
/// assert!(config.serves_https());
/// let tls = config.tls().ok_or("no TLS")?;
/// assert_eq!(format!("{:?}", tls.chain), "CertificateChain(1 certificates)");
/// assert_eq!(format!("{:?}", tls.key), "PrivateKey(..)", "the key is never shown");
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Tls {
    /// The certificate chain.
    pub chain: CertificateChain,
    /// The private key of its first certificate.
    pub key: PrivateKey,
}

/// Why the certificate and key cannot serve HTTPS.
#[derive(Debug, thiserror::Error)]
#[error("cannot serve HTTPS with this certificate and key: {0}")]
pub struct TlsError(#[from] rustls::Error);

impl Tls {
    /// What turns an accepted socket into a TLS stream, offering HTTP/2 and
    /// HTTP/1.1 by ALPN, in that order of preference, and the certificate it
    /// presents, which a SIGHUP replaces (`tls/reload.rs`).
    ///
    /// # Errors
    /// [`TlsError`] when rustls refuses the pair: a key of a kind it cannot
    /// sign with, or one that is not the certificate's.
    pub(crate) fn acceptor(
        &self,
    ) -> Result<(TlsAcceptor, Arc<reload::CurrentCertificate>), TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let current = Arc::new(reload::CurrentCertificate::new(
            self,
            Arc::clone(&provider),
        )?);
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(&current) as _);
        config.alpn_protocols = vec![H2.to_vec(), HTTP_1_1.to_vec()];
        Ok((TlsAcceptor::from(Arc::new(config)), current))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated() -> rcgen::CertifiedKey<rcgen::KeyPair> {
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap()
    }

    fn tls(certificate: &rcgen::CertifiedKey<rcgen::KeyPair>, key: &rcgen::KeyPair) -> Tls {
        let key_der = PrivateKeyDer::from_pem_slice(key.serialize_pem().as_bytes()).unwrap();
        Tls {
            chain: CertificateChain {
                certificates: Arc::new(vec![certificate.cert.der().clone()]),
                path: PathBuf::from("cert.pem"),
            },
            key: PrivateKey {
                key: key_der,
                path: PathBuf::from("key.pem"),
            },
        }
    }

    #[test]
    fn a_certificate_with_its_own_key_serves() {
        let certificate = generated();
        assert!(
            tls(&certificate, &certificate.signing_key)
                .acceptor()
                .is_ok()
        );
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        let (certificate, other) = (generated(), generated());
        let Err(error) = tls(&certificate, &other.signing_key).acceptor() else {
            panic!("a key that is not the certificate's was taken");
        };
        assert!(
            error.to_string().starts_with("cannot serve HTTPS"),
            "{error}"
        );
    }

    #[test]
    fn files_that_are_missing_or_hold_no_pem_are_named() {
        let missing = "/nonexistent/herald-cert.pem";
        assert!(
            CertificateChain::file(missing)
                .unwrap_err()
                .contains(missing)
        );
        assert!(PrivateKey::file(missing).unwrap_err().contains(missing));
        let empty = std::env::temp_dir().join(format!("herald-empty-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let path = empty.to_string_lossy().into_owned();
        let certificate = CertificateChain::file(&path).unwrap_err();
        let key = PrivateKey::file(&path).unwrap_err();
        std::fs::remove_file(&empty).unwrap();
        assert!(certificate.contains(&path), "{certificate}");
        assert!(key.contains(&path), "{key}");
    }

    #[test]
    fn a_key_is_never_shown() {
        let certificate = generated();
        let shown = format!("{:?}", tls(&certificate, &certificate.signing_key));
        assert!(shown.contains("PrivateKey(..)"), "{shown}");
        assert!(!shown.contains("BEGIN"), "{shown}");
    }
}
