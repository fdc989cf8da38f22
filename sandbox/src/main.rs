//! `ratio-sandbox`: run the local Ratio on a port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use ratio_sandbox::{Config, Sandbox};

const HELP: &str = "\
ratio-sandbox: a local stand-in for Ratio's auth API, with Ratio's rules.

USAGE:
    ratio-sandbox [OPTIONS]

OPTIONS:
    --addr HOST:PORT            Address to listen on [default: 127.0.0.1:8080]; port 0 picks a free one
    --client-id ID              Accepted ratio-client-id [default: sandbox]
    --client-secret SECRET      Accepted ratio-client-secret [default: sandbox-secret]
    --static DIR                Serve DIR at / (e.g. the demo page)
    --fixed-otp CODE            Every OTP is CODE (6 digits) instead of a random one
    --seed FILE                 Create the users of FILE at start: a JSON list of
                                {phoneNumber, emailAddress, walletAddress?} objects
    --conflict-cooldown-ms N    After a 409 on a phone/email, first-factor sends to it get 429
                                for N ms [default: 2000]
    --allow-origin ORIGIN       Also allow this CORS origin (repeatable); http://localhost:*,
                                http://127.0.0.1:* and http://[::1]:* are always allowed

VARIANTS (other readings of Ratio's docs, to test clients against):
    --conflict-at-authenticate  The new user's sms:send to another user's phone succeeds; the
                                409 comes at sms:authenticate
    --tokens-without-factors    Session JWTs carry no https://stytch.com/session claim
    --error-codes STYLE         ratio (default), renamed (PHONE_ALREADY_EXISTS, OTP_INVALID, ...),
                                absent (no code field), plain-text (no JSON error bodies)
    --null-messages             Error bodies say \"message\": null
    --add-to-user-body BODY     What addToUser answers: object ({}, default), null, nothing
    --no-contract-wallets       Refuse contract wallets' signatures (401), as a server without
                                EIP-1271 support would (also POST /sandbox/contract-wallets/support)

    --allow-host NAME           Also accept this Host header (repeatable); loopback names and
                                the --addr host are always accepted, others get 421
    --admin-token TOKEN         /sandbox/* needs Authorization: Bearer TOKEN; required when
                                --addr is not a loopback address
    -h, --help                  Print this help

The first line printed is `listening on http://HOST:PORT` with the real bound address.
Sandbox-only endpoints (users, outbox, faults, reset, clock) are described in sandbox/README.md.
";

enum Parsed {
    Run(Box<Config>),
    Help,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    let mut config = Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
        ..Config::default()
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(Parsed::Help);
        }
        let mut value = || -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => args.next().ok_or_else(|| format!("{flag} needs a value")),
            }
        };
        match flag.as_str() {
            "--addr" => {
                let v = value()?;
                config.addr = v
                    .parse()
                    .map_err(|_| format!("--addr: {v:?} is not HOST:PORT (e.g. 127.0.0.1:8080)"))?;
            }
            "--client-id" => config.client_id = value()?,
            "--client-secret" => config.client_secret = value()?,
            "--static" => config.static_dir = Some(PathBuf::from(value()?)),
            "--fixed-otp" => config.fixed_otp = Some(value()?),
            "--seed" => config.seed = Some(PathBuf::from(value()?)),
            "--conflict-cooldown-ms" => {
                let v = value()?;
                let ms: u64 = v
                    .parse()
                    .map_err(|_| format!("--conflict-cooldown-ms: {v:?} is not a number"))?;
                config.conflict_cooldown = Duration::from_millis(ms);
            }
            "--allow-origin" => config.allowed_origins.push(value()?),
            "--conflict-at-authenticate" => config.variants.conflict_at_authenticate = true,
            "--tokens-without-factors" => config.variants.tokens_without_factors = true,
            "--error-codes" => {
                config.variants.error_codes = value()?
                    .parse()
                    .map_err(|e| format!("--error-codes: {e}"))?;
            }
            "--null-messages" => config.variants.null_messages = true,
            "--no-contract-wallets" => config.variants.no_contract_wallets = true,
            "--add-to-user-body" => {
                config.variants.add_to_user_body = value()?
                    .parse()
                    .map_err(|e| format!("--add-to-user-body: {e}"))?;
            }
            "--allow-host" => config.allowed_hosts.push(value()?),
            "--admin-token" => config.admin_token = Some(value()?),
            other => return Err(format!("unknown option {other:?} (see --help)")),
        }
    }
    Ok(Parsed::Run(Box::new(config)))
}

/// Ctrl-C or SIGTERM. The handlers are installed when this is called, not when it is first
/// awaited, so a signal that arrives right after the "listening" line is still a clean stop.
#[cfg(unix)]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match parse(std::env::args().skip(1)) {
        Ok(Parsed::Run(config)) => *config,
        Ok(Parsed::Help) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("ratio-sandbox: {message}");
            return ExitCode::from(2);
        }
    };
    let (client_id, client_secret) = (config.client_id.clone(), config.client_secret.clone());
    let fixed_otp = config.fixed_otp.clone();
    let stop = match stop_signal() {
        Ok(stop) => stop,
        Err(e) => {
            eprintln!("ratio-sandbox: cannot listen for signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sandbox = match Sandbox::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ratio-sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", sandbox.url());
    if !sandbox.addr().ip().is_loopback() {
        eprintln!(
            "ratio-sandbox: warning: listening on {}, reachable from the network; /sandbox/* needs the admin token",
            sandbox.addr()
        );
    }
    println!("ratio-client-id: {client_id}");
    println!("ratio-client-secret: {client_secret}");
    if let Some(code) = fixed_otp {
        println!("fixed OTP: {code}");
    }
    stop.await;
    println!("shutting down");
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Config, String> {
        match parse(args.iter().map(|s| s.to_string()))? {
            Parsed::Run(c) => Ok(*c),
            Parsed::Help => Err("help".into()),
        }
    }

    #[test]
    fn flags() {
        let c = run(&[]).unwrap();
        assert_eq!(c.addr, "127.0.0.1:8080".parse().unwrap());
        let c = run(&[
            "--addr",
            "127.0.0.1:0",
            "--client-id",
            "id",
            "--client-secret=s",
            "--fixed-otp",
            "000000",
            "--conflict-cooldown-ms",
            "300",
            "--allow-origin",
            "https://a.example",
            "--allow-origin",
            "https://b.example",
        ])
        .unwrap();
        assert_eq!(c.addr.port(), 0);
        assert_eq!(
            (c.client_id.as_str(), c.client_secret.as_str()),
            ("id", "s")
        );
        assert_eq!(c.fixed_otp.as_deref(), Some("000000"));
        assert_eq!(c.conflict_cooldown, Duration::from_millis(300));
        assert_eq!(c.allowed_origins.len(), 2);
        let c = run(&["--allow-host", "sandbox.test", "--admin-token=t0k"]).unwrap();
        assert_eq!(c.allowed_hosts, vec!["sandbox.test".to_string()]);
        assert_eq!(c.admin_token.as_deref(), Some("t0k"));
        assert!(matches!(parse(["--help".to_string()]), Ok(Parsed::Help)));
        let c = run(&[
            "--conflict-at-authenticate",
            "--tokens-without-factors",
            "--error-codes=renamed",
            "--null-messages",
            "--no-contract-wallets",
            "--add-to-user-body",
            "nothing",
        ])
        .unwrap();
        assert_eq!(
            c.variants,
            ratio_sandbox::Variants {
                conflict_at_authenticate: true,
                tokens_without_factors: true,
                error_codes: ratio_sandbox::ErrorCodes::Renamed,
                null_messages: true,
                add_to_user_body: ratio_sandbox::AddToUserBody::Nothing,
                no_contract_wallets: true,
            }
        );
        assert!(run(&["--error-codes", "loud"]).is_err());
        assert!(run(&["--addr"]).is_err());
        assert!(run(&["--addr", "nope"]).is_err());
        assert!(run(&["--bogus"]).is_err());
    }
}
