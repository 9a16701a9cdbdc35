//! Watching a vault connection's chain calls: every JSON-RPC request sent through a
//! [`Vault::connect_observed`] connection is reported to a [`ChainObserver`] with its method
//! and whether it failed (the endpoint unreachable, or an error answer).
//!
//! Invariant: observing never changes a call: the request and its answer pass through as they
//! are, and the observer is told after the answer arrives (a call dropped half-way is not
//! reported).

use std::sync::Arc;
use std::task::{Context, Poll};

use alloy::providers::{Provider, ProviderBuilder};
use alloy::rpc::client::ClientBuilder;
use alloy::rpc::json_rpc::{RequestPacket, ResponsePacket};
use alloy::transports::{TransportError, TransportFut};

use alloy::primitives::Address;

use super::{PaymentError, Vault};

/// How a chain call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    /// The endpoint answered without an error.
    Answered,
    /// The endpoint answered with a JSON-RPC error (a revert, a refused call).
    ErrorAnswer,
    /// The endpoint could not be reached or its answer not read.
    Unreachable,
}

/// Told of every chain call a watched connection makes.
pub trait ChainObserver: Send + Sync + std::fmt::Debug {
    /// One JSON-RPC call of `method` ended with `outcome`.
    fn observe(&self, method: &str, outcome: CallOutcome);
}

impl Vault {
    /// [`Vault::connect`] without a wallet, reporting every chain call to `observer`.
    pub fn connect_observed(
        rpc_url: &str,
        vault: Address,
        observer: Arc<dyn ChainObserver>,
    ) -> Result<Self, PaymentError> {
        let url: reqwest::Url = rpc_url
            .parse()
            .map_err(|_| PaymentError::BadUrl(rpc_url.to_owned()))?;
        let client = ClientBuilder::default()
            .layer(ObserveLayer { observer })
            .http(url);
        Ok(Self {
            provider: ProviderBuilder::new().connect_client(client).erased(),
            address: vault,
            payer: None,
            url: rpc_url.to_owned(),
        })
    }
}

/// The tower layer that wraps a transport in an [`Observed`] one.
#[derive(Debug, Clone)]
struct ObserveLayer {
    observer: Arc<dyn ChainObserver>,
}

impl<S> tower::Layer<S> for ObserveLayer {
    type Service = Observed<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Observed {
            inner,
            observer: self.observer.clone(),
        }
    }
}

/// A transport that reports each call it carries.
#[derive(Debug, Clone)]
struct Observed<S> {
    inner: S,
    observer: Arc<dyn ChainObserver>,
}

impl<S> tower::Service<RequestPacket> for Observed<S>
where
    S: tower::Service<
            RequestPacket,
            Response = ResponsePacket,
            Error = TransportError,
            Future = TransportFut<'static>,
        > + Send
        + Clone
        + 'static,
{
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        let methods: Vec<String> = request.method_names().map(str::to_owned).collect();
        let observer = self.observer.clone();
        let answer = self.inner.call(request);
        Box::pin(async move {
            let answer = answer.await;
            let outcome = match &answer {
                Ok(response) if response.is_error() => CallOutcome::ErrorAnswer,
                Ok(_) => CallOutcome::Answered,
                Err(_) => CallOutcome::Unreachable,
            };
            for method in &methods {
                observer.observe(method, outcome);
            }
            answer
        })
    }
}
