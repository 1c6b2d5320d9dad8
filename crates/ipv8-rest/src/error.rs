//! Error bodies in py-ipv8's shape: `{"success": false, "error": "<message>"}` with a 4xx/5xx
//! status ([`ApiError`]), and [`JsonBody`], a JSON request extractor whose rejections (no body,
//! not JSON, a field of the wrong type) are such bodies too, naming the field and what was
//! expected. Unknown routes answer 404 the same way ([`not_found`]).
//!
//! py-ipv8 (`REST/base_endpoint.py`, `rest_manager.py`) answers 400/412 with
//! `{"success": false, "error": "..."}`, 401 with `{"error": "Unauthorized access"}` and
//! uncaught exceptions with 500 and `{"success": false, "error": {"code", "message"}}`.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

/// py-ipv8's `DefaultResponseSchema`: `{"success": bool, "error"?: str}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DefaultResponse {
    /// Whether the request did what it asked.
    pub success: bool,
    /// What went wrong (absent on success).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl DefaultResponse {
    /// `{"success": true}`.
    pub fn ok() -> Json<Self> {
        Json(Self {
            success: true,
            error: None,
        })
    }
}

/// A failed request: its status and the message of its `{"success": false, "error"}` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The message.
    pub message: String,
    /// `{"error"}` alone, where py-ipv8 answers without `success` (`PUT /asyncio/drift`).
    pub bare: bool,
}

impl ApiError {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            bare: false,
        }
    }

    /// The same error with py-ipv8's bare `{"error"}` body.
    #[must_use]
    pub fn bare(mut self) -> Self {
        self.bare = true;
        self
    }

    /// 400 Bad Request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404 Not Found.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 412 Precondition Failed (py-ipv8's answer when a precondition of the route is not met).
    pub fn precondition_failed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, message)
    }

    /// 503 Service Unavailable: the node's driver has stopped.
    pub fn driver_gone() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the ipv8 driver task has stopped",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.bare {
            let body = serde_json::json!({ "error": self.message });
            return (self.status, Json(body)).into_response();
        }
        let body = DefaultResponse {
            success: false,
            error: Some(self.message),
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<ipv8::DriverGone> for ApiError {
    fn from(_: ipv8::DriverGone) -> Self {
        Self::driver_gone()
    }
}

/// A JSON request body whose errors are [`ApiError`]s (400) naming the field and the expected
/// form (`enable: invalid type: string "x", expected a boolean`). As aiohttp's
/// `request.json()`, it does not insist on a JSON `Content-Type`.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonBody<T>(pub T);

/// Largest request body read (the API's requests are a few fields).
const MAX_BODY: usize = 64 * 1024;

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
            .await
            .map_err(|e| ApiError::bad_request(format!("request body: {e}")))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request(
                "request body: expected a JSON object, got nothing",
            ));
        }
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(&mut de)
            .map(Self)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                if path == "." {
                    ApiError::bad_request(format!("request body: {inner}"))
                } else {
                    ApiError::bad_request(format!("request body: {path}: {inner}"))
                }
            })
    }
}

/// The fallback for unknown routes: 404 `{"success": false, "error": "not found: <path>"}`.
pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!("not found: {}", uri.path()))
}
