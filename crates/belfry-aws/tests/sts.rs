//! The real AWS SDK against a loopback STS stand-in: the access key from the keyring is the
//! one that signs, and the caller's ARN comes back.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use belfry_aws::{AwsCredentials, AwsError, caller_identity};
use belfry_secrets::Sensitive;
use belfry_testkit::{fake_sts, free_port};

#[test]
fn an_access_key_signs_and_names_its_owner() {
    let sts = fake_sts("arn:aws:iam::123456789012:user/chime-admin");
    let creds = AwsCredentials::AccessKey {
        id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret: Sensitive::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
    };
    let arn = caller_identity(&creds, Some(&sts.url)).unwrap();
    assert_eq!(arn, "arn:aws:iam::123456789012:user/chime-admin");
    let auths = sts.authorizations.lock().unwrap().clone();
    assert_eq!(auths.len(), 1);
    assert!(
        auths[0].starts_with("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"),
        "{}",
        auths[0]
    );
    assert!(
        auths[0].contains("/us-east-1/sts/aws4_request"),
        "{}",
        auths[0]
    );
    assert!(
        !auths[0].contains("wJalrXUtnFEMI"),
        "the secret itself is never sent"
    );
}

#[test]
fn an_unreachable_endpoint_is_a_network_error() {
    let creds = AwsCredentials::AccessKey {
        id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret: Sensitive::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
    };
    let url = format!("http://127.0.0.1:{}", free_port());
    let err = caller_identity(&creds, Some(&url)).unwrap_err();
    assert!(matches!(err, AwsError::Network(_)), "{err:?}");
    assert!(!err.to_string().contains("wJalrXUtnFEMI"));
}

#[test]
fn a_wrong_secret_is_refused_by_the_signature_check() {
    let sts = fake_sts("arn:aws:iam::123456789012:user/chime-admin");
    let creds = AwsCredentials::AccessKey {
        id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret: Sensitive::new("wrongSecretKeyExample000000000000000000000".into()),
    };
    let err = caller_identity(&creds, Some(&sts.url)).unwrap_err();
    assert!(matches!(err, AwsError::Refused(_)), "{err:?}");
    assert!(err.to_string().contains("signature"), "{err}");
    assert!(!err.to_string().contains("wrongSecret"));
}
