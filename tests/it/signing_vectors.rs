//! Replays every vector produced by the official Huawei SDK's signer, byte for byte.

use chrono::Utc;
use ecsreset::cloud::sign::{QueryValue, SignInput, parse_authorization, sign};
use serde_json::Value;

fn query_of(v: &Value) -> Vec<(String, QueryValue)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            let key = pair[0].as_str().unwrap().to_owned();
            let value = match &pair[1] {
                Value::String(s) => QueryValue::Str(s.clone()),
                Value::Bool(b) => QueryValue::Bool(*b),
                Value::Number(n) => QueryValue::Int(n.as_i64().unwrap()),
                Value::Array(items) => QueryValue::List(
                    items
                        .iter()
                        .map(|i| i.as_str().unwrap().to_owned())
                        .collect(),
                ),
                other => panic!("unexpected query value {other}"),
            };
            (key, value)
        })
        .collect()
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn every_official_sdk_vector_matches_byte_for_byte() {
    let text = include_str!("../data/signing-vectors.json");
    let doc: Value = serde_json::from_str(text).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 30, "the vector file holds 30 vectors");
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let inputs = &v["inputs"];
        let out = &v["outputs"];
        let query = query_of(&inputs["query"]);
        let body = inputs["body"].as_str().map(str::as_bytes);
        let signed = sign(
            SignInput {
                method: inputs["method"].as_str().unwrap(),
                host: inputs["host"].as_str().unwrap(),
                path: inputs["path"].as_str().unwrap(),
                query: &query,
                headers: pairs(&inputs["headers"]),
                body,
            },
            v["credentials"]["ak"].as_str().unwrap(),
            v["credentials"]["sk"].as_str().unwrap(),
            Utc::now(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            signed.canonical_request,
            out["canonical_request"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            signed.string_to_sign,
            out["string_to_sign"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            signed.signature,
            out["signature"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            signed.signed_headers,
            out["signed_headers"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            signed.payload_hash,
            out["payload_hash"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            signed.authorization,
            out["authorization"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            signed.request_uri,
            out["request_uri"].as_str().unwrap(),
            "{name}"
        );
        let url = format!(
            "{}://{}{}",
            inputs["scheme"].as_str().unwrap(),
            inputs["host"].as_str().unwrap(),
            signed.request_uri
        );
        assert_eq!(url, out["url"].as_str().unwrap(), "{name}");
        assert_eq!(
            signed.headers,
            pairs(&out["headers_after_signing"]),
            "{name}"
        );

        let auth = parse_authorization(&signed.authorization).unwrap();
        assert_eq!(auth.signature, signed.signature, "{name}");
        assert_eq!(
            auth.signed_headers.join(";"),
            signed.signed_headers,
            "{name}"
        );
    }
}

#[test]
fn a_malformed_sdk_date_is_an_error_not_a_panic() {
    let err = sign(
        SignInput {
            method: "GET",
            host: "h",
            path: "/",
            query: &[],
            headers: vec![("X-Sdk-Date".into(), "2025-01-02".into())],
            body: None,
        },
        "ak",
        "sk",
        Utc::now(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("X-Sdk-Date"));
}
