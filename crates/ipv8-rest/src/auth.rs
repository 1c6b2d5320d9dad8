//! Access control: the optional API key, checked as py-ipv8's `ApiKeyMiddleware` does
//! (`REST/rest_manager.py`), and the rule that a listener reachable from other hosts needs one.
//!
//! With a key configured, every request must carry it in the `X-Api-Key` header or the
//! `apikey` query parameter; otherwise the answer is 401 `{"error": "Unauthorized access"}`
//! (py-ipv8's body). Like py-ipv8, `/docs` (the API description) is open; so are the
//! dashboard's static files (`/` and `/dashboard/*`), which hold no node data: the page reads
//! the key from its own address and sends it with every request it makes.
//!
//! Without a key the API is loopback-only ([`check_bind`]), and a request must also *name* a
//! loopback host (`Host: 127.0.0.1:8085`, `localhost`, `[::1]`, or no `Host` at all): a web page
//! elsewhere that points its own domain at 127.0.0.1 (DNS rebinding) gets 403 instead of the
//! node's API. No CORS headers are sent, so other origins cannot read answers either.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The 401 body (py-ipv8's exactly).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Unauthorized {
    /// Always `"Unauthorized access"`.
    pub error: String,
}

/// The configured key (`None`: open API, loopback only).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiKey(pub Option<String>);

impl ApiKey {
    /// Whether `request` may pass.
    pub fn authorizes(&self, request: &Request) -> bool {
        let Some(expected) = &self.0 else {
            return true;
        };
        let path = request.uri().path();
        if is_open_path(path) {
            return true;
        }
        let header = request
            .headers()
            .get("x-api-key")
            .and_then(|v| v.to_str().ok());
        let given = header.map(str::to_owned).or_else(|| query_key(request));
        given.is_some_and(|given| constant_time_eq(given.as_bytes(), expected.as_bytes()))
    }
}

/// Paths served without a key: the API description and the dashboard's static files.
fn is_open_path(path: &str) -> bool {
    path == "/" || path.starts_with("/docs") || path.starts_with("/dashboard/")
}

/// The `apikey` query parameter, percent-decoded.
fn query_key(request: &Request) -> Option<String> {
    let query = request.uri().query()?;
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (name == "apikey").then(|| percent_decode(value))
    })
}

fn percent_decode(text: &str) -> String {
    let hex = |b: u8| char::from(b).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = match bytes[i] {
            b'%' => bytes
                .get(i + 1..i + 3)
                .and_then(|pair| Some(hex(pair[0])? * 16 + hex(pair[1])?)),
            _ => None,
        };
        match (decoded, bytes[i]) {
            (Some(b), _) => {
                out.push(u8::try_from(b).unwrap_or(b'?'));
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, b) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Compares without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether the `Host` header names a loopback host (or is absent, as in HTTP/1.0).
pub fn names_loopback(request: &Request) -> bool {
    let Some(host) = request.headers().get(axum::http::header::HOST) else {
        return true;
    };
    let Ok(host) = host.to_str() else {
        return false;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The middleware: 401 unless [`ApiKey::authorizes`] the request; without a key, 403 unless
/// the request [`names_loopback`].
pub async fn require_key(State(key): State<ApiKey>, request: Request, next: Next) -> Response {
    if key.0.is_none() && !names_loopback(&request) {
        let error = crate::error::ApiError::new(
            StatusCode::FORBIDDEN,
            "Host: without an API key the API answers only requests to a loopback host \
             (127.0.0.1, localhost, [::1])",
        );
        return error.into_response();
    }
    if key.authorizes(&request) {
        next.run(request).await
    } else {
        let body = Unauthorized {
            error: "Unauthorized access".to_owned(),
        };
        (StatusCode::UNAUTHORIZED, Json(body)).into_response()
    }
}

/// Why a listen address was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedsApiKey(pub SocketAddr);

impl std::fmt::Display for NeedsApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "refusing to serve the REST API on {} without an API key: it is reachable from other \
             hosts. Set one (--api-key KEY or rest.api_key in the config file) or bind a loopback \
             address (127.0.0.1 or ::1)",
            self.0
        )
    }
}

impl std::error::Error for NeedsApiKey {}

/// Checks the rule: an address other than loopback needs a key.
///
/// # Errors
/// [`NeedsApiKey`] for a non-loopback `addr` without `key`.
pub fn check_bind(addr: SocketAddr, key: &ApiKey) -> Result<(), NeedsApiKey> {
    if addr.ip().is_loopback() || key.0.is_some() {
        Ok(())
    } else {
        Err(NeedsApiKey(addr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str, header: Option<&str>) -> Request {
        let mut builder = Request::builder().uri(uri);
        if let Some(h) = header {
            builder = builder.header("X-Api-Key", h);
        }
        builder.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn header_or_query_carries_the_key() {
        let key = ApiKey(Some("s3cret key".into()));
        assert!(key.authorizes(&request("/overlays", Some("s3cret key"))));
        assert!(key.authorizes(&request("/overlays?apikey=s3cret%20key", None)));
        assert!(key.authorizes(&request("/overlays?x=1&apikey=s3cret+key", None)));
        assert!(!key.authorizes(&request("/overlays", None)));
        assert!(!key.authorizes(&request("/overlays", Some("s3cret"))));
        assert!(!key.authorizes(&request("/overlays?apikey=wrong", None)));
        assert!(!key.authorizes(&request("/overlays?apikey=%zz", None)));
        assert!(key.authorizes(&request("/docs/openapi.json", None)));
        assert!(key.authorizes(&request("/", None)));
        assert!(!key.authorizes(&request("/metrics", None)));
        assert!(ApiKey(None).authorizes(&request("/overlays", None)));
    }

    #[test]
    fn without_a_key_the_host_must_be_loopback() {
        let with_host = |h: &str| {
            Request::builder()
                .uri("/overlays")
                .header("Host", h)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        for ok in [
            "127.0.0.1:8085",
            "localhost:8085",
            "LOCALHOST",
            "[::1]:8085",
            "127.1.2.3",
        ] {
            assert!(names_loopback(&with_host(ok)), "{ok}");
        }
        for bad in [
            "evil.example:8085",
            "192.0.2.1:8085",
            "[2001:db8::1]:80",
            "localhost.evil",
        ] {
            assert!(!names_loopback(&with_host(bad)), "{bad}");
        }
        assert!(
            names_loopback(&request("/overlays", None)),
            "no Host (HTTP/1.0)"
        );
    }

    #[test]
    fn only_loopback_may_go_without_a_key() {
        let open = ApiKey(None);
        let keyed = ApiKey(Some("k".into()));
        let lo: SocketAddr = "127.0.0.1:8085".parse().unwrap();
        let lo6: SocketAddr = "[::1]:8085".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:8085".parse().unwrap();
        assert!(check_bind(lo, &open).is_ok() && check_bind(lo6, &open).is_ok());
        let err = check_bind(any, &open).unwrap_err();
        assert!(err.to_string().contains("--api-key"), "{err}");
        assert!(check_bind(any, &keyed).is_ok());
    }
}
