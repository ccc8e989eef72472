//! The accept loop: a hand-written hyper HTTP/1 server around the axum router.
//!
//! Hand-written (rather than `axum::serve`) so that a handler can make its connection vanish:
//! each connection gets a [`ConnCtl`] in its requests' extensions, and when a handler
//! notifies it, the connection future is dropped, which closes the socket without writing
//! a response. That is how "dropped connection" faults look to a client.

use super::gateway::{self, ConnCtl, Shared};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinSet;
use tower::Service;

pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let router = Router::new().fallback(gateway::handle).with_state(shared);
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    conns.spawn(serve(stream, router.clone()));
                }
                Err(error) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    tracing::debug!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.shutdown().await;
    tracing::debug!("simulator stopped");
}

async fn serve(stream: TcpStream, router: Router) {
    let _ = stream.set_nodelay(true);
    let ctl = ConnCtl(Arc::new(Notify::new()));
    let per_request = ctl.clone();
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(per_request.clone());
        let mut router = router.clone();
        async move { router.call(req).await }
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
    tokio::select! {
        result = conn => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
        }
        _ = ctl.0.notified() => tracing::debug!("connection dropped on purpose"),
    }
}
