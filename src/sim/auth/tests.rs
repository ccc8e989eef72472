use super::*;
use crate::cloud::sign::{SignInput, sign};
use axum::http::{HeaderName, HeaderValue};

const PATH: &str = "/v1/p1/cloudservers/detail";

fn cred() -> SimCredential {
    SimCredential::new("AKTEST", "sk-secret")
}

/// Signs like the client and returns the received headers plus the signed request URI.
fn signed(
    cred: &SimCredential,
    query: &[(String, QueryValue)],
    body: Option<&[u8]>,
    now: DateTime<Utc>,
) -> (HeaderMap, String) {
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    if let Some(t) = &cred.security_token {
        headers.push(("X-Security-Token".into(), t.expose().to_owned()));
    }
    let s = sign(
        SignInput {
            method: "GET",
            host: "127.0.0.1:9",
            path: PATH,
            query,
            headers,
            body,
        },
        &cred.access_key,
        cred.secret_key.expose(),
        now,
    )
    .unwrap();
    let mut map = HeaderMap::new();
    for (n, v) in s.headers {
        map.append(
            HeaderName::from_bytes(n.as_bytes()).unwrap(),
            HeaderValue::from_str(&v).unwrap(),
        );
    }
    (map, s.request_uri)
}

fn received<'a>(headers: &'a HeaderMap, uri: &'a str, body: &'a [u8]) -> Received<'a> {
    let (path, query) = match uri.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (uri, None),
    };
    Received {
        method: "GET",
        raw_path: path,
        raw_query: query,
        headers,
        body,
    }
}

fn verifier(c: SimCredential) -> Verifier {
    Verifier::new(
        vec![c],
        Duration::from_secs(900),
        5,
        Duration::from_secs(60),
    )
}

#[test]
fn accepts_what_the_client_signs_including_encoded_query() {
    let now = Utc::now();
    let q = vec![
        ("name".to_owned(), QueryValue::Str("web 01+é".into())),
        ("limit".to_owned(), QueryValue::Int(5)),
    ];
    let (h, uri) = signed(&cred(), &q, None, now);
    let v = verifier(cred());
    assert_eq!(v.check(&received(&h, &uri, b""), now), Ok("AKTEST".into()));
}

#[test]
fn rejects_tampering_skew_and_unknown_keys() {
    let now = Utc::now();
    let v = verifier(cred());
    let (h, uri) = signed(&cred(), &[], Some(b"{}"), now);
    assert!(v.check(&received(&h, &uri, b"{}"), now).is_ok());
    assert_eq!(
        v.check(&received(&h, &uri, b"{ }"), now),
        Err(SIGNATURE_FAIL.into())
    );
    let late = now + chrono::Duration::minutes(20);
    let e = v.check(&received(&h, &uri, b"{}"), late).unwrap_err();
    assert!(e.contains("signature expired"), "{e}");
    let wrong = SimCredential::new("AKTEST", "other");
    let (h2, _) = signed(&wrong, &[], None, now);
    assert_eq!(
        v.check(&received(&h2, &uri, b""), now),
        Err(SIGNATURE_FAIL.into())
    );
    let stranger = SimCredential::new("NOPE", "sk-secret");
    let (h3, _) = signed(&stranger, &[], None, now);
    assert!(
        v.check(&received(&h3, &uri, b""), now)
            .unwrap_err()
            .contains("does not exist")
    );
}

#[test]
fn lockout_after_threshold_then_expiry() {
    let now = Utc::now();
    let v = Verifier::new(
        vec![cred()],
        Duration::from_secs(900),
        3,
        Duration::from_millis(200),
    );
    let (good, uri) = signed(&cred(), &[], None, now);
    let (bad, _) = signed(&SimCredential::new("AKTEST", "x"), &[], None, now);
    for _ in 0..3 {
        assert_eq!(
            v.check(&received(&bad, &uri, b""), now),
            Err(SIGNATURE_FAIL.into())
        );
    }
    let e = v.check(&received(&good, &uri, b""), now).unwrap_err();
    assert!(e.contains("locked"), "{e}");
    std::thread::sleep(Duration::from_millis(250));
    assert!(v.check(&received(&good, &uri, b""), now).is_ok());
}

#[test]
fn security_token_must_be_signed_and_equal() {
    let now = Utc::now();
    let mut temp = cred();
    temp.security_token = Some("tok-123".into());
    let v = verifier(temp.clone());
    let (h, uri) = signed(&temp, &[], None, now);
    assert!(v.check(&received(&h, &uri, b""), now).is_ok());
    let (plain, _) = signed(&cred(), &[], None, now);
    assert!(
        v.check(&received(&plain, &uri, b""), now)
            .unwrap_err()
            .contains("X-Security-Token")
    );
}

#[test]
fn missing_authorization_and_tokens() {
    let v = verifier(cred());
    let mut h = HeaderMap::new();
    assert!(
        v.check(&received(&h, PATH, b""), Utc::now())
            .unwrap_err()
            .contains("x-auth-token not found")
    );
    h.insert("x-auth-token", HeaderValue::from_static("t"));
    assert!(
        v.check(&received(&h, PATH, b""), Utc::now())
            .unwrap_err()
            .contains("not supported")
    );
}

#[test]
fn raw_query_is_decoded_before_canonicalisation() {
    let pairs = query_pairs("b=2&a=x%20y&flag&c=%2B");
    assert_eq!(canonical_query(&pairs), "a=x%20y&b=2&c=%2B&flag=");
}
