//! The certificate HTTPS presents, replaced without a restart: on SIGHUP the
//! hub reads `--tls-cert` and `--tls-key` again, as certbot, cert-manager or
//! a config-management run renew them, and every handshake from then on
//! presents the new pair. Connections already open keep theirs, so no
//! stream is dropped.
//!
//! A pair that cannot serve (a file missing or half written, a key that is
//! not the certificate's) is refused and the old one kept: a renewal gone
//! wrong must not take HTTPS down. Each attempt is logged and counted
//! (`herald_certificate_reloads_total{result}`), so an operator can alert
//! on a failed one.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::signal::unix::Signal;
use tokio_util::sync::CancellationToken;

use super::{CertificateChain, PrivateKey, Tls, TlsError};
use crate::prometheus::Meters;

/// The pair every new handshake presents, and the files it came from.
pub(crate) struct CurrentCertificate {
    pair: RwLock<Arc<CertifiedKey>>,
    files: Tls,
    provider: Arc<CryptoProvider>,
}

impl fmt::Debug for CurrentCertificate {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("CurrentCertificate")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl CurrentCertificate {
    /// The pair of `tls`, checked: the key must be the certificate's.
    ///
    /// # Errors
    /// [`TlsError`] when rustls refuses the pair.
    pub(crate) fn new(tls: &Tls, provider: Arc<CryptoProvider>) -> Result<Self, TlsError> {
        let pair = certified(tls, &provider)?;
        Ok(Self {
            pair: RwLock::new(Arc::new(pair)),
            files: tls.clone(),
            provider,
        })
    }

    /// Reads both files again and presents the new pair from the next
    /// handshake on; keeps the old one when they cannot serve.
    ///
    /// # Errors
    /// Why the files cannot serve, naming the one at fault.
    pub(crate) fn reload(&self) -> Result<(), String> {
        let chain = CertificateChain::file(&self.files.chain.path.to_string_lossy())?;
        let key = PrivateKey::file(&self.files.key.path.to_string_lossy())?;
        let pair =
            certified(&Tls { chain, key }, &self.provider).map_err(|error| error.to_string())?;
        *self.pair.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(pair);
        Ok(())
    }
}

impl ResolvesServerCert for CurrentCertificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self.pair.read().unwrap_or_else(PoisonError::into_inner),
        ))
    }
}

/// The pair of `tls` as rustls serves it, the key checked against the
/// certificate.
fn certified(tls: &Tls, provider: &CryptoProvider) -> Result<CertifiedKey, TlsError> {
    Ok(CertifiedKey::from_der(
        tls.chain.certificates.as_ref().clone(),
        tls.key.key.clone_key(),
        provider,
    )?)
}

/// Reloads `current` on every SIGHUP in `hangups` until `shutdown`,
/// logging and counting each attempt in `meters`.
pub(crate) async fn on_hangup(
    current: Arc<CurrentCertificate>,
    mut hangups: Signal,
    shutdown: CancellationToken,
    meters: Arc<Meters>,
) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            received = hangups.recv() => if received.is_none() { return },
        }
        match current.reload() {
            Ok(()) => {
                meters
                    .certificate_reloads
                    .ok
                    .fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    cert = %current.files.chain.path.display(),
                    "SIGHUP: serving the certificate read again"
                );
            }
            Err(error) => {
                meters
                    .certificate_reloads
                    .failed
                    .fetch_add(1, Ordering::Relaxed);
                tracing::error!(%error, "SIGHUP: kept the certificate served until now");
            }
        }
    }
}
