//! Running the app on a socket: start, address, graceful shutdown.

use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::{Caps, Config};
use crate::routes::router;
use crate::state::AppState;

/// Why a sandbox could not start.
#[derive(Debug)]
pub enum StartError {
    /// A configuration value is unusable.
    Config(String),
    /// The seed users could not be read or created.
    Seed(String),
    /// The address could not be bound.
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Config(m) => write!(f, "bad configuration: {m}"),
            StartError::Seed(m) => write!(f, "bad seed: {m}"),
            StartError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Bind { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The accept loop: at most `caps.connections` open connections (more wait in the backlog),
/// and a request head must arrive within `caps.header_read_timeout`, which hyper also applies
/// to an idle keep-alive connection waiting for its next request.
async fn serve(
    listener: TcpListener,
    app: axum::Router,
    caps: Caps,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(caps.header_read_timeout)
        .keep_alive(true);
    let slots = Arc::new(Semaphore::new(caps.connections.max(1)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let slot = tokio::select! {
            _ = &mut stop => break,
            slot = slots.clone().acquire_owned() => slot,
        };
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of file descriptors and the like: pause instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = watched.await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
    Ok(())
}

/// Sweeps expired entries out of every table until the state is gone.
async fn sweep_periodically(state: Weak<AppState>, every: Duration) {
    let mut tick = tokio::time::interval(every.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(state) = state.upgrade() else { return };
        let now = state.now();
        state.store.lock().sweep(now);
    }
}

/// A running sandbox. Dropping it stops the server too (without waiting).
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// How long `shutdown` waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(5);

impl Sandbox {
    /// Binds `config.addr`, starts serving in a background task and returns at once.
    pub async fn start(config: Config) -> Result<Sandbox, StartError> {
        let addr = config.addr;
        let state = AppState::new(config)?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr, source })?;
        let app = router(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let caps = state.config.caps.clone();
        tokio::spawn(sweep_periodically(
            Arc::downgrade(&state),
            caps.sweep_interval,
        ));
        let task = tokio::spawn(serve(listener, app, caps, async move {
            // Either an explicit stop or the handle being dropped ends the server.
            let _ = stopped.await;
        }));
        Ok(Sandbox {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://HOST:PORT` of the bound socket (IPv6 hosts in brackets).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The live state: clock, config, and helpers such as [`AppState::create_user`].
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// Shortcut for `state().clock()`.
    pub fn clock(&self) -> &crate::Clock {
        self.state.clock()
    }

    /// Stops accepting, lets requests in flight finish (up to 5 s), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(DRAIN, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
