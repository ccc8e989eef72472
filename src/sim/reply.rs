//! Response builders for the three body styles of section 4: ECS (`{"error":{code,message}}`),
//! API gateway (flat `error_code`/`error_msg`/`request_id`) and Keystone-style IAM errors.

use crate::cloud::wire::{EcsError, EcsErrorBody, GatewayErrorBody};
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;

pub(crate) const JSON: &str = "application/json";

/// A JSON answer with the given status.
pub(crate) fn json<T: Serialize>(status: u16, body: &T) -> Response {
    let bytes = serde_json::to_vec(body).expect("wire types always serialize");
    raw(status, JSON, bytes)
}

pub(crate) fn raw(status: u16, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// 204 with no body and no content type, as the reset API answers.
pub(crate) fn no_content() -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

pub(crate) fn ecs_error(status: u16, code: &str, message: impl Into<String>) -> Response {
    json(
        status,
        &EcsErrorBody {
            error: EcsError {
                code: code.to_owned(),
                message: message.into(),
            },
        },
    )
}

pub(crate) fn gateway_error(
    status: u16,
    code: &str,
    msg: impl Into<String>,
    rid: &str,
) -> Response {
    json(
        status,
        &GatewayErrorBody {
            error_code: code.to_owned(),
            error_msg: msg.into(),
            request_id: Some(rid.to_owned()),
        },
    )
}

/// 429 `APIGW.0308`, worded like the gateway's flow-control message, with the policy
/// (`limit`, window unit) when the simulated gateway states it.
pub(crate) fn throttled(policy: Option<(u64, &str)>, rid: &str) -> Response {
    let mut message = "The throttling threshold has been reached".to_owned();
    if let Some((limit, unit)) = policy {
        message.push_str(&format!(
            ": policy user over ratelimit,limit:{limit},time:1 {unit}"
        ));
    }
    gateway_error(429, "APIGW.0308", message, rid)
}

pub(crate) fn not_found_api(rid: &str) -> Response {
    gateway_error(
        404,
        "APIGW.0101",
        "The API does not exist or has not been published in the environment",
        rid,
    )
}

pub(crate) fn illegal_body() -> Response {
    ecs_error(400, "Ecs.0005", "request body is illegal.")
}

pub(crate) fn server_not_found(id: &str) -> Response {
    ecs_error(
        404,
        "Ecs.0114",
        format!("Instance[{id}] could not be found."),
    )
}

/// Unknown project id in an ECS path [ASSUMED]: 404 in the ECS style with the generic
/// `Ecs.0000` code, so a client cannot mistake it for a vanished server (`Ecs.0114`).
pub(crate) fn project_not_found(id: &str) -> Response {
    ecs_error(
        404,
        "Ecs.0000",
        format!("Project[{id}] could not be found."),
    )
}

/// Keystone-style IAM error [ASSUMED shape, see doc section 4]: numeric `code`, `title`.
pub(crate) fn iam_error(status: u16, title: &str, message: impl Into<String>) -> Response {
    json(
        status,
        &serde_json::json!({"error": {"code": status, "message": message.into(), "title": title}}),
    )
}
