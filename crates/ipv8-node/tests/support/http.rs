//! A minimal blocking HTTP/1.1 client for local REST endpoints (`GET`, or any method with a
//! JSON body; `Connection: close`, plain or chunked bodies) so tests need no HTTP client crate.
//! Every call is bounded by its timeout.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;

/// `GET http://{addr}{path}`: the status code and the body.
///
/// # Errors
/// Connection, timeout or malformed-response errors, naming the URL.
pub fn get(addr: SocketAddr, path: &str, timeout: Duration) -> Result<(u16, Vec<u8>), String> {
    request(addr, "GET", path, None, timeout)
}

/// `METHOD http://{addr}{path}` with an optional JSON body: the status code and the body.
///
/// # Errors
/// Connection, timeout or malformed-response errors, naming the method and URL.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    json: Option<&Value>,
    timeout: Duration,
) -> Result<(u16, Vec<u8>), String> {
    let url = format!("{method} http://{addr}{path}");
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{url}: connect: {e}"))?;
    stream.set_read_timeout(Some(timeout)).ok();
    stream.set_write_timeout(Some(timeout)).ok();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\nConnection: close\r\n");
    let body = json.map(Value::to_string).unwrap_or_default();
    if json.is_some() {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("{url}: send: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("{url}: receive: {e}"))?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("{url}: no end of headers in {} bytes", raw.len()))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = &raw[split + 4..];
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("{url}: bad status line in {head:?}"))?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let body = if chunked {
        dechunk(body).ok_or_else(|| format!("{url}: bad chunked body"))?
    } else {
        body.to_vec()
    };
    Ok((status, body))
}

/// `GET` expecting `200` and a JSON body.
///
/// # Errors
/// As [`get`], plus non-200 status or a body that is not JSON.
pub fn get_json(addr: SocketAddr, path: &str, timeout: Duration) -> Result<Value, String> {
    json_request(addr, "GET", path, None, timeout)
}

/// `METHOD` with an optional JSON body, expecting `200` and a JSON answer.
///
/// # Errors
/// As [`request`], plus non-200 status or an answer that is not JSON.
pub fn json_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    json: Option<&Value>,
    timeout: Duration,
) -> Result<Value, String> {
    let (status, body) = request(addr, method, path, json, timeout)?;
    if status != 200 {
        return Err(format!(
            "{method} http://{addr}{path}: status {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    serde_json::from_slice(&body)
        .map_err(|e| format!("{method} http://{addr}{path}: not JSON: {e}"))
}

fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size + 2..)?;
    }
}
